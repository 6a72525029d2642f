import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Problem } from '../../../common/errors.js';
import type { ProjectSpec } from '../../../common/types.js';
import { loadWorkflowFile, loadWorkflowText } from '../../../main/engine/workflow/load.js';
import { expectAppError, fakeLoadProject, fakeResolveEntryPoint, folder, lines } from './helpers.js';

const MULTISTEP = lines(
  'name: multistep',
  'entry_points:',
  '  load_raw_data:',
  '    command: python load.py',
  '  etl_data:',
  '    parameters:',
  '      ratings_csv: path',
  '      max_row_limit: {type: int, default: 10000}',
  '    command: python etl.py {ratings_csv} {max_row_limit}',
  '  als:',
  '    parameters:',
  '      ratings_data: string',
  '      max_iter: {type: int, default: 10}',
  '      reg_param: {type: float, default: 0.1}',
  '    command: python als.py',
);

const WORKFLOW = lines(
  'version: 1',
  'name: als-recommender',
  'inputs:',
  '  max_row_limit: {type: int, default: 100000}',
  'steps:',
  '  load:',
  '    project: ../projects/multistep',
  '    entry_point: load_raw_data',
  '  etl:',
  '    project: ../projects/multistep',
  '    entry_point: etl_data',
  '    parameters:',
  '      ratings_csv: ${{ steps.load.artifact_dir }}/ratings-csv-dir',
  '      max_row_limit: ${{ inputs.max_row_limit }}',
  '  train:',
  '    project: ../projects/multistep',
  '    entry_point: als',
  '    parameters:',
  '      ratings_data: ${{ steps.etl.artifact_dir }}',
  '      max_iter: 5',
  '    needs: [load]',
  '  script:',
  '    project: ../projects/scripts',
  '    entry_point: run.py',
  '    parameters: {anything: goes}',
);

function repo(workflow: string): { dir: string; file: string } {
  const dir = folder({
    'projects/multistep/MLproject': MULTISTEP,
    'projects/scripts/run.py': 'print("hi")\n',
    'flows/als.yaml': workflow,
  });
  return { dir, file: path.join(dir, 'flows', 'als.yaml') };
}

function problemsOfError(e: { details: unknown }): Problem[] {
  return (e.details as { problems: Problem[] }).problems;
}

