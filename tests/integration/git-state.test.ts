/**
 * Git state of a run end to end: a real git repository made with the `git` CLI in a temp folder,
 * a real engine (step processes, tracking server, SQLite history), read back through the API
 * dispatcher both hosts use. Covers the commit and dirty flag on the run page (runs.detail), the
 * workflow-run diff's code comparison by cache key and by git commit (including "(dirty)"), and
 * how the project fingerprint used for step caching follows the git state.
 *
 * Each describe has its own repository and its own engine, so cache keys never meet across them.
 * Step commands only echo: nothing is written into the project folder (that would make it dirty).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { MethodInput, MethodName, MethodOutput } from '../../common/api/contract.js';
import type { WorkflowRunRecord } from '../../common/types.js';
import { createDispatcher, createHandlers } from '../../main/api/handlers.js';
import type { Engine } from '../../main/engine/engine.js';
import { openEngine, tempDir, writeFiles } from '../helpers.js';

// ---- fixtures ------------------------------------------------------------------------------------

interface Repo {
  /** The repository's top folder (holds workflow.yaml and notes.txt, outside the project). */
  root: string;
  /** The project folder (root/proj): MLproject, code.py, .gitignore ignoring *.log. */
  proj: string;
  file: string;
  git: (...args: string[]) => string;
  head: () => string;
}

/** Environment for the test's git commands: no repository overrides inherited from outside. */
function gitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };
  for (const k of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_PREFIX', 'GIT_COMMON_DIR', 'GIT_OBJECT_DIRECTORY']) delete env[k];
  return env;
}

/** A git repository on branch `trunk`, one commit, holding a project with a one-step workflow. */
function repo(label: string): Repo {
  const root = tempDir(`baton-git-${label}-`);
  writeFiles(root, {
    'notes.txt': 'outside the project\n',
    'proj/.gitignore': '*.log\n',
    'proj/MLproject': [
      'name: gitproj',
      'entry_points:',
      '  main:',
      '    parameters:',
      '      alpha: {type: float, default: 0.5}',
      '    command: "echo alpha={alpha}"',
      '',
    ].join('\n'),
    'proj/code.py': 'VERSION = 1\n',
    'workflow.yaml': [
      'version: 1',
      `name: git-wf-${label}`,
      'inputs:',
      '  alpha: {type: float, default: 0.5}',
      'steps:',
      '  train:',
      '    project: ./proj',
      '    entry_point: main',
      '    parameters:',
      '      alpha: ${{ inputs.alpha }}',
      '',
    ].join('\n'),
  });
  const git = (...args: string[]): string =>
    execFileSync('git', ['-c', 'commit.gpgsign=false', ...args], { cwd: root, env: gitEnv(), encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'trunk');
  git('config', 'user.email', 'git-state@example.com');
  git('config', 'user.name', 'Git State Test');
  git('add', '.');
  git('commit', '-qm', `init ${label}`);
  return { root, proj: path.join(root, 'proj'), file: path.join(root, 'workflow.yaml'), git, head: () => git('rev-parse', 'HEAD') };
}

/** The API against one engine, with helpers to run a project or a workflow to completion. */
function api(engine: Engine) {
  const dispatch = createDispatcher(createHandlers(engine));
  return {
    async ok<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
      const r = await dispatch(method, input);
      assert.ok(r.ok, `${method}: ${JSON.stringify(r)}`);
      return r.value as MethodOutput<M>;
    },
    async runProject(dir: string): Promise<string> {
      const sub = await engine.runProject({ uri: dir, entryPoint: 'main' });
      assert.equal(await sub.wait(), true, `run ${sub.runId} did not finish`);
      return sub.runId;
    },
    async runWorkflow(file: string, inputs: Record<string, string> = {}, noCache = false): Promise<WorkflowRunRecord> {
      const exec = await engine.startWorkflow(file, { inputs, noCache });
      const rec = await exec.wait();
      assert.equal(rec.status, 'FINISHED', JSON.stringify(rec.steps));
      return rec;
    },
  };
}

const engines: Engine[] = [];
after(async () => {
  for (const e of engines) await e.close();
});
function newEngine(): Engine {
  const e = openEngine();
  engines.push(e);
  return e;
}

// ---- runs.detail ---------------------------------------------------------------------------------

