/**
 * The MLflow tracking REST API, Baton's embedded server vs `mlflow server`, side by side in one run
 * on this machine (npm run bench:tracking). For each server, with the same Node HTTP client
 * (keep-alive, a fixed number of requests in flight, identical payloads and headers):
 *  - runs/log-batch throughput: calls of 1000 metrics each (100 keys × 10 steps, every (key, step)
 *    distinct), one run per client worker;
 *  - runs/log-metric throughput: one metric per request, one run per client worker;
 *  - seeding: --runs runs with 10 params each. The first --api-seed of them (default 1000) are created
 *    through the server's own API (runs/create, then runs/log-batch with the params), the same number
 *    of requests in flight, and timed; the rest, for speed, are written by each server's own storage
 *    layer, the same rows the API writes: Baton's Store (in its server process) and MLflow's
 *    SqlAlchemyStore models (a Python helper, one transaction). --api-seed N ≥ --runs: all by API;
 *  - runs/search latency over those runs: `params.alpha = '0.5'` (1% of them), max_results 100, one
 *    request at a time, after a warm-up.
 * Baton's server runs in a child Node process (this file with --serve-baton), as MLflow's runs in its
 * own process, so the client's work is not counted against either server. Only one server runs at a
 * time. Everything binds to 127.0.0.1; every loop is bounded in count and time.
 *
 *   node out/bench/tracking.js [--mlflow .venv/bin/mlflow] [--runs 10000] [--api-seed 1000]
 *     [--concurrency 4] [--seconds 5] [--searches 30] [--profile DIR] [--mlflow-python PYTHON]
 */
import { execFile, execFileSync, fork, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Engine } from '../main/engine/engine.js';
import { fileUri } from '../main/engine/store/store.js';
import { median, p95 } from './stats.js';

const { values } = parseArgs({
  options: {
    mlflow: { type: 'string' },
    runs: { type: 'string', default: '10000' },
    'api-seed': { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '5' },
    searches: { type: 'string', default: '30' },
    /** Write a V8 CPU profile of Baton's server process (node --cpu-prof) into this directory. */
    profile: { type: 'string' },
    /** The Python with the `mlflow` package for direct seeding; default: the `python` beside --mlflow. */
    'mlflow-python': { type: 'string' },
    'max-minutes': { type: 'string', default: '20' },
    /** Internal: the child process that serves Baton's tracking API from this BATON_HOME. */
    'serve-baton': { type: 'string' },
  },
});

// ---- the benchmark ----------------------------------------------------------------------------

interface Target {
  name: 'baton' | 'mlflow';
  port: number;
  headers: Record<string, string>;
  agent: http.Agent;
  /** CPU time (ms) of the server's processes so far, or null where /proc is not available. */
  cpuMs: () => number | null;
  /** Writes runs straight through the server's own storage layer: the rows the API would write. */
  seedDirect: (experimentId: string, runs: RunSpec[]) => Promise<void>;
}

/** One run of the search experiment: what runs/create and runs/log-batch get for it. */
interface RunSpec {
  run_name: string;
  start_time: number;
  tags: { key: string; value: string }[];
  params: { key: string; value: string }[];
}

interface Throughput {
  calls: number;
  seconds: number;
  calls_per_s: number;
  /** The server's CPU time per call (all its processes), from /proc. */
  server_cpu_ms_per_call: number | null;
  /** The client's CPU time over wall time: near 100% would mean the client is the bottleneck. */
  client_cpu_pct: number;
}

interface Figures {
  log_batch: Throughput & { metrics_per_call: number; metrics_per_s: number };
  log_metric: Throughput;
  seed: {
    runs: number;
    api_runs: number;
    api_seconds: number;
    api_runs_per_s: number;
    api_requests_per_s: number;
    direct_runs: number;
    direct_seconds: number;
  };
  search: {
    runs_in_experiment: number;
    filter: string;
    max_results: number;
    matches: number;
    searches: number;
    median_ms: number;
    p95_ms: number;
    min_ms: number;
    server_cpu_ms_per_search: number | null;
  };
}

