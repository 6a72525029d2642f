/**
 * The experiment history at scale (npm run bench:history). Generates a history through the engine's
 * own Store API — the calls the tracking server makes: createRun, markRunning, logMetrics,
 * finishRun, createWorkflowRun — then measures the history methods through the API dispatcher
 * (input and output validation included), as the UI calls them:
 *
 *  - runs.search, first page (limit 100), sorted by a metric with a param filter (target < 50 ms),
 *    and other sorts, filters and a deep page; `total` (the count of all matches) is part of each;
 *  - runs.columns, runs.detail;
 *  - runs.metricHistory of a 1,000,000-point metric with maxPoints 2000 (x = step and x = time).
 *
 * Each is timed on its first call after the engine opens (statements not yet prepared; the OS page
 * cache is whatever generation left) and then warm: median and p95 of --repeat calls.
 *
 * Default size (the issue's): 100,000 runs, each with 10 params and 10 metrics, one of which has
 * 1,000 steps (100M metric rows, ~15 GB), plus one run with a 1,000,000-point metric.
 *
 *   node out/bench/history.js [--runs 100000] [--steps 1000] [--big-points 1000000]
 *     [--home DIR] [--keep] [--repeat 30] [--plans]
 *
 * --home DIR uses (and keeps) that data folder: generated once, reused by later runs with the same
 * sizes (a marker file records them). Without it, a temp folder is removed at the end unless --keep.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { MethodName } from '../common/api/contract.js';
import type { Metric } from '../common/types.js';
import { createDispatcher, createHandlers } from '../main/api/handlers.js';
import { Engine } from '../main/engine/engine.js';
import { homeLayout } from '../main/engine/paths.js';
import { compileHistorySearch } from '../main/engine/store/search.js';
import { Store, fileUri } from '../main/engine/store/store.js';
import { rng, median, p95 } from './stats.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '100000' },
    steps: { type: 'string', default: '1000' },
    'big-points': { type: 'string', default: '1000000' },
    home: { type: 'string' },
    keep: { type: 'boolean', default: false },
    repeat: { type: 'string', default: '30' },
    plans: { type: 'boolean', default: false },
  },
  strict: true,
});

const RUNS = Number(values.runs);
const STEPS = Number(values.steps);
const BIG = Number(values['big-points']);
const REPEAT = Number(values.repeat);
for (const [name, v] of [
  ['--runs', RUNS],
  ['--steps', STEPS],
  ['--big-points', BIG],
  ['--repeat', REPEAT],
] as const) {
  if (!Number.isInteger(v) || v < 1) {
    console.error(`error[USAGE]: ${name} must be a positive integer`);
    process.exit(2);
  }
}

const home = values.home ? path.resolve(values.home) : fs.mkdtempSync(path.join(os.tmpdir(), 'baton-bench-history-'));
const keep = values.keep || !!values.home;
const marker = path.join(home, 'bench-history.json');
const sizes = { runs: RUNS, steps: STEPS, big: BIG };

const EXPERIMENTS = ['Default', 'tuning', 'ablation', 'baseline', 'nightly'];
const WORKFLOWS = ['train-eval', 'etl', 'sweep', 'report', 'nightly'];
const STEPS_PER_WORKFLOW = 10;
/** One run in ten is a workflow step. */
const WORKFLOW_EVERY = 10;

function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}


