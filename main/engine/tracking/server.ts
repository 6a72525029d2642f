import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { AppError } from '../../../common/errors.js';
import type { Metric, RunRecord, RunStatus } from '../../../common/types.js';
import { RUN_STATUSES } from '../../../common/types.js';
import { randomRunName } from '../runner/run-names.js';
import type { Store } from '../store/store.js';
import { fileUri } from '../store/store.js';

/**
 * The MLflow tracking REST API (the part the Python client uses to log into a run), served on
 * 127.0.0.1 while Baton runs steps, so scripts that call `mlflow.log_metric` — or plain HTTP —
 * write straight into Baton's history. Errors use MLflow's JSON shape and status codes.
 */
export interface TrackingServer {
  uri: string;
  token: string | null;
  port: number;
  close(): Promise<void>;
}

export interface TrackingServerOptions {
  port?: number;
  /** Require `Authorization: Bearer <token>`; a fresh random token when true. */
  token?: string | null;
  artifactRoot: string;
  /** Runs supervised by Baton: the client's own status updates are kept as a tag, not applied. */
  isSupervised?: (runId: string) => boolean;
  /** Keep the process alive while listening (`baton server`); embedded use lets the process exit. */
  keepAlive?: boolean;
}

class ApiError extends Error {
  constructor(
    readonly errorCode: string,
    message: string,
    readonly httpStatus: number,
  ) {
    super(message);
  }
}

const KEY_RE = /^[/\w.\- :]*$/;
const MAX_KEY = 250;

function validateKey(kind: string, key: unknown): string {
  if (typeof key !== 'string' || key === '') {
    throw new ApiError('INVALID_PARAMETER_VALUE', `Missing value for required parameter 'key'.`, 400);
  }
  if (!KEY_RE.test(key) || key.length > MAX_KEY || path.posix.normalize(key).split('/').includes('..')) {
    throw new ApiError(
      'INVALID_PARAMETER_VALUE',
      `Invalid ${kind} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/), must be at most ${MAX_KEY} characters and may not contain '..'.`,
      400,
    );
  }
  return key;
}

function toNumber(v: unknown, name: string): number {
  if (v === undefined || v === null) {
    throw new ApiError('INVALID_PARAMETER_VALUE', `Missing value for required parameter '${name}'.`, 400);
  }
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    if (v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  }
  throw new ApiError('INVALID_PARAMETER_VALUE', `Invalid value ${JSON.stringify(v)} for parameter '${name}' supplied.`, 400);
}

/** A param or tag value: strings as sent, numbers and booleans in their text form, nothing else. */
function valueText(v: unknown, kind: string): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new ApiError('INVALID_PARAMETER_VALUE', `Invalid value ${JSON.stringify(v)} for ${kind}: expected a string.`, 400);
}

function requireString(body: Record<string, unknown>, name: string): string {
  const v = body[name];
  if (typeof v !== 'string' || v === '') {
    throw new ApiError('INVALID_PARAMETER_VALUE', `Missing value for required parameter '${name}'.`, 400);
  }
  return v;
}

function runIdOf(body: Record<string, unknown>): string {
  const v = body.run_id ?? body.run_uuid;
  if (typeof v !== 'string' || v === '') {
    throw new ApiError('INVALID_PARAMETER_VALUE', `Missing value for required parameter 'run_id'.`, 400);
  }
  return v;
}

function runToWire(r: RunRecord, history?: Record<string, Metric>): unknown {
  return {
    info: {
      run_id: r.run_id,
      run_uuid: r.run_id,
      experiment_id: r.experiment_id,
      run_name: r.run_name,
      user_id: r.tags['mlflow.user'] ?? '',
      status: r.status,
      start_time: r.start_time ?? undefined,
      end_time: r.end_time ?? undefined,
      artifact_uri: r.artifact_uri,
      lifecycle_stage: r.lifecycle_stage,
    },
    data: {
      metrics: Object.entries(r.metrics).map(([key, value]) => ({
        key,
        value: wireNumber(value),
        timestamp: history?.[key]?.timestamp ?? 0,
        step: history?.[key]?.step ?? 0,
      })),
      params: Object.entries(r.params).map(([key, value]) => ({ key, value })),
      tags: Object.entries(r.tags).map(([key, value]) => ({ key, value })),
    },
    inputs: {},
  };
}

function wireNumber(v: number): number | string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