const RUNS = positive('runs');
const CONC = positive('concurrency');
const SECONDS = positive('seconds');
const SEARCHES = positive('searches');
const WARMUP_MS = 1500;
const WARMUP_SEARCHES = 5;
const REQUEST_TIMEOUT_MS = 60_000;
const MAX_CALLS = 1_000_000; // per phase; the phases are bounded by time long before this
const METRICS_PER_CALL = 1000;
const BASE_TIME = 1_767_225_600_000; // a fixed timestamp, so both servers get byte-identical payloads
const FILTER = "params.alpha = '0.5'";
const SEARCH_MAX_RESULTS = 100;

const API_SEED = Math.min(RUNS, positive('api-seed'));

function positive(name: 'runs' | 'api-seed' | 'concurrency' | 'seconds' | 'searches'): number {
  const n = Number(values[name]);
  const integer = name !== 'seconds';
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new Error(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got '${values[name]}'`);
  }
  return n;
}

/** Processes this benchmark started; killed on every way out, including errors and Ctrl-C. */
const children = new Set<{ kill: () => void }>();
function killChildren(): void {
  for (const c of children) c.kill();
  children.clear();
}

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-bench-tracking-'));
  const onSignal = (sig: NodeJS.Signals): void => {
    killChildren();
    fs.rmSync(root, { recursive: true, force: true });
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', killChildren);
  setTimeout(
    () => {
      console.error(`tracking benchmark: still running after ${values['max-minutes']} minutes, giving up`);
      onSignal('SIGTERM');
    },
    Number(values['max-minutes']) * 60_000,
  ).unref();

  try {
    const started = new Date();
    const mlflowVersion = values.mlflow
      ? execFileSync(values.mlflow, ['--version'], { encoding: 'utf8' })
          .trim()
          .replace(/^mlflow, version /, '')
      : null;
    const cpus = os.cpus();
    const report: Record<string, unknown> = {
      date: started.toISOString(),
      machine: {
        cores: cpus.length,
        model: cpus[0]?.model.trim() ?? 'unknown',
        memory_gib: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
        os: `${os.platform()} ${os.release()}`,
        mlflow: mlflowVersion,
        load_average_at_start: os.loadavg().map((x) => Number(x.toFixed(2))),
      },
      settings: {
        concurrency: CONC,
        phase_seconds: SECONDS,
        warmup_ms: WARMUP_MS,
        metrics_per_log_batch: METRICS_PER_CALL,
        runs: RUNS,
        searches: SEARCHES,
        warmup_searches: WARMUP_SEARCHES,
        seeding: `${API_SEED} runs through each server's API (runs/create + runs/log-batch with 10 params, same concurrency), ${RUNS - API_SEED} through its storage layer (Baton: Store; MLflow: SqlAlchemyStore models)`,
        baton_server: 'child Node process (Engine.open + trackingEndpoint), history on a temp BATON_HOME',
        mlflow_server: values.mlflow
          ? 'mlflow server --workers 1, sqlite:/// backend in a temp dir, MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false'
          : null,
      },
    };

    const baton = await withBaton(root, measure);
    report.baton = baton;
    if (values.mlflow) {
      const mlflow = await withMlflow(values.mlflow, root, measure);
      report.mlflow = mlflow;
      const r = (x: number, y: number): number => Number((x / y).toFixed(1));
      const ratios = {
        log_batch_metrics_per_s: r(baton.log_batch.metrics_per_s, mlflow.log_batch.metrics_per_s),
        log_metric_requests_per_s: r(baton.log_metric.calls_per_s, mlflow.log_metric.calls_per_s),
        seed_api_runs_per_s: r(baton.seed.api_runs_per_s, mlflow.seed.api_runs_per_s),
        search_median_latency: r(mlflow.search.median_ms, baton.search.median_ms),
        search_p95_latency: r(mlflow.search.p95_ms, baton.search.p95_ms),
      };
      report.ratios = {
        note: 'Baton/MLflow for throughput, MLflow/Baton for latency: higher is better for Baton',
        ...ratios,
      };
      const c = (x: number | null, y: number | null): number | null =>
        x === null || y === null || y === 0 ? null : r(x, y);
      report.server_cpu_ratios = {
        note: "MLflow's server CPU time per call / Baton's: less sensitive than wall-clock figures to other load on the machine",
        log_batch: c(mlflow.log_batch.server_cpu_ms_per_call, baton.log_batch.server_cpu_ms_per_call),
        log_metric: c(mlflow.log_metric.server_cpu_ms_per_call, baton.log_metric.server_cpu_ms_per_call),
        search: c(mlflow.search.server_cpu_ms_per_search, baton.search.server_cpu_ms_per_search),
      };
      report.targets = {
        throughput_10x: ratios.log_batch_metrics_per_s >= 10 && ratios.log_metric_requests_per_s >= 10,
        search_latency_tenth: ratios.search_median_latency >= 10 && ratios.search_p95_latency >= 10,
      };
    }
    report.total_seconds = Number(((Date.now() - started.getTime()) / 1000).toFixed(1));
    console.log(JSON.stringify(report, null, 2));
  } finally {
    killChildren();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

// ---- servers ----------------------------------------------------------------------------------

async function withBaton<T>(root: string, fn: (t: Target) => Promise<T>): Promise<T> {
  const home = path.join(root, 'baton-home');
  const execArgv = values.profile ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(values.profile)] : [];
  const child = fork(fileURLToPath(import.meta.url), ['--serve-baton', home], {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const handle = { kill: () => void child.kill('SIGKILL') };
  children.add(handle);
  try {
    const endpoint = await new Promise<{ uri: string; token: string | null }>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('Baton tracking server: no endpoint after 30 s')),
        30_000,
      );
      child.once('message', (m) => {
        clearTimeout(timer);
        resolve(m as { uri: string; token: string | null });
      });
      child.once('exit', (code) =>
        reject(new Error(`Baton tracking server exited (${code}) before starting`)),
      );
    });
    const target: Target = {
      name: 'baton',
      port: Number(new URL(endpoint.uri).port),
      headers: endpoint.token ? { authorization: `Bearer ${endpoint.token}` } : {},
      agent: new http.Agent({ keepAlive: true, maxSockets: CONC }),
      cpuMs: () => procCpuMs((pid) => pid === child.pid),
      seedDirect: (experimentId, runs) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error('Baton: seeding through the Store took over 300 s')),
            300_000,
          );
          child.once('message', (m) => {
            clearTimeout(timer);
            if ((m as { seeded?: number }).seeded === runs.length) resolve();
            else reject(new Error(`Baton: seeding through the Store failed: ${JSON.stringify(m)}`));
          });
          child.send({ seed: { experimentId, runs } });
        }),
    };
    try {
      return await fn(target);
    } finally {
      target.agent.destroy();
    }
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send('stop');
      await Promise.race([exited, sleep(10_000, false)]);
    }
    handle.kill();
    children.delete(handle);
  }
}

