import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { EntryPointSpec, ParameterSpec } from '../../../common/types.js';
import { computeParameters, loadProject, resolveEntryPoint } from '../../../main/engine/projects/index.js';
import {
  isPythonFloat,
  isPythonInt,
  isUri,
  renderCommand,
  validateParameterValues,
} from '../../../common/command.js';
import { expectAppError, problemsOf, project, tmpDir } from './helpers.js';

function param(name: string, type = 'string', def: string | null = null): ParameterSpec {
  return { name, type, default: def, required: def === null };
}
function ep(command: string, parameters: ParameterSpec[], name = 'main'): EntryPointSpec {
  return { name, command, parameters, implicit: false };
}

describe('computeParameters: values (EntryPoint.compute_parameters)', () => {
  const dir = project({ 'data.csv': 'x\n', 'sub/more.csv': 'y\n' });
  const train = ep('python train.py {data} --alpha {alpha} --epochs {epochs}', [
    param('data', 'path'),
    param('alpha', 'float', '0.10'),
    param('epochs', 'int'),
    param('note', 'string', 'a b'),
  ]);

  test('missing required parameters are all named, in declaration order, with MLflow wording', () => {
    const e = expectAppError(
      () => computeParameters(train, { alpha: '1' }, { baseDir: dir }),
      'PARAM_MISSING',
    );
    assert.equal(e.message, "No value given for missing parameters: 'data', 'epochs'");
    assert.equal(problemsOf(e).length, 1);
  });

  test('defaults fill in; params keep declaration order, extras the order given; paths become absolute', () => {
    const r = computeParameters(
      train,
      { zeta: '1', epochs: '3', data: 'data.csv', beta: 'two words' },
      { baseDir: dir },
    );
    assert.deepEqual(Object.entries(r.params), [
      ['data', path.join(dir, 'data.csv')],
      ['alpha', '0.10'],
      ['epochs', '3'],
      ['note', 'a b'],
    ]);
    assert.deepEqual(Object.entries(r.extra), [
      ['zeta', '1'],
      ['beta', 'two words'],
    ]);
    assert.equal(
      r.command,
      `python train.py ${path.join(dir, 'data.csv')} --alpha 0.10 --epochs 3 --zeta 1 --beta 'two words'`,
    );
  });

  test('params are logged unquoted while the command quotes them', () => {
    const e2 = ep('echo {msg}', [param('msg')]);
    const r = computeParameters(e2, { msg: "it's a test" }, { baseDir: dir });
    assert.equal(r.params.msg, "it's a test");
    assert.equal(r.command, `echo 'it'"'"'s a test'`);
  });

  test('relative paths resolve against baseDir, not the process folder', () => {
    assert.notEqual(process.cwd(), dir);
    const r = computeParameters(ep('x {p}', [param('p', 'path')]), { p: 'sub/more.csv' }, { baseDir: dir });
    assert.equal(r.params.p, path.join(dir, 'sub', 'more.csv'));
  });

  test('a missing local path: MLflow message', () => {
    const e = expectAppError(
      () => computeParameters(ep('x {p}', [param('p', 'path')]), { p: 'nope.csv' }, { baseDir: dir }),
      'PARAM_INVALID',
    );
    assert.equal(e.message, 'Got value nope.csv for parameter p, but no such file or directory was found.');
  });

  test('an empty path value does not exist (os.path.exists(""))', () => {
    expectAppError(
      () => computeParameters(ep('x {p}', [param('p', 'path')]), { p: '' }, { baseDir: dir }),
      'PARAM_INVALID',
    );
  });

  test('a path default is checked and resolved like a user value', () => {
    const r = computeParameters(ep('x {p}', [param('p', 'path', 'data.csv')]), {}, { baseDir: dir });
    assert.equal(r.params.p, path.join(dir, 'data.csv'));
    expectAppError(
      () => computeParameters(ep('x {p}', [param('p', 'path', 'gone.csv')]), {}, { baseDir: dir }),
      'PARAM_INVALID',
    );
  });

  test('file: URIs become local absolute paths; other URIs are left as they are', () => {
    const e2 = ep('x {p}', [param('p', 'path')]);
    const fileUri = `file://${path.join(dir, 'data.csv')}`;
    assert.equal(
      computeParameters(e2, { p: fileUri }, { baseDir: dir }).params.p,
      path.join(dir, 'data.csv'),
    );
    assert.equal(
      computeParameters(e2, { p: 's3://bucket/key.csv' }, { baseDir: dir }).params.p,
      's3://bucket/key.csv',
    );
    assert.equal(
      computeParameters(e2, { p: 'file://otherhost/x' }, { baseDir: dir }).params.p,
      'file://otherhost/x',
    );
    expectAppError(
      () => computeParameters(e2, { p: 'file:///definitely/not/here' }, { baseDir: dir }),
      'PARAM_INVALID',
    );
  });

  test('a uri without a scheme: MLflow message (defaults are checked too)', () => {
    const e2 = ep('x {u}', [param('u', 'uri')]);
    const e = expectAppError(
      () => computeParameters(e2, { u: 'data/file.csv' }, { baseDir: dir }),
      'PARAM_INVALID',
    );
    assert.equal(e.message, 'Expected URI for parameter u but got data/file.csv');
    assert.equal(computeParameters(e2, { u: 's3://b/k' }, { baseDir: dir }).params.u, 's3://b/k');
    expectAppError(
      () => computeParameters(ep('x {u}', [param('u', 'uri', 'local')]), {}, { baseDir: dir }),
      'PARAM_INVALID',
    );
  });

  test('a Windows drive letter is not a URI scheme', () => {
    assert.equal(isUri('C:\\data\\x.csv'), false);
    assert.equal(isUri('d:/x'), false);
    assert.equal(isUri('runs:/abc/model'), true);
    assert.equal(isUri('HTTP://x'), true);
    assert.equal(isUri('1abc:foo'), false);
  });

  test('bad float and int values are all reported at once, naming parameter, value and type', () => {
    const e = expectAppError(
      () => computeParameters(train, { data: 'data.csv', alpha: 'abc', epochs: '1.5' }, { baseDir: dir }),
      'PARAM_INVALID',
    );
    const msgs = problemsOf(e).map((p) => p.message);
    assert.equal(msgs.length, 2);
    assert.match(msgs[0] ?? '', /^Parameter alpha has type float, but "abc" is not a number/);
    assert.match(msgs[1] ?? '', /^Parameter epochs has type int, but "1.5" is not a whole number/);
    assert.match(e.message, /2 problems with the parameters of entry point 'main'/);
  });

  test('float accepts exactly what Python float() accepts', () => {
    for (const ok of [
      '1',
      '1.5',
      '-2e3',
      ' 3 ',
      '+.5',
      '5.',
      '1_000.5',
      '1e1_0',
      'nan',
      'NaN',
      '-inf',
      '+Infinity',
      '\u00a01\u00a0',
      '\u0661\u0662',
    ]) {
      assert.ok(isPythonFloat(ok), `float(${JSON.stringify(ok)})`);
    }
    for (const bad of [
      '',
      ' ',
      'abc',
      '1__0',
      '_1',
      '1_',
      '1._5',
      '.',
      'e5',
      '1e',
      '0x10',
      '1 2',
      'infinit',
      '--1',
      '1,5',
      '\u001f1',
    ]) {
      assert.ok(!isPythonFloat(bad), `float(${JSON.stringify(bad)}) should fail`);
    }
  });

  test('int accepts exactly what Python int() accepts', () => {
    for (const ok of ['42', '-7', '+3', ' 8 ', '1_000', '007', '0_7', '\u0661'])
      assert.ok(isPythonInt(ok), `int(${JSON.stringify(ok)})`);
    for (const bad of ['', '1.0', '1e3', '_1', '1_', '1__0', '0x10', 'nan', '- 1', '1'.repeat(4301)]) {
      assert.ok(!isPythonInt(bad), `int(${JSON.stringify(bad)}) should fail`);
    }
    assert.ok(isPythonInt('1'.repeat(4300)));
  });

  test('other type names are kept and treated like string', () => {
    const r = computeParameters(
      ep('x {a}', [param('a', 'Float', '2')]),
      { a: 'anything goes' },
      { baseDir: dir },
    );
    assert.equal(r.params.a, 'anything goes');
  });

  test('an extra parameter name that cannot be an option is PARAM_NAME_INVALID', () => {
    for (const key of ['x; touch /tmp/pwned', 'a b', '-x', '1x', '', 'é']) {
      const e = expectAppError(
        () => computeParameters(train, { data: 'data.csv', epochs: '1', [key]: 'v' }, { baseDir: dir }),
        'PARAM_NAME_INVALID',
      );
      assert.ok(e.message.includes(JSON.stringify(key)), e.message);
    }
    const ok = computeParameters(
      train,
      { data: 'data.csv', epochs: '1', 'lr_rate.v-2': 'v', _x: 'y' },
      { baseDir: dir },
    );
    assert.equal(ok.command.endsWith(' --lr_rate.v-2 v --_x y'), true, ok.command);
  });

  test('NUL characters cannot reach a process', () => {
    expectAppError(
      () => computeParameters(ep('x {a}', [param('a')]), { a: 'a\0b' }, { baseDir: dir }),
      'PARAM_INVALID',
    );
  });

  test('problems of several kinds: every one listed, the code is the most basic one', () => {
    const e = expectAppError(
      () => computeParameters(train, { alpha: 'x', 'bad key': '1' }, { baseDir: dir }),
      'PARAM_MISSING',
    );
    assert.deepEqual(
      problemsOf(e).map((p) => p.code),
      ['PARAM_MISSING', 'PARAM_INVALID', 'PARAM_NAME_INVALID'],
    );
    assert.match(e.message, /No value given for missing parameters: 'data', 'epochs'/);
  });

  test('validateParameterValues is pure: no path checks, [] when fine', () => {
    assert.deepEqual(validateParameterValues(train, { data: '/does/not/exist', epochs: '2' }), []);
    assert.deepEqual(
      validateParameterValues(train, { epochs: 'x' }).map((p) => p.code),
      ['PARAM_MISSING', 'PARAM_INVALID'],
    );
  });
});

