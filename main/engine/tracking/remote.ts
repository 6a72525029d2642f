import { AppError } from '../../../common/errors.js';
import type { Metric, RunStatus } from '../../../common/types.js';

/**
 * A client for an existing MLflow tracking server (shared-server mode). Authentication as the MLflow
 * client does it: MLFLOW_TRACKING_TOKEN as a bearer token, or MLFLOW_TRACKING_USERNAME and
 * MLFLOW_TRACKING_PASSWORD as basic auth. Every failure is an AppError that says what happened.
 */
export interface RemoteTrackingOptions {
  uri: string;
  token?: string;
  username?: string;
  password?: string;
  /** Per request (default 30 s, as the client's MLFLOW_HTTP_REQUEST_TIMEOUT is 120 s but a UI must not wait that long). */
  timeoutMs?: number;
}

/** The options from the environment the MLflow client reads, for a given server URI. */
export function remoteOptionsFromEnv(uri: string, env: NodeJS.ProcessEnv = process.env): RemoteTrackingOptions {
  return {
    uri,
    token: env.MLFLOW_TRACKING_TOKEN || undefined,
    username: env.MLFLOW_TRACKING_USERNAME || undefined,
    password: env.MLFLOW_TRACKING_PASSWORD || undefined,
  };
}

export interface RemoteRun {
  run_id: string;
  experiment_id: string;
  status: RunStatus;
  artifact_uri: string;
  params: Record<string, string>;
  tags: Record<string, string>;
  metrics: Metric[];
}

interface WireRun {
  info: { run_id: string; experiment_id: string; status: RunStatus; artifact_uri: string };
  data?: {
    params?: { key: string; value: string }[];
    tags?: { key: string; value: string }[];
    metrics?: { key: string; value: number | string; timestamp: number | string; step?: number | string }[];
  };
}

function num(v: number | string | undefined): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  return v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : Number(v);
}

export class RemoteTracking {
  readonly uri: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;