async function withMlflow<T>(bin: string, root: string, fn: (t: Target) => Promise<T>): Promise<T> {
  const dir = path.join(root, 'mlflow');
  fs.mkdirSync(dir);
  const port = await freePort();
  const logFile = path.join(dir, 'server.log');
  const log = fs.openSync(logFile, 'w');
  // Its own process group (detached), so the server, uvicorn and anything they start die together.
  const exe = bin.includes('/') ? path.resolve(bin) : bin; // relative to where the benchmark started, not cwd below
  const python =
    values['mlflow-python'] ??
    (fs.existsSync(path.join(path.dirname(exe), 'python'))
      ? path.join(path.dirname(exe), 'python')
      : 'python3');
  const dbUri = `sqlite:///${path.join(dir, 'mlflow.db')}`;
  const artifactRoot = path.join(dir, 'artifacts');
  const child: ChildProcess = spawn(
    exe,
    [
      'server',
      '--backend-store-uri',
      dbUri,
      '--default-artifact-root',
      artifactRoot,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--workers',
      '1',
    ],
    {
      cwd: dir,
      detached: true,
      stdio: ['ignore', log, log],
      // The background job runner (GenAI jobs; eight idle Python processes) plays no part in tracking.
      env: { ...process.env, MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false' },
    },
  );
  fs.closeSync(log);
  const pgid = child.pid!;
  const killGroup = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pgid, sig);
    } catch {
      // already gone
    }
  };
  const handle = { kill: () => killGroup('SIGKILL') };
  children.add(handle);
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    const done = (): void => {
      exited = true;
      resolve();
    };
    child.once('exit', done);
    child.once('error', (e) => {
      fs.appendFileSync(logFile, `\ncannot start ${bin}: ${e.message}\n`);
      done();
    });
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONC });
  try {
    const deadline = performance.now() + 120_000;
    for (;;) {
      if (exited) throw new Error(`mlflow server exited during start-up:\n${tail(logFile)}`);
      if (performance.now() > deadline)
        throw new Error(`mlflow server did not answer /health within 120 s:\n${tail(logFile)}`);
      if (await healthy(port)) break;
      await sleep(250);
    }
    const target: Target = {
      name: 'mlflow',
      port,
      headers: { authorization: 'Bearer unused' }, // the same headers as for Baton; MLflow ignores it
      agent,
      cpuMs: () => procCpuMs((_pid, pgrp) => pgrp === pgid),
      seedDirect: async (experimentId, runs) => {
        const specFile = path.join(dir, 'seed.json');
        const script = path.join(dir, 'seed.py');
        fs.writeFileSync(
          specFile,
          JSON.stringify({ uri: dbUri, artifact_root: artifactRoot, experiment_id: experimentId, runs }),
        );
        fs.writeFileSync(script, SEED_PY);
        const seeder = { kill: () => {} };
        children.add(seeder);
        try {
          await new Promise<void>((resolve, reject) => {
            const proc = execFile(
              python,
              [script, specFile],
              { cwd: dir, timeout: 300_000, maxBuffer: 16 * 2 ** 20 },
              (err, stdout, stderr) => {
                if (err)
                  reject(
                    new Error(
                      `MLflow: seeding through SqlAlchemyStore failed: ${err.message}\n${stderr.slice(-2000)}`,
                    ),
                  );
                else if (stdout.trim().split('\n').pop() !== String(runs.length))
                  reject(new Error(`MLflow: seeding wrote ${stdout.trim()} runs, not ${runs.length}`));
                else resolve();
              },
            );
            seeder.kill = () => void proc.kill('SIGKILL');
          });
        } finally {
          children.delete(seeder);
        }
      },
    };
    return await fn(target);
  } finally {
    agent.destroy();
    killGroup('SIGTERM');
    await Promise.race([exit, sleep(5000, false)]);
    killGroup('SIGKILL'); // uvicorn's workers too, should any have outlived the parent
    children.delete(handle);
  }
}