describe('runs.detail: the git commit and whether the tree was dirty', () => {
  const r = repo('detail');
  let engine: Engine;
  let a: ReturnType<typeof api>;
  before(() => {
    engine = newEngine();
    a = api(engine);
  });

  test('a run from a clean committed tree: the HEAD commit, the branch, dirty=false', async () => {
    const head = r.head();
    assert.match(head, /^[0-9a-f]{40}$/);
    assert.equal(r.git('status', '--porcelain'), '', 'the fixture starts clean');
    const runId = await a.runProject(r.proj);
    const d = await a.ok('runs.detail', { runId });
    assert.deepEqual(d.git, { commit: head, branch: 'trunk', repoUrl: null, dirty: false });
    assert.equal(d.run.tags['mlflow.source.git.commit'], head);
    assert.equal(d.run.tags['mlflow.source.git.branch'], 'trunk');
    assert.equal(d.run.tags['baton.git.dirty'], 'false');
    assert.equal(d.run.tags['mlflow.source.git.repoURL'], undefined, 'no remote configured');
    assert.equal(d.run.tags['mlflow.source.name'], r.proj, 'without a repo URL the source is the folder');
  });

  test('a modified tracked file (uncommitted): dirty=true on the same commit', async () => {
    const head = r.head();
    fs.writeFileSync(path.join(r.proj, 'code.py'), 'VERSION = 2\n');
    try {
      const runId = await a.runProject(r.proj);
      const d = await a.ok('runs.detail', { runId });
      assert.deepEqual(d.git, { commit: head, branch: 'trunk', repoUrl: null, dirty: true });
      assert.equal(d.run.tags['baton.git.dirty'], 'true');
      assert.equal(r.head(), head, 'nothing was committed');
    } finally {
      r.git('checkout', '--', 'proj/code.py');
    }
  });

  test('a staged but uncommitted change is dirty too', async () => {
    fs.writeFileSync(path.join(r.proj, 'code.py'), 'VERSION = 3\n');
    r.git('add', 'proj/code.py');
    try {
      const d = await a.ok('runs.detail', { runId: await a.runProject(r.proj) });
      assert.deepEqual(d.git, { commit: r.head(), branch: 'trunk', repoUrl: null, dirty: true });
    } finally {
      r.git('reset', '-q', '--', 'proj/code.py');
      r.git('checkout', '--', 'proj/code.py');
    }
  });

  test('an untracked file in the project is dirty; an ignored one is not', async () => {
    fs.writeFileSync(path.join(r.proj, 'debug.log'), 'ignored by proj/.gitignore\n');
    const ignored = await a.ok('runs.detail', { runId: await a.runProject(r.proj) });
    assert.equal(ignored.git.dirty, false, 'ignored files do not make the tree dirty');
    fs.writeFileSync(path.join(r.proj, 'extra.py'), 'x = 1\n');
    try {
      const untracked = await a.ok('runs.detail', { runId: await a.runProject(r.proj) });
      assert.equal(untracked.git.dirty, true, 'an untracked, non-ignored file makes it dirty');
      assert.equal(untracked.run.tags['baton.git.dirty'], 'true');
    } finally {
      fs.rmSync(path.join(r.proj, 'extra.py'));
      fs.rmSync(path.join(r.proj, 'debug.log'));
    }
  });

  test('changes elsewhere in the repository (outside the project folder) do not make it dirty', async () => {
    fs.writeFileSync(path.join(r.root, 'notes.txt'), 'edited outside the project\n');
    try {
      assert.notEqual(r.git('status', '--porcelain'), '', 'the repository itself is dirty');
      const d = await a.ok('runs.detail', { runId: await a.runProject(r.proj) });
      assert.deepEqual(d.git, { commit: r.head(), branch: 'trunk', repoUrl: null, dirty: false });
    } finally {
      r.git('checkout', '--', 'notes.txt');
    }
  });

  test('a new commit shows in the next run; the earlier run keeps its commit', async () => {
    const before = r.head();
    const first = await a.runProject(r.proj);
    fs.writeFileSync(path.join(r.proj, 'code.py'), 'VERSION = 4\n');
    r.git('commit', '-qam', 'v4');
    const after = r.head();
    assert.notEqual(after, before);
    const second = await a.runProject(r.proj);
    assert.deepEqual((await a.ok('runs.detail', { runId: first })).git, { commit: before, branch: 'trunk', repoUrl: null, dirty: false });
    assert.deepEqual((await a.ok('runs.detail', { runId: second })).git, { commit: after, branch: 'trunk', repoUrl: null, dirty: false });
  });
});

// ---- workflowRuns.diff ---------------------------------------------------------------------------

