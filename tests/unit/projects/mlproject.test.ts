import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadProject, resolveEntryPoint } from '../../../main/engine/projects/index.js';
import { renderCommand } from '../../../common/command.js';
import { expectAppError, problemsOf, project, tmpDir } from './helpers.js';

const FULL = `name: Demo Project
entry_points:
  main:
    parameters:
      data_file: path
      alpha: {type: float, default: 0.10}
      big: {type: float, default: 1e3}
      label: {default: hello}
      flag: {type: string, default: true}
      epochs: {type: int}
      quoted: {type: string, default: "0.10"}
      weird: {type: Float, default: 2}
      nothing: {type: int, default: null}
    command: "python train.py {data_file} --alpha {alpha}"
  validate:
    command: python validate.py
`;

describe('loadProject: finding the project and its MLproject file', () => {
  test('MLproject is found by case-insensitive exact name', () => {
    const dir = project({ mlProject: 'name: lower\n', 'MLproject.bak': 'name: not-me\n' });
    const p = loadProject(dir);
    assert.equal(p.name, 'lower');
    assert.equal(p.mlprojectPath, path.join(dir, 'mlProject'));
    assert.equal(p.dir, dir);
  });

  test('two MLproject files (different case) are an error naming both', (t) => {
    const dir = project({ MLproject: 'name: a\n', mlproject: 'name: b\n' });
    if (fs.readdirSync(dir).length < 2) return t.skip('case-insensitive file system');
    const e = expectAppError(() => loadProject(dir), 'MLPROJECT_INVALID');
    assert.match(e.message, /2 MLproject files \(MLproject, mlproject\)/);
    assert.deepEqual(
      problemsOf(e).map((p) => p.file),
      [path.join(dir, 'MLproject'), path.join(dir, 'mlproject')],
    );
  });

  test('a missing folder is MLPROJECT_NOT_FOUND naming the path', () => {
    const missing = path.join(tmpDir(), 'nope');
    const e = expectAppError(() => loadProject(missing), 'MLPROJECT_NOT_FOUND');
    assert.ok(e.message.includes(missing), e.message);
  });

  test('a file instead of a folder is MLPROJECT_NOT_FOUND', () => {
    const dir = project({ 'train.py': '' });
    const e = expectAppError(() => loadProject(path.join(dir, 'train.py')), 'MLPROJECT_NOT_FOUND');
    assert.match(e.message, /is not a folder/);
  });

  test('a folder without MLproject has no declared entry points, only .py/.sh scripts', () => {
    const dir = project({ 'train.py': 'print(1)\n' });
    const p = loadProject(dir);
    assert.equal(p.mlprojectPath, null);
    assert.equal(p.name, null);
    assert.deepEqual(p.entryPoints, []);
    assert.deepEqual(p.env, { kind: 'local', value: null });
    assert.equal(resolveEntryPoint(p, 'train.py').command, 'python train.py');
    const e = expectAppError(() => resolveEntryPoint(p), 'ENTRY_POINT_NOT_FOUND');
    assert.equal(
      e.message,
      "Could not find main among entry points [] or interpret main as a runnable script. Supported script file extensions: ['.py', '.sh']",
    );
  });

  test('an empty MLproject file is a project with no entry points', () => {
    for (const content of ['', '\n\n', '# only a comment\n', '---\n']) {
      const p = loadProject(project({ MLproject: content }));
      assert.deepEqual(p.entryPoints, [], JSON.stringify(content));
      assert.equal(p.name, null);
    }
  });
});