function generate(): { bigRunId: string; sampleRunId: string; seconds: number } {
  const t0 = performance.now();
  const layout = homeLayout(home);
  fs.mkdirSync(layout.artifactRoot, { recursive: true });
  const store = new Store(layout.dbFile, layout.artifactRoot);
  // The generator's own connection: a bigger page cache for the bulk load (the engine keeps SQLite's default).
  store.db.pragma('cache_size = -1000000');
  const rand = rng(42);
  const exps = EXPERIMENTS.map((n) => store.getOrCreateExperiment(n));
  const base = Date.UTC(2026, 0, 1);
  let sampleRunId = '';
  let wfId = '';
  let wfSteps: { name: string; status: 'FINISHED'; runId: string | null; cached: boolean; reason: string | null }[] = [];
  const BATCH = 200;
  for (let i = 0; i < RUNS; i += BATCH) {
    store.db.transaction(() => {
      for (let j = i; j < Math.min(RUNS, i + BATCH); j++) {
        const runId = randomBytes(16).toString('hex');
        const exp = exps[j % exps.length]!;
        const start = base + j * 60_000 + Math.floor(rand() * 30_000);
        const end = start + 1000 + Math.floor(rand() * 3_600_000);
        const inWorkflow = j % WORKFLOW_EVERY === 0;
        if (inWorkflow && (j / WORKFLOW_EVERY) % STEPS_PER_WORKFLOW === 0) {
          wfId = randomBytes(16).toString('hex');
          wfSteps = Array.from({ length: STEPS_PER_WORKFLOW }, (_, k) => ({
            name: `step_${k}`,
            status: 'FINISHED' as const,
            runId: null,
            cached: false,
            reason: null,
          }));
          store.createWorkflowRun({
            id: wfId,
            name: WORKFLOWS[(j / WORKFLOW_EVERY / STEPS_PER_WORKFLOW) % WORKFLOWS.length]!,
            file: '/bench/workflow.yaml',
            yaml: 'name: bench\n',
            inputs: {},
            options: {},
            parent: null,
            time: start,
            supervisorPid: 1,
            supervisorStart: null,
            steps: wfSteps,
          });
        }
        const stepName = inWorkflow ? `step_${(j / WORKFLOW_EVERY) % STEPS_PER_WORKFLOW}` : null;
        const entryPoint = ['main', 'train', 'evaluate', 'etl_data'][j % 4]!;
        const params: Record<string, string> = {
          alpha: String([0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100][j % 10]),
          l1_ratio: String(Math.floor(rand() * 100) / 100),
          model: ['rf', 'gbm', 'linear', 'mlp'][j % 4]!,
          seed: String(j),
          epochs: String(10 + (j % 50)),
          lr: String(10 ** -(1 + (j % 5))),
          batch_size: String(2 ** (4 + (j % 6))),
          dataset: `data-v${j % 20}`,
          optimizer: ['adam', 'sgd', 'rmsprop'][j % 3]!,
          dropout: String((j % 6) / 10),
        };
        store.createRun({
          runId,
          experimentId: exp.experiment_id,
          runName: `run-${j}`,
          userId: 'bench',
          projectDir: '/bench/project',
          entryPoint,
          command: `python train.py --alpha ${params.alpha}`,
          artifactUri: fileUri(path.join(layout.artifactRoot, exp.experiment_id, runId, 'artifacts')),
          logPath: null,
          exitFile: null,
          params,
          tags: {
            'mlflow.runName': `run-${j}`,
            'mlflow.user': 'bench',
            'mlflow.source.type': 'PROJECT',
            'mlflow.project.entryPoint': entryPoint,
            'mlflow.source.git.commit': (j % 97).toString(16).padStart(40, '0'),
            'baton.git.dirty': String(j % 7 === 0),
            team: ['core', 'ops', 'research'][j % 3]!,
          },
          workflowRunId: inWorkflow ? wfId : null,
          stepName,
          time: start,
        });
        store.markRunning(runId, { time: start, pid: 1, processStart: null, supervisorPid: 1, supervisorStart: null });
        const metrics: Metric[] = [];
        for (let k = 0; k < 9; k++) metrics.push({ key: `m${k}`, value: rand() * 10, timestamp: end, step: 0 });
        metrics.push({ key: 'rmse', value: rand(), timestamp: end, step: 0 });
        // The 10th metric has a history: STEPS points (one per step).
        let loss = 2 + rand();
        for (let s = 0; s < STEPS; s++) {
          loss = Math.max(0.01, loss * (0.995 + rand() * 0.008));
          metrics.push({ key: 'loss', value: loss, timestamp: start + s * 100, step: s });
        }
        store.logMetrics(runId, metrics);
        const r = rand();
        store.finishRun(runId, r < 0.9 ? 'FINISHED' : r < 0.98 ? 'FAILED' : 'KILLED', r < 0.9 ? 0 : 1, end);
        if (inWorkflow) store.updateStep(wfId, stepName!, { status: 'FINISHED', runId });
        if (j === Math.floor(RUNS / 2)) sampleRunId = runId;
      }
    })();
    if ((i / BATCH) % 50 === 0) {
      const s = (performance.now() - t0) / 1000;
      log(`  ${i + BATCH} / ${RUNS} runs, ${s.toFixed(0)} s (${(((i + BATCH) * (10 + STEPS + 9)) / s / 1000).toFixed(0)}k rows/s)`);
    }
  }
  // The run with a 1,000,000-point metric (and NaNs in it), logged in batches like a client would.
  const bigRunId = randomBytes(16).toString('hex');
  store.createRun({
    runId: bigRunId,
    experimentId: exps[0]!.experiment_id,
    runName: 'big-metric',
    userId: 'bench',
    projectDir: '/bench/project',
    entryPoint: 'train',
    command: 'python train.py',
    artifactUri: fileUri(path.join(layout.artifactRoot, '0', bigRunId, 'artifacts')),
    logPath: null,
    exitFile: null,
    params: { alpha: '0.5' },
    tags: { 'mlflow.runName': 'big-metric' },
    time: base,
  });
  store.markRunning(bigRunId, { time: base, pid: 1, processStart: null, supervisorPid: 1, supervisorStart: null });
  for (let s = 0; s < BIG; s += 10_000) {
    const batch: Metric[] = [];
    for (let k = s; k < Math.min(BIG, s + 10_000); k++) {
      batch.push({ key: 'loss', value: k % 99_991 === 0 ? NaN : Math.sin(k / 5000) + rand() * 0.1, timestamp: base + k * 10, step: k });
    }
    store.logMetrics(bigRunId, batch);
  }
  store.finishRun(bigRunId, 'FINISHED', 0, base + BIG * 10);
  store.db.pragma('optimize');
  store.close();
  const seconds = (performance.now() - t0) / 1000;
  fs.writeFileSync(marker, JSON.stringify({ ...sizes, bigRunId, sampleRunId, seconds }));
  return { bigRunId, sampleRunId, seconds };
}