describe('workflowRuns.diff: code compared by cache key, else by git commit', () => {
  const r = repo('diff');
  let engine: Engine;
  let a: ReturnType<typeof api>;
  const wf: Record<string, WorkflowRunRecord> = {};
  const commits = { c1: '', c2: '' };

  before(async () => {
    engine = newEngine();
    a = api(engine);
    commits.c1 = r.head();
    wf.w1 = await a.runWorkflow(r.file, { alpha: '0.5' });
    // The code changes and is committed between the runs.
    fs.writeFileSync(path.join(r.proj, 'code.py'), 'VERSION = 2\n');
    r.git('commit', '-qam', 'v2');
    commits.c2 = r.head();
    wf.w2 = await a.runWorkflow(r.file, { alpha: '0.5' });
    wf.w3 = await a.runWorkflow(r.file, { alpha: '0.7' });
    // An uncommitted change on top of c2: the tree is dirty.
    fs.writeFileSync(path.join(r.proj, 'code.py'), 'VERSION = 3\n');
    wf.w4 = await a.runWorkflow(r.file, { alpha: '0.9' });
    wf.w5 = await a.runWorkflow(r.file, { alpha: '0.3' });
    // Same dirty content and parameters as w4, caching off: a new run with w4's cache key.
    wf.w6 = await a.runWorkflow(r.file, { alpha: '0.9' }, true);
    for (const [name, rec] of Object.entries(wf)) {
      assert.equal(rec.steps.train!.cached, false, `${name} ran its step`);
      assert.ok(rec.steps.train!.run_id, `${name} has a run`);
    }
    assert.notEqual(commits.c1, commits.c2);
  });

  const diff = async (x: string, y: string) => {
    const d = await a.ok('workflowRuns.diff', { a: wf[x]!.workflow_run_id, b: wf[y]!.workflow_run_id });
    assert.equal(d.steps.length, 1);
    return d.steps[0]!;
  };

  test('committed change, same parameters: the cache keys differ, so the code changed', async () => {
    const s = await diff('w1', 'w2');
    assert.deepEqual(s, {
      step_name: 'train',
      a: wf.w1!.steps.train,
      b: wf.w2!.steps.train,
      sameRun: false,
      params: [],
      codeChanged: true,
      codeA: commits.c1,
      codeB: commits.c2,
    });
  });

  test('committed change and different parameters: compared by git commit, which differs', async () => {
    const s = await diff('w1', 'w3');
    assert.deepEqual(s, {
      step_name: 'train',
      a: wf.w1!.steps.train,
      b: wf.w3!.steps.train,
      sameRun: false,
      params: [{ key: 'alpha', a: '0.5', b: '0.7' }],
      codeChanged: true,
      codeA: commits.c1,
      codeB: commits.c2,
    });
  });

  test('same clean commit, different parameters: the code is unchanged', async () => {
    const s = await diff('w2', 'w3');
    assert.equal(s.sameRun, false);
    assert.deepEqual(s.params, [{ key: 'alpha', a: '0.5', b: '0.7' }]);
    assert.equal(s.codeA, commits.c2);
    assert.equal(s.codeB, commits.c2);
    assert.equal(s.codeChanged, false);
  });

  test('clean commit against a dirty tree on that commit: "(dirty)" marks it and the code changed', async () => {
    const s = await diff('w3', 'w4');
    assert.deepEqual(s.params, [{ key: 'alpha', a: '0.7', b: '0.9' }]);
    assert.equal(s.codeA, commits.c2);
    assert.equal(s.codeB, `${commits.c2} (dirty)`);
    assert.equal(s.codeChanged, true);
    const d = await a.ok('runs.detail', { runId: wf.w4!.steps.train!.run_id! });
    assert.deepEqual(d.git, { commit: commits.c2, branch: 'trunk', repoUrl: null, dirty: true });
  });

  test('both dirty on the same commit with different parameters: unknown (null)', async () => {
    const s = await diff('w4', 'w5');
    assert.deepEqual(s.params, [{ key: 'alpha', a: '0.9', b: '0.3' }]);
    assert.equal(s.codeA, `${commits.c2} (dirty)`);
    assert.equal(s.codeB, `${commits.c2} (dirty)`);
    assert.equal(s.codeChanged, null, 'two dirty trees on one commit may hold different changes');
  });

  test('both dirty with the same content and parameters: the equal cache keys say unchanged', async () => {
    const s = await diff('w4', 'w6');
    assert.equal(s.sameRun, false);
    assert.notEqual(s.a!.run_id, s.b!.run_id);
    assert.deepEqual(s.params, []);
    assert.equal(s.codeA, `${commits.c2} (dirty)`);
    assert.equal(s.codeB, `${commits.c2} (dirty)`);
    assert.equal(s.codeChanged, false);
    const ka = (await a.ok('runs.detail', { runId: s.a!.run_id! })).cache.key;
    const kb = (await a.ok('runs.detail', { runId: s.b!.run_id! })).cache.key;
    assert.match(ka!, /^[0-9a-f]{64}$/);
    assert.equal(ka, kb);
  });
});