function healthy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/health', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.setTimeout(2000, () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function tail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '';
  }
}

// ---- measurements -----------------------------------------------------------------------------

async function measure(t: Target): Promise<Figures> {
  const post = (route: string, body: unknown): Promise<string> => call(t, route, JSON.stringify(body));
  const createExperiment = async (name: string): Promise<string> =>
    (JSON.parse(await post('experiments/create', { name })) as { experiment_id: string }).experiment_id;
  const createRun = async (experimentId: string, i: number, phase: string): Promise<string> =>
    (
      JSON.parse(
        await post('runs/create', {
          experiment_id: experimentId,
          run_name: `${phase}-${i}`,
          start_time: BASE_TIME + i,
          tags: [{ key: 'bench.phase', value: phase }],
        }),
      ) as { run: { info: { run_id: string } } }
    ).run.info.run_id;
  const workerRuns = async (phase: string): Promise<string[]> => {
    const exp = await createExperiment(phase);
    const ids: string[] = [];
    for (let w = 0; w < CONC; w++) ids.push(await createRun(exp, w, phase));
    return ids;
  };

  // runs/log-batch: 1000 metrics per call, 100 keys × 10 steps; call c of a run logs steps 10c..10c+9.
  const batchRuns = await workerRuns('log-batch');
  const batchCalls = batchRuns.map(() => 0);
  const logBatch = (w: number): Promise<string> => {
    const c = batchCalls[w]!++;
    const metrics = new Array<{ key: string; value: number; timestamp: number; step: number }>(
      METRICS_PER_CALL,
    );
    for (let k = 0; k < METRICS_PER_CALL; k++) {
      metrics[k] = {
        key: `m${k % 100}`,
        value: ((c * METRICS_PER_CALL + k) % 9973) / 9973,
        timestamp: BASE_TIME + c,
        step: c * 10 + Math.floor(k / 100),
      };
    }
    return post('runs/log-batch', { run_id: batchRuns[w]!, metrics });
  };
  await drive(WARMUP_MS, logBatch);
  const lb = await throughput(t, logBatch);

  // runs/log-metric: one metric per request, the step counting up per run.
  const metricRuns = await workerRuns('log-metric');
  const metricCalls = metricRuns.map(() => 0);
  const logMetric = (w: number): Promise<string> => {
    const c = metricCalls[w]!++;
    return post('runs/log-metric', {
      run_id: metricRuns[w]!,
      key: 'loss',
      value: 1 / (c + 1),
      timestamp: BASE_TIME + c,
      step: c,
    });
  };
  await drive(WARMUP_MS, logMetric);
  const lm = await throughput(t, logMetric);

  // Seeding: RUNS runs, 10 params each (alpha = '0.5' for 1 run in 100); API_SEED of them through
  // the API, timed, the rest through the server's own storage layer.
  const searchExp = await createExperiment('search');
  let next = 0;
  const seedStart = performance.now();
  await Promise.all(
    Array.from({ length: CONC }, async () => {
      while (next < API_SEED) {
        const i = next++;
        const runId = await createRun(searchExp, i, 'search');
        await post('runs/log-batch', { run_id: runId, params: paramsOf(i) });
      }
    }),
  );
  const apiSeconds = (performance.now() - seedStart) / 1000;
  const directStart = performance.now();
  if (RUNS > API_SEED) {
    const specs: RunSpec[] = [];
    for (let i = API_SEED; i < RUNS; i++) {
      specs.push({
        run_name: `search-${i}`,
        start_time: BASE_TIME + i,
        tags: [{ key: 'bench.phase', value: 'search' }],
        params: paramsOf(i),
      });
    }
    await t.seedDirect(searchExp, specs);
  }
  const directSeconds = (performance.now() - directStart) / 1000;

  // runs/search: one at a time, after a warm-up; every answer checked.
  let expected = 0;
  for (let i = 0; i < RUNS; i++) if (i % 100 === 50) expected++;
  expected = Math.min(expected, SEARCH_MAX_RESULTS);
  const searchBody = JSON.stringify({
    experiment_ids: [searchExp],
    filter: FILTER,
    max_results: SEARCH_MAX_RESULTS,
  });
  const search = async (): Promise<number> => {
    const t0 = performance.now();
    const text = await call(t, 'runs/search', searchBody);
    const ms = performance.now() - t0;
    const runs =
      (JSON.parse(text) as { runs?: { data: { params?: { key: string; value: string }[] } }[] }).runs ?? [];
    const ok = runs.every((r) => r.data.params?.some((p) => p.key === 'alpha' && p.value === '0.5'));
    if (runs.length !== expected || !ok)
      throw new Error(
        `${t.name} runs/search: ${runs.length} runs (expected ${expected}), all alpha = 0.5: ${ok}`,
      );
    return ms;
  };
  for (let i = 0; i < WARMUP_SEARCHES; i++) await search();
  const latencies: number[] = [];
  const searchCpu0 = t.cpuMs();
  for (let i = 0; i < SEARCHES; i++) latencies.push(await search());
  const searchCpu1 = t.cpuMs();

  return {
    log_batch: {
      ...lb,
      metrics_per_call: METRICS_PER_CALL,
      metrics_per_s: Math.round(lb.calls_per_s * METRICS_PER_CALL),
    },
    log_metric: lm,
    seed: {
      runs: RUNS,
      api_runs: API_SEED,
      api_seconds: round(apiSeconds, 1),
      api_runs_per_s: round(API_SEED / apiSeconds, 1),
      api_requests_per_s: round((2 * API_SEED) / apiSeconds, 1),
      direct_runs: RUNS - API_SEED,
      direct_seconds: round(directSeconds, 1),
    },
    search: {
      runs_in_experiment: RUNS,
      filter: FILTER,
      max_results: SEARCH_MAX_RESULTS,
      matches: expected,
      searches: SEARCHES,
      median_ms: round(median(latencies), 2),
      p95_ms: round(p95(latencies), 2),
      min_ms: round(Math.min(...latencies), 2),
      server_cpu_ms_per_search:
        searchCpu0 === null || searchCpu1 === null ? null : round((searchCpu1 - searchCpu0) / SEARCHES, 2),
    },
  };
}