  constructor(opts: RemoteTrackingOptions) {
    let url: URL;
    try {
      url = new URL(opts.uri);
    } catch {
      throw new AppError('USAGE', `Tracking URI '${opts.uri}' is not a URL; expected http(s)://HOST:PORT.`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new AppError('USAGE', `Tracking URI '${opts.uri}' must be http:// or https:// for a shared MLflow server.`);
    }
    this.uri = opts.uri.replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.headers = { 'content-type': 'application/json' };
    if (opts.token) this.headers.authorization = `Bearer ${opts.token}`;
    else if (opts.username !== undefined && opts.password !== undefined) {
      this.headers.authorization = `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString('base64')}`;
    }
  }

  /** The environment a step needs to log into this server with the same credentials. */
  stepEnv(): Record<string, string> {
    const env: Record<string, string> = { MLFLOW_TRACKING_URI: this.uri };
    const auth = this.headers.authorization;
    if (auth?.startsWith('Bearer ')) env.MLFLOW_TRACKING_TOKEN = auth.slice(7);
    return env;
  }

  async call<T>(method: 'GET' | 'POST', endpoint: string, body: Record<string, unknown> = {}): Promise<T> {
    let url = `${this.uri}/api/2.0/mlflow/${endpoint}`;
    if (method === 'GET') {
      const q = new URLSearchParams(Object.entries(body).map(([k, v]): [string, string] => [k, String(v as string)]));
      url += `?${q.toString()}`;
    }
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: this.headers,
        body: method === 'POST' ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      const why = err.name === 'TimeoutError' ? `no answer within ${this.timeoutMs / 1000} s` : (err.cause?.code ?? err.message);
      throw new AppError('TRACKING_UNAVAILABLE', `Cannot reach the MLflow tracking server at ${this.uri} (${endpoint}): ${why}.`);
    }
    const text = await res.text();
    if (res.status === 401 || res.status === 403) {
      throw new AppError(
        'TRACKING_AUTH',
        `The MLflow tracking server at ${this.uri} refused the request (${res.status}); set MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD.`,
      );
    }
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      throw new AppError('TRACKING_ERROR', `The MLflow tracking server at ${this.uri} answered ${endpoint} with ${res.status} and a body that is not JSON.`);
    }
    if (!res.ok) {
      const e = json as { error_code?: string; message?: string };
      throw new AppError('TRACKING_ERROR', `MLflow server ${endpoint}: ${e.error_code ?? res.status}: ${e.message ?? text.slice(0, 200)}`, {
        status: res.status,
        errorCode: e.error_code,
      });
    }
    return json as T;
  }

  async getOrCreateExperiment(name: string): Promise<string> {
    try {
      const r = await this.call<{ experiment: { experiment_id: string } }>('GET', 'experiments/get-by-name', { experiment_name: name });
      return r.experiment.experiment_id;
    } catch (e) {
      if (!(e instanceof AppError) || (e.details as { errorCode?: string } | undefined)?.errorCode !== 'RESOURCE_DOES_NOT_EXIST') throw e;
    }
    return (await this.call<{ experiment_id: string }>('POST', 'experiments/create', { name })).experiment_id;
  }

  async createRun(p: { experimentId: string; runName: string; startTime: number; tags: Record<string, string>; userId: string }): Promise<RemoteRun> {
    const r = await this.call<{ run: WireRun }>('POST', 'runs/create', {
      experiment_id: p.experimentId,
      run_name: p.runName,
      start_time: p.startTime,
      user_id: p.userId,
      tags: Object.entries(p.tags).map(([key, value]) => ({ key, value })),
    });
    return toRemoteRun(r.run);
  }

  /** Logs params and tags in batches within MLflow's limits (100 params, 100 tags, 1000 entities). */
  async logParamsAndTags(runId: string, params: Record<string, string>, tags: Record<string, string> = {}): Promise<void> {
    const ps = Object.entries(params).map(([key, value]) => ({ key, value }));
    const ts = Object.entries(tags).map(([key, value]) => ({ key, value }));
    for (let i = 0; i < Math.max(ps.length, ts.length); i += 100) {
      await this.call('POST', 'runs/log-batch', { run_id: runId, params: ps.slice(i, i + 100), tags: ts.slice(i, i + 100), metrics: [] });
    }
  }

  async updateRun(runId: string, status: RunStatus, endTime: number | null): Promise<void> {
    await this.call('POST', 'runs/update', { run_id: runId, run_uuid: runId, status, ...(endTime !== null ? { end_time: endTime } : {}) });
  }

  /** Every logged value of one metric, following MLflow's paging. */
  async metricHistory(runId: string, key: string): Promise<Metric[]> {
    const out: Metric[] = [];
    let token: string | undefined;
    do {
      const page = await this.call<{ metrics?: { key: string; value: number | string; timestamp: number | string; step?: number | string }[]; next_page_token?: string }>(
        'GET',
        'metrics/get-history',
        { run_id: runId, metric_key: key, max_results: 25000, ...(token ? { page_token: token } : {}) },
      );
      for (const m of page.metrics ?? []) out.push({ key, value: num(m.value), timestamp: num(m.timestamp), step: num(m.step) });
      token = page.next_page_token || undefined;
    } while (token);
    return out;
  }

  async getRun(runId: string): Promise<RemoteRun> {
    return toRemoteRun((await this.call<{ run: WireRun }>('GET', 'runs/get', { run_id: runId })).run);
  }
}

function toRemoteRun(w: WireRun): RemoteRun {
  return {
    run_id: w.info.run_id,
    experiment_id: w.info.experiment_id,
    status: w.info.status,
    artifact_uri: w.info.artifact_uri,
    params: Object.fromEntries((w.data?.params ?? []).map((p) => [p.key, p.value])),
    tags: Object.fromEntries((w.data?.tags ?? []).map((t) => [t.key, t.value])),
    metrics: (w.data?.metrics ?? []).map((m) => ({ key: m.key, value: num(m.value), timestamp: num(m.timestamp), step: num(m.step) })),
  };
}
