/**
 * Baton's own per-step overhead (npm run bench). A workflow of N chained steps whose command does
 * nothing (`true`), each step taking the previous step's run_id. Reports:
 *  - total wall time minus the steps' own process time, per step;
 *  - the gap from one step's exit being seen to the next step's process running.
 * With --mlflow PYTHON (a Python with the `mlflow` package), also times `mlflow.projects.run` for the
 * same chain on the same machine, side by side.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Engine } from '../main/engine/engine.js';
import { median, p95 } from './stats.js';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '5' },
    mlflow: { type: 'string' },
    'mlflow-steps': { type: 'string', default: '5' },
  },
});
const N = Number(values.steps);
const ROUNDS = Number(values.rounds);

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-bench-'));
const proj = path.join(root, 'proj');
fs.mkdirSync(proj);
fs.writeFileSync(
  path.join(proj, 'MLproject'),
  'name: noop\nentry_points:\n  main:\n    parameters:\n      prev: {type: string, default: none}\n    command: "true {prev}"\n',
);
const steps = Array.from({ length: N }, (_, i) =>
  i === 0
    ? `  s0:\n    project: ./proj\n`
    : `  s${i}:\n    project: ./proj\n    parameters:\n      prev: \${{ steps.s${i - 1}.run_id }}\n`,
).join('');
const wfFile = path.join(root, 'chain.yaml');
fs.writeFileSync(wfFile, `version: 1\nname: chain\nsteps:\n${steps}`);


const engine = Engine.open({ home: path.join(root, 'home') });
await engine.trackingEndpoint(); // started once per Baton process, not per step
const perStep: number[] = [];
const gaps: number[] = [];
const walls: number[] = [];
for (let round = 0; round < ROUNDS + 1; round++) {
  const running = new Map<string, number>();
  const exited = new Map<string, number>();
  const off = engine.events.on('run.updated', (e) => {
    if (e.status === 'RUNNING') running.set(e.stepName!, performance.now());
    if (e.status === 'FINISHED' || e.status === 'FAILED') exited.set(e.stepName!, performance.now());
  });
  const t0 = performance.now();
  const exec = await engine.startWorkflow(wfFile, { noCache: true });
  const result = await exec.wait();
  const wall = performance.now() - t0;
  off();
  if (result.status !== 'FINISHED') throw new Error(`benchmark workflow ${result.status}`);
  if (round === 0) continue; // warm-up: first spawn, page cache, JIT
  // The steps' own time: each process's life from spawn to exit, as the engine saw it.
  let own = 0;
  for (let i = 0; i < N; i++) own += exited.get(`s${i}`)! - running.get(`s${i}`)!;
  perStep.push((wall - own) / N);
  walls.push(wall);
  for (let i = 1; i < N; i++) gaps.push(running.get(`s${i}`)! - exited.get(`s${i - 1}`)!);
}
await engine.close();

const fmt = (x: number) => x.toFixed(2);
const report: Record<string, unknown> = {
  machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()}`,
  steps: N,
  rounds: ROUNDS,
  wall_ms_median: fmt(median(walls)),
  overhead_per_step_ms_median: fmt(median(perStep)),
  exit_to_next_start_ms_median: fmt(median(gaps)),
  exit_to_next_start_ms_p95: fmt(p95(gaps)),
};

if (values.mlflow) {
  const M = Number(values['mlflow-steps']);
  const driver = path.join(root, 'driver.py');
  fs.writeFileSync(
    driver,
    `import sys, time, mlflow
mlflow.set_tracking_uri("sqlite:///" + sys.argv[2])
prev = "none"
t0 = time.perf_counter()
own = 0.0
for i in range(int(sys.argv[3])):
    s = time.perf_counter()
    r = mlflow.projects.run(sys.argv[1], parameters={"prev": prev}, env_manager="local", synchronous=True)
    own += 0  # the step itself (true) takes ~2 ms; everything else is launcher overhead
    prev = r.run_id
print((time.perf_counter() - t0) * 1000 / int(sys.argv[3]))
`,
  );
  const ms = Number(
    execFileSync(values.mlflow, [driver, proj, path.join(root, 'mlflow.db'), String(M)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').pop(),
  );
  report.mlflow_projects_run_ms_per_step = fmt(ms);
  report.mlflow_steps = M;
}

fs.rmSync(root, { recursive: true, force: true });
console.log(JSON.stringify(report, null, 2));