// ---- caching -------------------------------------------------------------------------------------

describe('step caching follows the git state of the project folder', () => {
  const r = repo('cache');
  let engine: Engine;
  let a: ReturnType<typeof api>;
  before(() => {
    engine = newEngine();
    a = api(engine);
  });

  const notCached = (desc: string) =>
    `Not cached: no earlier FINISHED run has this project content (${desc}), entry point 'main' and parameters.`;
  const reused = (runId: string, desc: string) =>
    `Reused run ${runId}: it FINISHED with the same project content (${desc}), entry point 'main' and parameters.`;
  const keyOf = async (runId: string) => (await a.ok('runs.detail', { runId })).cache.key!;

  test('clean tree, dirty tree, reverted tree, changes outside the folder, a new commit', async () => {
    const c1 = r.head();
    const short1 = c1.slice(0, 7);

    // Clean: the fingerprint is the commit; the second workflow run reuses the first one's run.
    const w1 = await a.runWorkflow(r.file);
    const run1 = w1.steps.train!.run_id!;
    assert.equal(w1.steps.train!.reason, notCached(`git ${short1}`));
    const w2 = await a.runWorkflow(r.file);
    assert.deepEqual(
      { status: w2.steps.train!.status, cached: w2.steps.train!.cached, run_id: w2.steps.train!.run_id },
      { status: 'CACHED', cached: true, run_id: run1 },
    );
    assert.equal(w2.steps.train!.reason, reused(run1, `git ${short1}`));

    // Dirty: an uncommitted change is part of the key, so the clean run is not reused.
    fs.writeFileSync(path.join(r.proj, 'code.py'), 'VERSION = 2\n');
    const w3 = await a.runWorkflow(r.file);
    const run3 = w3.steps.train!.run_id!;
    assert.notEqual(run3, run1);
    assert.equal(w3.steps.train!.status, 'FINISHED');
    assert.equal(w3.steps.train!.reason, notCached(`git ${short1} + uncommitted changes (1 file)`));
    assert.notEqual(await keyOf(run3), await keyOf(run1));
    assert.equal((await a.ok('runs.detail', { runId: run3 })).git.dirty, true);

    // The same uncommitted content again: reused, although the tree is dirty.
    const w4 = await a.runWorkflow(r.file);
    assert.equal(w4.steps.train!.run_id, run3);
    assert.equal(w4.steps.train!.reason, reused(run3, `git ${short1} + uncommitted changes (1 file)`));

    // Other uncommitted content (a new edit plus an untracked file): another key, a new run.
    fs.writeFileSync(path.join(r.proj, 'code.py'), 'VERSION = 3\n');
    fs.writeFileSync(path.join(r.proj, 'extra.py'), 'x = 1\n');
    const w5 = await a.runWorkflow(r.file);
    const run5 = w5.steps.train!.run_id!;
    assert.ok(run5 !== run1 && run5 !== run3);
    assert.equal(w5.steps.train!.reason, notCached(`git ${short1} + uncommitted changes (2 files)`));

    // An ignored file is not part of the key: reused.
    fs.writeFileSync(path.join(r.proj, 'debug.log'), 'ignored\n');
    const w6 = await a.runWorkflow(r.file);
    assert.equal(w6.steps.train!.run_id, run5);

    // Back to the committed content: the clean run from the start is reused.
    r.git('checkout', '--', 'proj/code.py');
    fs.rmSync(path.join(r.proj, 'extra.py'));
    const w7 = await a.runWorkflow(r.file);
    assert.equal(w7.steps.train!.run_id, run1);
    assert.equal(w7.steps.train!.reason, reused(run1, `git ${short1}`));

    // An uncommitted change outside the project folder is not part of its content: reused.
    fs.writeFileSync(path.join(r.root, 'notes.txt'), 'edited outside the project\n');
    const w8 = await a.runWorkflow(r.file);
    assert.equal(w8.steps.train!.run_id, run1);

    // Committing it moves HEAD: the git fingerprint is the HEAD commit, so the step runs again
    // even though the project folder's files did not change.
    r.git('commit', '-qam', 'notes');
    const c2 = r.head();
    assert.equal(r.git('diff', '--stat', c1, c2, '--', 'proj'), '', 'the project folder is unchanged');
    const w9 = await a.runWorkflow(r.file);
    const run9 = w9.steps.train!.run_id!;
    assert.notEqual(run9, run1);
    assert.equal(w9.steps.train!.reason, notCached(`git ${c2.slice(0, 7)}`));
    assert.deepEqual((await a.ok('runs.detail', { runId: run9 })).git, { commit: c2, branch: 'trunk', repoUrl: null, dirty: false });
  });
});