/** Ten params of run i, the same for both servers. */
function paramsOf(i: number): { key: string; value: string }[] {
  return [
    { key: 'alpha', value: String((i % 100) / 100) },
    { key: 'l1_ratio', value: String((i % 7) / 7) },
    { key: 'learning_rate', value: String(10 ** -(1 + (i % 4))) },
    { key: 'batch_size', value: String(2 ** (4 + (i % 5))) },
    { key: 'optimizer', value: ['adam', 'sgd', 'rmsprop'][i % 3]! },
    { key: 'layers', value: String(1 + (i % 8)) },
    { key: 'dropout', value: String((i % 5) / 10) },
    { key: 'epochs', value: String(10 + (i % 20)) },
    { key: 'seed', value: String(i) },
    { key: 'model', value: `model-${i % 13}` },
  ];
}

/** One phase at CONC requests in flight for SECONDS, with CPU accounting. */
async function throughput(t: Target, fn: (worker: number) => Promise<unknown>): Promise<Throughput> {
  const server0 = t.cpuMs();
  const client0 = process.cpuUsage();
  const { calls, ms } = await drive(SECONDS * 1000, fn);
  const client = process.cpuUsage(client0);
  const server1 = t.cpuMs();
  const server = server0 === null || server1 === null ? null : server1 - server0;
  return {
    calls,
    seconds: round(ms / 1000, 2),
    calls_per_s: round((calls * 1000) / ms, 1),
    server_cpu_ms_per_call: server === null ? null : round(server / calls, 3),
    client_cpu_pct: round(((client.user + client.system) / 1000 / ms) * 100, 0),
  };
}