interface Timing {
  name: string;
  first: number;
  median: number;
  p95: number;
  note: string;
}

async function main(): Promise<void> {
  log(`history benchmark: ${RUNS} runs × (10 params, 10 metrics, one with ${STEPS} steps) + one ${BIG}-point metric, in ${home}`);
  let gen: { bigRunId: string; sampleRunId: string; seconds: number; reused?: boolean };
  const prior = fs.existsSync(marker) ? (JSON.parse(fs.readFileSync(marker, 'utf8')) as typeof sizes & { bigRunId: string; sampleRunId: string; seconds: number }) : null;
  if (prior && prior.runs === RUNS && prior.steps === STEPS && prior.big === BIG) {
    gen = { ...prior, reused: true };
    log(`reusing the history generated earlier (${prior.seconds.toFixed(0)} s)`);
  } else {
    if (prior || fs.existsSync(homeLayout(home).dbFile)) {
      console.error(`error[USAGE]: ${home} holds a history of other sizes (or not one from this benchmark); use another --home.`);
      process.exit(2);
    }
    log('generating…');
    gen = generate();
  }
  const dbFile = homeLayout(home).dbFile;
  const dbBytes = fs.statSync(dbFile).size + (fs.existsSync(`${dbFile}-wal`) ? fs.statSync(`${dbFile}-wal`).size : 0);

  const tOpen = performance.now();
  const engine = Engine.open({ home });
  const openMs = performance.now() - tOpen;
  const dispatch = createDispatcher(createHandlers(engine));
  const timings: Timing[] = [];
  const call = async (method: MethodName, input: unknown): Promise<{ ms: number; value: unknown }> => {
    const t = performance.now();
    const r = await dispatch(method, input);
    const ms = performance.now() - t;
    if (!r.ok) throw new Error(`${method} failed: ${r.error.code} ${r.error.message}`);
    return { ms, value: r.value };
  };
  const measure = async (name: string, method: MethodName, input: unknown, describe: (v: unknown) => string): Promise<void> => {
    const first = await call(method, input);
    const xs: number[] = [];
    for (let i = 0; i < REPEAT; i++) xs.push((await call(method, input)).ms);
    timings.push({ name, first: first.ms, median: median(xs), p95: p95(xs), note: describe(first.value) });
    log(`  ${name}: first ${first.ms.toFixed(1)} ms, median ${median(xs).toFixed(1)} ms, p95 ${p95(xs).toFixed(1)} ms — ${describe(first.value)}`);
  };
  const page = (v: unknown) => {
    const r = v as { runs: unknown[]; total: number };
    return `${r.runs.length} rows of ${r.total}`;
  };

  const searches: [string, Record<string, unknown>][] = [
    ['search: metric sort + param filter (target < 50 ms)', { filter: "params.alpha = '0.5'", orderBy: ['metrics.rmse DESC'], limit: 100 }],
    ['search: default order (start_time DESC), no filter', { limit: 100 }],
    ['search: metric sort, no filter', { orderBy: ['metrics.rmse ASC'], limit: 100 }],
    ['search: param sort, no filter', { orderBy: ['params.l1_ratio DESC'], limit: 100 }],
    ['search: metric filter + metric sort', { filter: 'metrics.rmse < 0.1', orderBy: ['metrics.m0 DESC'], limit: 100 }],
    ['search: three clauses (metric, param, tag)', { filter: "metrics.rmse < 0.8 and params.alpha = '0.1' and tags.mlflow.project.entryPoint = 'main'", limit: 100 }],
    ['search: duration sort', { orderBy: ['duration DESC'], limit: 100 }],
    ['search: experiment_name sort', { orderBy: ['experiment_name ASC'], limit: 100 }],
    ['search: status FAILED + experiment', { statuses: ['FAILED'], experimentIds: ['1'], limit: 100 }],
    ['search: workflow name filter', { workflowName: 'etl', limit: 100 }],
    ['search: time range (one week)', { startedAfter: Date.UTC(2026, 0, 10), startedBefore: Date.UTC(2026, 0, 17), limit: 100 }],
    ['search: deep page (offset 50,000), metric sort', { orderBy: ['metrics.rmse ASC'], offset: Math.floor(RUNS / 2), limit: 100 }],
    ['search: DELETED_ONLY (none deleted)', { viewType: 'DELETED_ONLY', limit: 100 }],
  ];
  for (const [name, q] of searches) await measure(name, 'runs.search', q, page);
  await measure('runs.columns (all experiments)', 'runs.columns', {}, (v) => {
    const c = v as { params: string[]; metrics: string[]; tags: string[] };
    return `${c.params.length} params, ${c.metrics.length} metrics, ${c.tags.length} tags`;
  });
  await measure('runs.columns (one experiment)', 'runs.columns', { experimentIds: ['1'] }, (v) => {
    const c = v as { params: string[] };
    return `${c.params.length} params`;
  });
  await measure('runs.detail (a run with a 1,000-step metric)', 'runs.detail', { runId: gen.sampleRunId }, (v) => {
    const d = v as { metricKeys: unknown[] };
    return `${d.metricKeys.length} metric keys`;
  });
  await measure(`runs.detail (the run with a ${BIG}-point metric)`, 'runs.detail', { runId: gen.bigRunId }, (v) => {
    const d = v as { metricKeys: { count: number }[] };
    return `${d.metricKeys[0]?.count ?? 0} points`;
  });
  const chart = (v: unknown) => {
    const r = v as { metrics: unknown[]; total: number; downsampled: boolean };
    return `${r.metrics.length} of ${r.total} points${r.downsampled ? ' (downsampled)' : ''}`;
  };
  await measure(`runs.metricHistory ${BIG} points, maxPoints 2000, x = step`, 'runs.metricHistory', { runId: gen.bigRunId, key: 'loss', maxPoints: 2000 }, chart);
  await measure(`runs.metricHistory ${BIG} points, maxPoints 2000, x = time`, 'runs.metricHistory', { runId: gen.bigRunId, key: 'loss', maxPoints: 2000, x: 'time' }, chart);
  await measure(`runs.metricHistory ${STEPS} points (whole)`, 'runs.metricHistory', { runId: gen.sampleRunId, key: 'loss' }, chart);

  const plans: string[] = [];
  if (values.plans) {
    const explain = (title: string, sql: string, params: unknown[]) => {
      const rows = engine.store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[];
      plans.push(`${title}\n${rows.map((r) => `  ${r.detail}`).join('\n')}`);
    };
    for (const [name, q] of searches) {
      const c = compileHistorySearch(q);
      explain(`${name} — page`, c.sql, c.params);
      explain(`${name} — total`, c.countSql, c.countParams);
    }
    // The run page's, the charts' and the columns' statements (HistoryQueries), with sample arguments.
    for (const [name, sql] of Object.entries(engine.store.history.statementSources())) {
      const n = (sql.match(/\?/g) ?? []).length;
      const args: unknown[] = name.startsWith('keysIn') || name === 'workflowNames' ? ['["1"]'] : [gen.bigRunId, 'loss', 0, 1024].slice(0, n);
      explain(`HistoryQueries.${name}`, sql.replace(/\s+/g, ' ').trim(), args);
    }
  }

  await engine.close();
  const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(`\n## Figures (${new Date().toISOString()})\n`);
  console.log(`Machine: ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}; load average at the end ${load}.`);
  console.log(
    `History: ${RUNS} runs (10 params, 10 metrics, one with ${STEPS} steps) + one ${BIG}-point metric; ` +
      `${gen.reused ? `generated earlier in ${gen.seconds.toFixed(0)} s` : `generated in ${gen.seconds.toFixed(0)} s`}; ` +
      `database ${(dbBytes / 2 ** 30).toFixed(2)} GiB; engine open ${openMs.toFixed(0)} ms.\n`,
  );
  console.log('| measurement | first call (ms) | median (ms) | p95 (ms) | result |');
  console.log('|---|---:|---:|---:|---|');
  for (const t of timings) console.log(`| ${t.name} | ${t.first.toFixed(1)} | ${t.median.toFixed(1)} | ${t.p95.toFixed(1)} | ${t.note} |`);
  if (plans.length) console.log(`\n### Query plans\n\n\`\`\`\n${plans.join('\n\n')}\n\`\`\``);
  if (!keep) fs.rmSync(home, { recursive: true, force: true });
  else log(`kept ${home}`);
}

await main();