describe('renderCommand (str.format + shlex.quote)', () => {
  const two = [param('a'), param('b')];

  test('{{ and }} are literal braces', () => {
    assert.equal(
      renderCommand(ep("awk '{{print $1}}' {a} {{{b}}}", two), { a: 'f.txt', b: 'x y' }, {}),
      "awk '{print $1}' f.txt {'x y'}",
    );
  });

  test('an unknown placeholder names the placeholder and the entry point', () => {
    const e = expectAppError(
      () => renderCommand(ep('python t.py {a} {lr}', two, 'train'), { a: '1', b: '2' }, {}),
      'MLPROJECT_INVALID',
    );
    assert.match(e.message, /Entry point 'train' uses placeholder \{lr\}/);
    assert.match(e.message, /declared: a, b/);
  });

  test('an extra parameter does not satisfy a placeholder (as in MLflow)', () => {
    expectAppError(
      () => renderCommand(ep('run {c}', two), { a: '1', b: '2' }, { c: '3' }),
      'MLPROJECT_INVALID',
    );
  });

  test('unbalanced braces and positional or formatted fields are MLPROJECT_INVALID', () => {
    for (const cmd of [
      'run {',
      'run }',
      'run {a',
      'run {}',
      'run {0}',
      'run {a.b}',
      'run {a!r}',
      'run {a:>5}',
      `python -c "print({'k': 1})"`,
    ]) {
      expectAppError(() => renderCommand(ep(cmd, two), { a: '1', b: '2' }, {}), 'MLPROJECT_INVALID');
    }
  });

  test('a placeholder for a declared parameter without value is PARAM_MISSING', () => {
    expectAppError(() => renderCommand(ep('run {a} {b}', two), { a: '1' }, {}), 'PARAM_MISSING');
  });

  test('extras are appended as --key value, value quoted', () => {
    assert.equal(renderCommand(ep('run', []), {}, { k: 'v w', e: '' }), "run --k 'v w' --e ''");
  });
});