/** CONC workers, each issuing its next call as soon as the last one is answered, until the time is up. */
async function drive(
  durationMs: number,
  fn: (worker: number) => Promise<unknown>,
): Promise<{ calls: number; ms: number }> {
  const t0 = performance.now();
  const deadline = t0 + durationMs;
  let calls = 0;
  await Promise.all(
    Array.from({ length: CONC }, async (_, w) => {
      let mine = 0;
      while ((performance.now() < deadline || mine === 0) && calls < MAX_CALLS) {
        calls++;
        mine++;
        await fn(w);
      }
    }),
  );
  return { calls, ms: performance.now() - t0 };
}

function call(t: Target, route: string, body: string, retried = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: t.port,
        path: `/api/2.0/mlflow/${route}`,
        method: 'POST',
        agent: t.agent,
        headers: {
          ...t.headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode === 200) resolve(text);
          else reject(new Error(`${t.name} ${route}: HTTP ${res.statusCode}: ${text.slice(0, 500)}`));
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(REQUEST_TIMEOUT_MS, () =>
      req.destroy(new Error(`${t.name} ${route}: no answer within ${REQUEST_TIMEOUT_MS} ms`)),
    );
    req.on('error', (e: NodeJS.ErrnoException) => {
      // The server closed an idle keep-alive connection just as it was reused (after a pause between
      // phases): nothing reached the server, so sending again is safe (Node's documented pattern).
      if (!retried && req.reusedSocket && e.code === 'ECONNRESET')
        call(t, route, body, true).then(resolve, reject);
      else reject(e);
    });
    req.end(body);
  });
}

// ---- helpers ----------------------------------------------------------------------------------

/**
 * The rows MLflow's runs/create (SqlAlchemyStore.create_run) and runs/log-batch (params) write, through
 * MLflow's own SQLAlchemy models, in one transaction. Prints the number of runs written.
 */