export async function startTrackingServer(store: Store, opts: TrackingServerOptions): Promise<TrackingServer> {
  const token = opts.token === undefined ? randomBytes(24).toString('hex') : opts.token;

  const requireRun = (runId: string): RunRecord => {
    const run = store.getRun(runId);
    if (!run) throw new ApiError('RESOURCE_DOES_NOT_EXIST', `Run with id=${runId} not found`, 404);
    return run;
  };
  /** A logging call's check: the run exists and is active (one indexed lookup, not the whole run). */
  const requireActive = (runId: string): string => {
    const stage = store.runLifecycle(runId);
    if (stage === null) throw new ApiError('RESOURCE_DOES_NOT_EXIST', `Run with id=${runId} not found`, 404);
    if (stage !== 'active') {
      throw new ApiError('INVALID_STATE', `The run ${runId} must be in the 'active' state. Current state is deleted.`, 400);
    }
    return runId;
  };
  const logParams = (runId: string, params: { key: unknown; value: unknown }[]): void => {
    const existing = params.length ? store.paramsOf(runId) : {};
    const fresh: Record<string, string> = {};
    for (const p of params) {
      const key = validateKey('parameter', p.key);
      const value = valueText(p.value, `param '${key}'`);
      const old = existing[key] ?? fresh[key];
      if (old !== undefined && old !== value) {
        throw new ApiError(
          'INVALID_PARAMETER_VALUE',
          `Changing param values is not allowed. Param with key='${key}' was already logged with value='${old}' for run ID='${runId}'. Attempted logging new value '${value}'.`,
          400,
        );
      }
      if (old === undefined) fresh[key] = value;
    }
    store.logParams(runId, fresh);
  };
  const toMetric = (m: Record<string, unknown>): Metric => ({
    key: validateKey('metric', m.key),
    value: toNumber(m.value, 'value'),
    timestamp: m.timestamp === undefined ? Date.now() : toNumber(m.timestamp, 'timestamp'),
    step: m.step === undefined ? 0 : toNumber(m.step, 'step'),
  });
  const toTags = (tags: unknown): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const t of (Array.isArray(tags) ? tags : []) as { key: unknown; value: unknown }[]) {
      const key = validateKey('tag', t.key);
      out[key] = valueText(t.value, `tag '${key}'`);
    }
    return out;
  };

  const routes: Record<string, (body: Record<string, unknown>) => unknown> = {
    'experiments/get-by-name': (b) => {
      const name = requireString(b, 'experiment_name');
      const exp = store.findExperimentByName(name);
      if (!exp) throw new ApiError('RESOURCE_DOES_NOT_EXIST', `Could not find experiment with name '${name}'`, 404);
      return { experiment: expToWire(exp) };
    },
    'experiments/get': (b) => {
      const id = requireString(b, 'experiment_id');
      const exp = store.getExperiment(id);
      if (!exp) throw new ApiError('RESOURCE_DOES_NOT_EXIST', `No Experiment with id=${id} exists`, 404);
      return { experiment: expToWire(exp) };
    },
    'experiments/create': (b) => {
      const name = requireString(b, 'name');
      if (store.findExperimentByName(name)) {
        throw new ApiError('RESOURCE_ALREADY_EXISTS', `Experiment '${name}' already exists.`, 400);
      }
      return { experiment_id: store.getOrCreateExperiment(name).experiment_id };
    },
    'runs/create': (b) => {
      const expId = typeof b.experiment_id === 'string' ? b.experiment_id : '0';
      const exp = expId === '0' ? store.getOrCreateExperiment('Default') : store.getExperiment(expId);
      if (!exp) throw new ApiError('RESOURCE_DOES_NOT_EXIST', `No Experiment with id=${expId} exists`, 404);
      const tags = toTags(b.tags);
      const runName = (typeof b.run_name === 'string' && b.run_name) || tags['mlflow.runName'] || randomRunName();
      const runId = randomBytes(16).toString('hex');
      const artifactDir = path.join(opts.artifactRoot, exp.experiment_id, runId, 'artifacts');
      fs.mkdirSync(artifactDir, { recursive: true });
      const time = b.start_time === undefined ? Date.now() : toNumber(b.start_time, 'start_time');
      store.createRun({
        runId,
        experimentId: exp.experiment_id,
        runName,
        userId: typeof b.user_id === 'string' ? b.user_id : '',
        projectDir: '',
        entryPoint: '',
        command: '',
        artifactUri: fileUri(artifactDir),
        logPath: null,
        exitFile: null,
        params: {},
        tags: { ...tags, 'mlflow.runName': runName },
        time,
      });
      store.markExternalRunning(runId, time);
      return { run: runToWire(requireRun(runId)) };
    },
    'runs/get': (b) => {
      const runId = runIdOf(b);
      const got = store.getRunWithMetricDetails(runId);
      if (!got) throw new ApiError('RESOURCE_DOES_NOT_EXIST', `Run with id=${runId} not found`, 404);
      return { run: runToWire(got.run, got.details) };
    },
    'runs/update': (b) => {
      const runId = runIdOf(b);
      requireRun(runId);
      const status = b.status;
      if (status !== undefined && !RUN_STATUSES.includes(status as RunStatus)) {
        throw new ApiError('INVALID_PARAMETER_VALUE', `Invalid value ${JSON.stringify(status)} for parameter 'status' supplied.`, 400);
      }
      if (typeof b.run_name === 'string' && b.run_name) store.renameRun(runId, b.run_name);
      if (status !== undefined) {
        if (opts.isSupervised?.(runId)) {
          // Baton sets the final status from the exit code; the script's own view is kept for people.
          store.setTags(runId, { 'baton.client_status': status as string });
        } else {
          const end = b.end_time === undefined ? null : toNumber(b.end_time, 'end_time');
          store.updateExternalStatus(runId, status as RunStatus, end);
        }
      }
      const r = requireRun(runId);
      return { run_info: (runToWire(r) as { info: unknown }).info };
    },
    'runs/log-metric': (b) => {
      const runId = requireActive(runIdOf(b));
      store.logMetrics(runId, [toMetric(b)]);
      return {};
    },
    'runs/log-parameter': (b) => {
      logParams(requireActive(runIdOf(b)), [{ key: b.key, value: b.value }]);
      return {};
    },
    'runs/set-tag': (b) => {
      store.setTags(requireActive(runIdOf(b)), toTags([{ key: b.key, value: b.value }]));
      return {};
    },
    'runs/delete-tag': (b) => {
      const run = requireRun(requireActive(runIdOf(b)));
      const key = requireString(b, 'key');
      if (!(key in run.tags)) {
        throw new ApiError('RESOURCE_DOES_NOT_EXIST', `No tag with name: ${key} in run with id ${run.run_id}`, 404);
      }
      store.deleteTag(run.run_id, key);
      return {};
    },
    'runs/log-batch': (b) => {
      const runId = requireActive(runIdOf(b));
      const metrics = Array.isArray(b.metrics) ? (b.metrics as Record<string, unknown>[]) : [];
      const params = Array.isArray(b.params) ? (b.params as { key: unknown; value: unknown }[]) : [];
      const tags = Array.isArray(b.tags) ? b.tags : [];
      if (metrics.length > 1000 || params.length > 100 || tags.length > 100 || metrics.length + params.length + tags.length > 1000) {
        throw new ApiError(
          'INVALID_PARAMETER_VALUE',
          `A batch logging request can contain at most 1000 metrics, 100 params and 100 tags, and at most 1000 in total. Got ${metrics.length} metrics, ${params.length} params and ${tags.length} tags.`,
          400,
        );
      }
      const ms = metrics.map(toMetric);
      const ts = toTags(tags);
      store.db.transaction(() => {
        logParams(runId, params);
        store.logMetrics(runId, ms);
        store.setTags(runId, ts);
      })();
      return {};
    },
    'runs/delete': (b) => {
      const runId = runIdOf(b);
      requireRun(runId);
      store.setRunLifecycle(runId, 'deleted');
      return {};
    },
    'runs/restore': (b) => {
      const runId = runIdOf(b);
      requireRun(runId);
      store.setRunLifecycle(runId, 'active');
      return {};
    },
    'runs/search': (b) => {
      const ids = Array.isArray(b.experiment_ids) ? b.experiment_ids.map((x) => String(x as string)) : typeof b.experiment_ids === 'string' ? [b.experiment_ids] : undefined;
      const orderBy = Array.isArray(b.order_by) ? b.order_by.map((x) => String(x as string)) : typeof b.order_by === 'string' ? [b.order_by] : undefined;
      const view = b.run_view_type;
      if (view !== undefined && view !== 'ACTIVE_ONLY' && view !== 'DELETED_ONLY' && view !== 'ALL') {
        throw new ApiError('INVALID_PARAMETER_VALUE', `Invalid value ${JSON.stringify(view)} for parameter 'run_view_type' supplied.`, 400);
      }
      try {
        const { runs, nextPageToken } = store.searchRunsDetailed({
          experimentIds: ids,
          filter: typeof b.filter === 'string' ? b.filter : undefined,
          orderBy,
          maxResults: b.max_results === undefined ? undefined : toNumber(b.max_results, 'max_results'),
          pageToken: typeof b.page_token === 'string' && b.page_token ? b.page_token : undefined,
          runViewType: view,
        });
        return {
          runs: runs.map((r) => runToWire(r.run, r.details)),
          ...(nextPageToken ? { next_page_token: nextPageToken } : {}),
        };
      } catch (e) {
        if (e instanceof AppError) throw new ApiError('INVALID_PARAMETER_VALUE', e.message, 400);
        throw e;
      }
    },
    'experiments/search': (b) => {
      const view = typeof b.view_type === 'string' ? b.view_type : 'ACTIVE_ONLY';
      const experiments = store
        .listExperiments()
        .filter((e) => view === 'ALL' || (view === 'DELETED_ONLY') === (e.lifecycle_stage === 'deleted'));
      return { experiments: experiments.map(expToWire) };
    },
    'artifacts/list': (b) => {
      const run = requireRun(runIdOf(b));
      const rel = typeof b.path === 'string' ? b.path : '';
      if (rel.split('/').includes('..') || path.isAbsolute(rel)) {
        throw new ApiError('INVALID_PARAMETER_VALUE', `Invalid path: '${rel}'`, 400);
      }
      const dir = path.join(run.artifact_dir, rel);
      let entries: fs.Dirent[] = [];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        entries = [];
      }
      return {
        root_uri: run.artifact_uri,
        files: entries
          .sort((x, y) => x.name.localeCompare(y.name))
          .map((e) => {
            const p = rel ? `${rel}/${e.name}` : e.name;
            return e.isDirectory()
              ? { path: p, is_dir: true }
              : { path: p, is_dir: false, file_size: fs.statSync(path.join(dir, e.name)).size };
          }),
      };
    },
    // MLflow 3's LoggedModel entities: Baton records none (mlflow.<flavor>.log_model still writes the
    // model files as run artifacts). The client asks when it lists a run's artifacts.
    'logged-models/search': () => ({ models: [] }),
    'metrics/get-history': (b) => {
      const runId = runIdOf(b);
      requireRun(runId);
      const key = requireString(b, 'metric_key');
      return { metrics: store.metricHistory(runId, key).map((m) => ({ ...m, value: wireNumber(m.value) })) };
    },
  };

  const server = http.createServer((req, res) => {
    void handle(req, res);
  });

  let port = 0;
  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const send = (status: number, body: unknown): void => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    try {
      const host = req.headers.host ?? '';
      if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
        throw new ApiError('PERMISSION_DENIED', `Host header '${host}' is not allowed.`, 403);
      }
      const origin = req.headers.origin;
      if (origin !== undefined && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`) {
        throw new ApiError('PERMISSION_DENIED', `Origin '${origin}' is not allowed.`, 403);
      }
      if (token !== null && !tokenMatches(req.headers.authorization, token)) {
        throw new ApiError('UNAUTHENTICATED', 'Missing or invalid tracking token (MLFLOW_TRACKING_TOKEN).', 401);
      }
      const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
      const m = /^\/(?:api|ajax-api)\/2\.0\/mlflow\/(.+)$/.exec(url.pathname);
      const route = m ? routes[m[1]!] : undefined;
      if (!route) throw new ApiError('ENDPOINT_NOT_FOUND', `No such endpoint: ${req.method} ${url.pathname}`, 404);
      let body: Record<string, unknown>;
      if (req.method === 'GET') {
        body = Object.fromEntries(url.searchParams.entries());
      } else if (req.method === 'POST') {
        // As MLflow's server: JSON only. (A browser cannot send this content type cross-origin
        // without a preflight, which is one more guard against requests from web pages.)
        const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
        if (type !== 'application/json') {
          throw new ApiError('INVALID_PARAMETER_VALUE', "Bad Request. Content-Type must be one of ['application/json'].", 400);
        }
        const raw = await readBody(req);
        try {
          const parsed: unknown = raw ? JSON.parse(raw) : {};
          if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
          body = parsed as Record<string, unknown>;
        } catch {
          // MLflow reads an unparseable body as empty and names the first missing field; same code here.
          throw new ApiError('INVALID_PARAMETER_VALUE', 'Malformed request: the body is not a JSON object.', 400);
        }
      } else {
        throw new ApiError('ENDPOINT_NOT_FOUND', `No such endpoint: ${req.method} ${url.pathname}`, 404);
      }
      send(200, route(body));
    } catch (e) {
      if (e instanceof ApiError) send(e.httpStatus, { error_code: e.errorCode, message: e.message });
      else send(500, { error_code: 'INTERNAL_ERROR', message: (e as Error).message });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  if (!opts.keepAlive) server.unref();
  return {
    uri: `http://127.0.0.1:${port}`,
    token,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer (.+)$/.exec(header ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1]!);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 64 * 1024 * 1024) {
        reject(new ApiError('INVALID_PARAMETER_VALUE', 'Request body too large.', 400));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function expToWire(e: { experiment_id: string; name: string; artifact_location: string; lifecycle_stage: string; creation_time: number; last_update_time: number }): unknown {
  return { ...e, tags: [] };
}