describe('loadProject: parsing', () => {
  test('entry points, parameter types and defaults (written form kept)', () => {
    const dir = project({ MLproject: FULL });
    const p = loadProject(dir);
    assert.equal(p.name, 'Demo Project');
    assert.deepEqual(
      p.entryPoints.map((e) => e.name),
      ['main', 'validate'],
    );
    const main = p.entryPoints[0];
    assert.ok(main);
    assert.equal(main.command, 'python train.py {data_file} --alpha {alpha}');
    assert.equal(main.implicit, false);
    const simple = main.parameters.map((q) => [q.name, q.type, q.default, q.required]);
    assert.deepEqual(simple, [
      ['data_file', 'path', null, true],
      ['alpha', 'float', '0.10', false],
      ['big', 'float', '1e3', false],
      ['label', 'string', 'hello', false],
      ['flag', 'string', 'true', false],
      ['epochs', 'int', null, true],
      ['quoted', 'string', '0.10', false],
      ['weird', 'Float', '2', false],
      ['nothing', 'int', null, true],
    ]);
    assert.equal(main.parameters[0]?.line, 5);
    assert.equal(main.parameters[1]?.line, 6);
    assert.deepEqual(p.entryPoints[1]?.parameters, []);
  });

  test('block scalar commands lose their trailing newline', () => {
    const p = loadProject(
      project({
        MLproject: 'entry_points:\n  main:\n    command: |\n      python a.py\n      python b.py\n',
      }),
    );
    assert.equal(p.entryPoints[0]?.command, 'python a.py\npython b.py');
  });

  test('YAML anchors and merge keys work as in PyYAML', () => {
    const src = `x-common: &common
  type: float
  default: 0.5
entry_points:
  main:
    parameters:
      a: *common
      b:
        <<: *common
        default: 2
    command: run {a} {b}
`;
    const p = loadProject(project({ MLproject: src }));
    const ps = p.entryPoints[0]?.parameters.map((q) => [q.name, q.type, q.default]);
    assert.deepEqual(ps, [
      ['a', 'float', '0.5'],
      ['b', 'float', '2'],
    ]);
  });

  test('malformed YAML is MLPROJECT_INVALID with file:line:column', () => {
    // An unquoted command containing ": " is a classic MLproject mistake.
    const dir = project({
      MLproject: 'name: x\nentry_points:\n  main:\n    command: python a.py --opt: {x}\n',
    });
    const e = expectAppError(() => loadProject(dir), 'MLPROJECT_INVALID');
    const file = path.join(dir, 'MLproject');
    const [first] = problemsOf(e);
    assert.ok(first);
    assert.equal(first.file, file);
    assert.equal(first.line, 4);
    assert.equal(first.column, 14);
    assert.ok(e.message.includes(`${file}:4:14: Nested mappings are not allowed`), e.message);
    assert.ok(!/\n\s+at /.test(e.message), 'no stack trace in the message');
  });

  test('badly indented YAML is located', () => {
    const dir = project({
      MLproject: 'name: x\nentry_points:\n  main:\n    command: python a.py\n   parameters: {a: float}\n',
    });
    const e = expectAppError(() => loadProject(dir), 'MLPROJECT_INVALID');
    assert.equal(problemsOf(e)[0]?.line, 5);
  });

  test('a tab used for indentation is located', () => {
    const dir = project({ MLproject: 'entry_points:\n\tmain:\n' });
    const e = expectAppError(() => loadProject(dir), 'MLPROJECT_INVALID');
    assert.equal(problemsOf(e)[0]?.line, 2);
  });

  test('duplicate keys are an error (PyYAML would silently keep the last)', () => {
    const dir = project({ MLproject: 'name: a\nname: b\n' });
    const e = expectAppError(() => loadProject(dir), 'MLPROJECT_INVALID');
    assert.equal(problemsOf(e)[0]?.line, 2);
  });

  test('a top level that is not a mapping is located', () => {
    const dir = project({ MLproject: '- main\n- other\n' });
    const e = expectAppError(() => loadProject(dir), 'MLPROJECT_INVALID');
    const [pb] = problemsOf(e);
    assert.deepEqual([pb?.line, pb?.column], [1, 1]);
    assert.match(pb?.message ?? '', /top level must be a mapping/);
    assert.ok(e.message.includes(`${path.join(dir, 'MLproject')}:1:1:`), e.message);
  });

  test('two environment keys: MLflow message, located at the second key', () => {
    const dir = project({
      MLproject: 'name: x\npython_env: python_env.yaml\nconda_env: conda.yaml\n',
      'python_env.yaml': '',
      'conda.yaml': '',
    });
    const e = expectAppError(() => loadProject(dir), 'MLPROJECT_INVALID');
    const [pb] = problemsOf(e);
    assert.equal(
      pb?.message,
      "Project cannot contain multiple environment fields: {'python_env', 'conda_env'}",
    );
    assert.deepEqual([pb?.line, pb?.column], [3, 1]);
  });

  test('entry_points that is not a mapping is located', () => {
    const dir = project({ MLproject: 'name: x\nentry_points:\n  - main\n' });
    const e = expectAppError(() => loadProject(dir), 'MLPROJECT_INVALID');
    const [pb] = problemsOf(e);
    assert.match(pb?.message ?? '', /entry_points must be a mapping/);
    assert.deepEqual([pb?.line, pb?.column], [3, 3]);
  });

  test('an entry point without command is located at its name', () => {
    const dir = project({
      MLproject: 'entry_points:\n  main:\n    parameters: {a: float}\n  other:\n    command: ok\n',
    });
    const e = expectAppError(() => loadProject(dir), 'MLPROJECT_INVALID');
    const [pb] = problemsOf(e);
    assert.equal(pb?.message, "entry point 'main' has no command");
    assert.deepEqual([pb?.line, pb?.column], [2, 3]);
  });

  test('an entry point that is not a mapping, or a non-text command, is invalid', () => {
    const e1 = expectAppError(
      () => loadProject(project({ MLproject: 'entry_points:\n  main: python a.py\n' })),
      'MLPROJECT_INVALID',
    );
    assert.match(problemsOf(e1)[0]?.message ?? '', /entry point 'main' must be a mapping/);
    const e2 = expectAppError(
      () => loadProject(project({ MLproject: 'entry_points:\n  main:\n    command: [a, b]\n' })),
      'MLPROJECT_INVALID',
    );
    assert.equal(problemsOf(e2)[0]?.line, 3);
  });

  test('every bad parameter spec is reported at once, each located', () => {
    const src = `entry_points:
  main:
    parameters:
      ok: float
      a: 5
      b:
      c: {type: [x]}
      d: {default: [1, 2]}
      e: [float]
    command: run
`;
    const dir = project({ MLproject: src });
    const e = expectAppError(() => loadProject(dir), 'MLPROJECT_INVALID');
    const pbs = problemsOf(e);
    assert.deepEqual(
      pbs.map((p) => p.line),
      [5, 6, 7, 8, 9],
    );
    assert.match(pbs[0]?.message ?? '', /parameter 'a' of entry point 'main' must be a type name/);
    assert.match(pbs[2]?.message ?? '', /type of parameter 'c'/);
    assert.match(pbs[3]?.message ?? '', /default of parameter 'd'/);
    for (const p of pbs) assert.equal(p.file, path.join(dir, 'MLproject'));
  });

  test('parameters that is not a mapping is invalid', () => {
    const e = expectAppError(
      () =>
        loadProject(
          project({ MLproject: 'entry_points:\n  main:\n    parameters: [a]\n    command: run\n' }),
        ),
      'MLPROJECT_INVALID',
    );
    assert.equal(problemsOf(e)[0]?.line, 3);
  });
});