const SEED_PY = `import json, sys, uuid
from mlflow.entities import LifecycleStage, RunStatus, SourceType
from mlflow.store.tracking.dbmodels.models import SqlParam, SqlRun, SqlTag
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
from mlflow.utils.mlflow_tags import MLFLOW_RUN_NAME
from mlflow.utils.uri import append_to_uri_path

with open(sys.argv[1]) as f:
    spec = json.load(f)
store = SqlAlchemyStore(spec["uri"], spec["artifact_root"])
exp = store.get_experiment(spec["experiment_id"])
with store.ManagedSessionMaker() as session:
    for r in spec["runs"]:
        run_id = uuid.uuid4().hex
        run = SqlRun(
            name=r["run_name"],
            artifact_uri=append_to_uri_path(exp.artifact_location, run_id, SqlAlchemyStore.ARTIFACTS_FOLDER_NAME),
            run_uuid=run_id,
            experiment_id=int(exp.experiment_id),
            source_type=SourceType.to_string(SourceType.UNKNOWN),
            source_name="",
            entry_point_name="",
            user_id="",
            status=RunStatus.to_string(RunStatus.RUNNING),
            start_time=r["start_time"],
            end_time=None,
            deleted_time=None,
            source_version="",
            lifecycle_stage=LifecycleStage.ACTIVE,
        )
        run.tags = [SqlTag(key=t["key"], value=t["value"]) for t in r["tags"]] + [SqlTag(key=MLFLOW_RUN_NAME, value=r["run_name"])]
        run.params = [SqlParam(key=p["key"], value=p["value"]) for p in r["params"]]
        session.add(run)
print(len(spec["runs"]))
`;

let clockTicks: number | undefined;

/** Summed user + system CPU time (ms) of the processes that match, from /proc/PID/stat; null off Linux. */
function procCpuMs(match: (pid: number, pgrp: number) => boolean): number | null {
  if (process.platform !== 'linux') return null;
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  let ticks = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // After "pid (comm) ": state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (!match(Number(entry), Number(f[2]))) continue;
    ticks += Number(f[11]) + Number(f[12]);
  }
  return (ticks * 1000) / clockTicks;
}

/** keepAlive false: a time limit in a race, which must not hold the process open once the race is won. */
function sleep(ms: number, keepAlive = true): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    if (!keepAlive) timer.unref();
  });
}

function round(x: number, digits: number): number {
  return Number(x.toFixed(digits));
}


// ---- the child: Baton's embedded tracking server ------------------------------------------------

if (values['serve-baton'] !== undefined) {
  const engine = Engine.open({ home: values['serve-baton'] });
  const endpoint = await engine.trackingEndpoint();
  const stop = (): void => {
    void engine.close().finally(() => process.exit(0)); // process.exit writes the --cpu-prof profile
  };
  process.on('message', (m) => {
    if (m === 'stop') stop();
    const seed = (m as { seed?: { experimentId: string; runs: RunSpec[] } }).seed;
    if (seed) {
      try {
        seedStore(engine, seed.experimentId, seed.runs);
        process.send!({ seeded: seed.runs.length });
      } catch (e) {
        process.send!({ error: (e as Error).message });
      }
    }
  });
  process.on('disconnect', stop); // the benchmark is gone
  process.send!(endpoint);
} else {
  await main();
}

/** What runs/create and runs/log-batch write for each run, through the same Store calls, in one transaction. */
function seedStore(engine: Engine, experimentId: string, runs: RunSpec[]): void {
  const store = engine.store;
  store.db.transaction(() => {
    for (const r of runs) {
      const runId = randomBytes(16).toString('hex');
      const tags = Object.fromEntries(r.tags.map((t) => [t.key, t.value]));
      store.createRun({
        runId,
        experimentId,
        runName: r.run_name,
        userId: '',
        projectDir: '',
        entryPoint: '',
        command: '',
        artifactUri: fileUri(path.join(engine.layout.artifactRoot, experimentId, runId, 'artifacts')),
        logPath: null,
        exitFile: null,
        params: {},
        tags: { ...tags, 'mlflow.runName': r.run_name },
        time: r.start_time,
      });
      store.markExternalRunning(runId, r.start_time);
      store.logParams(runId, Object.fromEntries(r.params.map((p) => [p.key, p.value])));
    }
  })();
}