describe('loadWorkflowFile', () => {
  test('loads a valid file: projects relative to the workflow folder, one load per folder', () => {
    const { dir, file } = repo(WORKFLOW);
    const loaded: string[] = [];
    const counting = (d: string): ProjectSpec => {
      loaded.push(d);
      return fakeLoadProject(d);
    };
    const cwd = process.cwd();
    process.chdir(path.join(dir, 'projects')); // the cwd must not matter
    try {
      const wf = loadWorkflowFile(path.relative(process.cwd(), file), counting, fakeResolveEntryPoint);
      assert.equal(fs.realpathSync(wf.file), fs.realpathSync(file));
      assert.ok(path.isAbsolute(wf.file));
      assert.equal(wf.baseDir, path.dirname(wf.file));
      assert.equal(wf.spec.name, 'als-recommender');
      assert.deepEqual(Object.keys(wf.projects), ['load', 'etl', 'train', 'script']);
      const multistep = path.join(path.dirname(wf.baseDir), 'projects', 'multistep');
      assert.equal(wf.projects.load?.project.dir, multistep);
      assert.equal(wf.projects.etl?.entryPoint.name, 'etl_data');
      assert.equal(wf.projects.train?.entryPoint.parameters.length, 3);
      assert.equal(wf.projects.script?.entryPoint.implicit, true);
      assert.deepEqual(loaded, [multistep, path.join(path.dirname(wf.baseDir), 'projects', 'scripts')]);
    } finally {
      process.chdir(cwd);
    }
  });

  test('a missing file is WORKFLOW_NOT_FOUND naming it', () => {
    const dir = folder({});
    const missing = path.join(dir, 'nope.yaml');
    const e = expectAppError(() => loadWorkflowFile(missing, fakeLoadProject, fakeResolveEntryPoint), 'WORKFLOW_NOT_FOUND');
    assert.match(e.message, /nope\.yaml does not exist/);
    assert.ok(e.message.includes(missing));
    const e2 = expectAppError(() => loadWorkflowFile(dir, fakeLoadProject, fakeResolveEntryPoint), 'WORKFLOW_NOT_FOUND');
    assert.match(e2.message, /is a folder/);
  });

  test('every problem is thrown at once, with file, line and column', () => {
    const broken = WORKFLOW.replace('entry_point: etl_data', 'entry_point: etl')
      .replace('max_iter: 5', 'max_iter: five')
      .replace('../projects/scripts', '../projects/nowhere')
      .replace("    needs: [load]", "    needs: [lod]");
    const { file } = repo(broken);
    const e = expectAppError(() => loadWorkflowFile(file, fakeLoadProject, fakeResolveEntryPoint), 'WORKFLOW_INVALID');
    const problems = problemsOfError(e);
    assert.deepEqual(
      problems.map((p) => [p.code, p.line, p.column]),
      [
        ['ENTRY_POINT_NOT_FOUND', 11, 18],
        ['PARAM_INVALID', 20, 17],
        ['WORKFLOW_INVALID', 21, 13],
        ['MLPROJECT_NOT_FOUND', 23, 14],
      ],
    );
    assert.ok(problems.every((p) => p.file === file));
    // The loaders' messages are passed through.
    assert.match(problems[0]?.message ?? '', /^step "etl": Could not find etl among entry points/);
    assert.match(problems[3]?.message ?? '', /^step "script": Project folder .*nowhere does not exist/);
    // The message lists them as file:line:column lines under a headline.
    assert.match(e.message, /^Workflow .*als\.yaml has 4 problems:\n/);
    assert.ok(e.message.includes(`\n  ${file}:20:17: step "train", parameter "max_iter" is an int but "five" is not an integer`), e.message);
  });

  test('a missing required parameter and an unknown parameter of a declared entry point', () => {
    const { file } = repo(WORKFLOW.replace('      ratings_csv: ${{ steps.load.artifact_dir }}/ratings-csv-dir\n', '      rating_csv: x\n'));
    const problems = problemsOfError(expectAppError(() => loadWorkflowFile(file, fakeLoadProject, fakeResolveEntryPoint), 'WORKFLOW_INVALID'));
    assert.deepEqual(
      problems.map((p) => [p.code, p.line, p.column, p.message]),
      [
        ['PARAM_MISSING', 12, 5, 'step "etl": parameter "ratings_csv" of entry point "etl_data" is required (it has no default) but has no value'],
        ['WORKFLOW_INVALID', 13, 7, 'step "etl": entry point "etl_data" has no parameter "rating_csv" (its parameters are "ratings_csv", "max_row_limit")'],
      ],
    );
  });

  test('an invalid project passes the loader message through', () => {
    const { dir, file } = repo(WORKFLOW);
    fs.writeFileSync(path.join(dir, 'projects', 'multistep', 'MLproject'), 'name: broken\n');
    const problems = problemsOfError(expectAppError(() => loadWorkflowFile(file, fakeLoadProject, fakeResolveEntryPoint), 'WORKFLOW_INVALID'));
    assert.deepEqual(
      problems.map((p) => [p.code, p.line, p.column]),
      [
        ['MLPROJECT_INVALID', 7, 14],
        ['MLPROJECT_INVALID', 10, 14],
        ['MLPROJECT_INVALID', 16, 14],
      ],
    );
    assert.match(problems[0]?.message ?? '', /MLproject file .* has no entry_points/);
  });

  test('only cycles: WORKFLOW_CYCLE', () => {
    const { file } = repo(WORKFLOW.replace('    entry_point: load_raw_data\n', '    entry_point: load_raw_data\n    needs: train\n'));
    const e = expectAppError(() => loadWorkflowFile(file, fakeLoadProject, fakeResolveEntryPoint), 'WORKFLOW_CYCLE');
    const problems = problemsOfError(e);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.code, 'WORKFLOW_CYCLE');
    assert.match(problems[0]?.message ?? '', /load → train → load/);
    assert.match(e.message, /depend on each other in a cycle/);
  });

  test('cycles together with other problems: WORKFLOW_INVALID', () => {
    const { file } = repo(WORKFLOW.replace('    entry_point: load_raw_data\n', '    entry_point: load_raw_data\n    needs: [train, nobody]\n'));
    const e = expectAppError(() => loadWorkflowFile(file, fakeLoadProject, fakeResolveEntryPoint), 'WORKFLOW_INVALID');
    assert.deepEqual(problemsOfError(e).map((p) => p.code).sort(), ['WORKFLOW_CYCLE', 'WORKFLOW_INVALID']);
  });

  test('malformed YAML: the YAML problem only, loaders are not called', () => {
    const { file } = repo('version: 1\nsteps: [\n');
    let called = false;
    const e = expectAppError(
      () =>
        loadWorkflowFile(
          file,
          (d) => {
            called = true;
            return fakeLoadProject(d);
          },
          fakeResolveEntryPoint,
        ),
      'WORKFLOW_INVALID',
    );
    assert.equal(called, false);
    assert.ok(problemsOfError(e).length >= 1);
    assert.ok(problemsOfError(e).every((p) => p.message.startsWith('invalid YAML') && p.line !== undefined));
  });
});

describe('loadWorkflowText', () => {
  test('resolves projects against the folder of the given file name', () => {
    const { dir } = repo(WORKFLOW);
    const wf = loadWorkflowText(WORKFLOW, path.join(dir, 'flows', 'snapshot.yaml'), fakeLoadProject, fakeResolveEntryPoint);
    assert.equal(wf.baseDir, path.join(dir, 'flows'));
    assert.equal(wf.projects.load?.project.dir, path.join(dir, 'projects', 'multistep'));
  });
});