describe('shell injection', () => {
  test('a hostile value reaches the script as one argument and never runs', () => {
    const dir = project({
      MLproject:
        'entry_points:\n  main:\n    parameters:\n      msg: string\n    command: "bash args.sh {msg}"\n',
      'args.sh': 'for a in "$@"; do printf "%s\\0" "$a"; done\n',
    });
    const pwned = path.join(tmpDir(), 'pwned');
    const hostile = `x; touch ${pwned}`;
    const extraValue = `$(touch ${pwned})\`touch ${pwned}\` 'q' "d" | & > <`;
    const ep1 = resolveEntryPoint(loadProject(dir));
    const { command } = computeParameters(ep1, { msg: hostile, other: extraValue }, { baseDir: dir });
    const out = execFileSync('bash', ['-c', command], { cwd: dir, encoding: 'utf8' });
    assert.deepEqual(out.split('\0').slice(0, -1), [hostile, '--other', extraValue]);
    assert.equal(fs.existsSync(pwned), false, 'the injected command ran');
  });

  test('the same holds for an implicit .sh entry point', () => {
    const dir = project({ 'args.sh': 'for a in "$@"; do printf "%s\\0" "$a"; done\n' });
    const pwned = path.join(tmpDir(), 'pwned');
    const hostile = `x; touch ${pwned}`;
    const ep1 = resolveEntryPoint(loadProject(dir), 'args.sh', { SHELL: '/bin/bash' });
    const { command, extra } = computeParameters(ep1, { msg: hostile }, { baseDir: dir });
    assert.deepEqual(extra, { msg: hostile });
    const out = execFileSync('bash', ['-c', command], { cwd: dir, encoding: 'utf8' });
    assert.deepEqual(out.split('\0').slice(0, -1), ['--msg', hostile]);
    assert.equal(fs.existsSync(pwned), false, 'the injected command ran');
  });
});