describe('loadProject: environments', () => {
  test('python_env names an existing file (absolute path kept)', () => {
    const dir = project({ MLproject: 'python_env: env/py.yaml\n', 'env/py.yaml': 'python: "3.11"\n' });
    assert.deepEqual(loadProject(dir).env, { kind: 'python_env', value: path.join(dir, 'env/py.yaml') });
  });

  test('a missing python_env file: MLflow message', () => {
    const dir = project({ MLproject: 'python_env: missing.yaml\n' });
    const e = expectAppError(() => loadProject(dir), 'MLPROJECT_INVALID');
    assert.equal(
      problemsOf(e)[0]?.message,
      `Project specified python_env file ${path.join(dir, 'missing.yaml')}, but no such file was found.`,
    );
  });

  test('a missing conda_env file: MLflow message', () => {
    const dir = project({ MLproject: 'conda_env: env.yaml\n' });
    const e = expectAppError(() => loadProject(dir), 'MLPROJECT_INVALID');
    assert.equal(
      problemsOf(e)[0]?.message,
      `Project specified conda environment file ${path.join(dir, 'env.yaml')}, but no such file was found.`,
    );
  });

  test('docker_env without image: MLflow message', () => {
    const e = expectAppError(
      () => loadProject(project({ MLproject: 'docker_env:\n  volumes: ["/a:/a"]\n' })),
      'MLPROJECT_INVALID',
    );
    assert.equal(
      problemsOf(e)[0]?.message,
      'Project configuration (MLproject file) was invalid: Docker environment specified but no image attribute found.',
    );
  });

  test('docker_env with an image', () => {
    const p = loadProject(project({ MLproject: 'docker_env:\n  image: my-image:1\n' }));
    assert.deepEqual(p.env, { kind: 'docker_env', value: { image: 'my-image:1' } });
  });

  test('default python_env.yaml, then conda.yaml, else local', () => {
    const both = project({ MLproject: 'name: x\n', 'python_env.yaml': '', 'conda.yaml': '' });
    assert.deepEqual(loadProject(both).env, {
      kind: 'python_env',
      value: path.join(both, 'python_env.yaml'),
    });
    const conda = project({ 'conda.yaml': '' });
    assert.deepEqual(loadProject(conda).env, { kind: 'conda_env', value: path.join(conda, 'conda.yaml') });
    assert.deepEqual(loadProject(project({ MLproject: 'name: x\n' })).env, { kind: 'local', value: null });
  });
});

describe('resolveEntryPoint (Project.get_entry_point)', () => {
  const dir = project({ MLproject: FULL });
  const p = loadProject(dir);

  test('declared entry points by exact name; "main" by default', () => {
    assert.equal(resolveEntryPoint(p).name, 'main');
    assert.equal(resolveEntryPoint(p, 'validate').command, 'python validate.py');
  });

  test('.py runs with python, the name shell-quoted', () => {
    const ep = resolveEntryPoint(p, 'my script.py');
    assert.deepEqual(ep, {
      name: 'my script.py',
      parameters: [],
      command: "python 'my script.py'",
      implicit: true,
    });
  });

  test('.sh runs with $SHELL, or bash when SHELL is unset', () => {
    assert.equal(resolveEntryPoint(p, 'run.sh', { SHELL: '/bin/zsh' }).command, '/bin/zsh run.sh');
    assert.equal(resolveEntryPoint(p, 'run.sh', {}).command, 'bash run.sh');
  });

  test('like MLflow, a script that does not exist still resolves (it fails when run)', () => {
    assert.equal(fs.existsSync(path.join(dir, 'nope.py')), false);
    assert.equal(resolveEntryPoint(p, 'nope.py').command, 'python nope.py');
  });

  test('braces in a script name stay literal when the command is rendered', () => {
    const ep = resolveEntryPoint(p, 'a{b}.py');
    assert.equal(renderCommand(ep, {}, { x: '1' }), "python 'a{b}.py' --x 1");
  });

  test('unknown names: MLflow message listing the declared entry points', () => {
    const e = expectAppError(() => resolveEntryPoint(p, 'train'), 'ENTRY_POINT_NOT_FOUND');
    assert.equal(
      e.message,
      "Could not find train among entry points ['main', 'validate'] or interpret train as a runnable script. Supported script file extensions: ['.py', '.sh']",
    );
  });

  test('extensions follow os.path.splitext and are case-sensitive', () => {
    expectAppError(() => resolveEntryPoint(p, '.py'), 'ENTRY_POINT_NOT_FOUND');
    expectAppError(() => resolveEntryPoint(p, 'dir/.sh'), 'ENTRY_POINT_NOT_FOUND');
    expectAppError(() => resolveEntryPoint(p, 'TRAIN.PY'), 'ENTRY_POINT_NOT_FOUND');
    expectAppError(() => resolveEntryPoint(p, 'a.py/b'), 'ENTRY_POINT_NOT_FOUND');
    assert.equal(resolveEntryPoint(p, 'sub/x.tar.py').command, 'python sub/x.tar.py');
  });
});
