import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { formatProblem } from '../../../common/errors.js';
import { parseWorkflowYaml } from '../../../common/workflow/serialize.js';
import type { WorkflowSpec } from '../../../common/workflow/types.js';
import { validateWorkflowSpec, valueFitsType } from '../../../common/workflow/validate.js';
import { entryPoint, expectProblem, fakeProjects, lines, param, problemsOf, validSpec } from './helpers.js';

describe('YAML and top-level structure', () => {
  test('malformed YAML is reported with the YAML parser position and no spec', () => {
    const r = parseWorkflowYaml(lines('version: 1', 'name: x', 'steps:', '  a: {project: ./p', '  b: 1'), 'wf.yaml');
    assert.equal(r.spec, undefined);
    assert.equal(r.problems.length, 1);
    expectProblem(r.problems, 'invalid YAML: Flow map', { line: 5, column: 3 });
    assert.equal(r.problems[0]?.file, 'wf.yaml');
  });

  test('duplicate keys and several documents are YAML problems', () => {
    expectProblem(problemsOf(lines('version: 1', 'name: x', 'name: y', 'steps: {a: {project: p}}')), 'Map keys must be unique', { line: 3, column: 1 });
    expectProblem(problemsOf(lines('version: 1', '---', 'name: y')), 'several YAML documents', { line: 2, column: 1 });
  });

  test('the top level must be a mapping', () => {
    expectProblem(problemsOf(lines('- a', '- b')), 'must be a mapping', { line: 1, column: 1 });
    expectProblem(problemsOf(lines('', '', 'just text')), 'not the text "just text"', { line: 3, column: 1 });
    expectProblem(problemsOf(''), 'the file is empty', { line: 1, column: 1 });
    expectProblem(problemsOf(lines('# only a comment')), 'the file is empty', { line: 1, column: 1 });
  });

  test('missing and unsupported version', () => {
    expectProblem(problemsOf(lines('name: x', 'steps:', '  a: {project: p}')), 'missing "version"', { line: 1, column: 1 });
    const p = expectProblem(problemsOf(lines('version: 2', 'name: x', 'steps:', '  a: {project: p}')), 'unsupported version 2', { line: 1, column: 10 });
    assert.match(p.message, /version: 1/);
    expectProblem(problemsOf(lines('version: "1"', 'name: x', 'steps: {a: {project: p}}')), 'must be the number 1, not the text "1"', { line: 1, column: 10 });
  });

  test('missing or empty name', () => {
    expectProblem(problemsOf(lines('# comment', 'version: 1', 'steps:', '  a: {project: p}')), 'missing "name"', { line: 2, column: 1 });
    expectProblem(problemsOf(lines('version: 1', 'name: ""', 'steps:', '  a: {project: p}')), 'missing "name"', { line: 2, column: 7 });
    expectProblem(problemsOf(lines('version: 1', 'name:', 'steps:', '  a: {project: p}')), 'missing "name"', { line: 2, column: 1 });
  });

  test('a name that is not text is one problem at its value', () => {
    const problems = problemsOf(lines('version: 1', 'name: [a, b]', 'steps:', '  a: {project: p}'));
    assert.equal(problems.length, 1, JSON.stringify(problems));
    expectProblem(problems, '"name" must be text, not a list', { line: 2, column: 7 });
  });

  test('unknown top-level keys name the allowed keys', () => {
    const problems = problemsOf(lines('version: 1', 'name: x', 'stpes:', '  a: {project: p}'));
    const p = expectProblem(problems, 'unknown key "stpes"', { line: 3, column: 1 });
    assert.match(p.message, /allowed keys: version, name, description, experiment, inputs, steps/);
    expectProblem(problems, 'the workflow has no steps', { line: 1, column: 1 });
  });

  test('steps missing, empty, null or not a mapping', () => {
    expectProblem(problemsOf(lines('version: 1', 'name: x')), 'the workflow has no steps', { line: 1, column: 1 });
    expectProblem(problemsOf(lines('version: 1', 'name: x', 'steps: {}')), 'the workflow has no steps', { line: 3, column: 1 });
    expectProblem(problemsOf(lines('version: 1', 'name: x', 'steps:')), 'the workflow has no steps', { line: 3, column: 1 });
    const problems = problemsOf(lines('version: 1', 'name: x', 'steps:', '  - project: p'));
    assert.equal(problems.length, 1, JSON.stringify(problems));
    expectProblem(problems, '"steps" must be a mapping of step names to steps, not a list', { line: 3, column: 1 });
  });
});

describe('steps', () => {
  test('bad and reserved step names', () => {
    const problems = problemsOf(
      lines('version: 1', 'name: x', 'steps:', '  1load: {project: p}', '  load.x: {project: p}', '  constructor: {project: p}', '  _ok-1: {project: p}'),
    );
    assert.equal(problems.length, 3, JSON.stringify(problems));
    const p = expectProblem(problems, 'step name "1load" is invalid', { line: 4, column: 3 });
    assert.match(p.message, /letters, digits, "_" and "-", starting with a letter or "_"/);
    expectProblem(problems, 'step name "load.x" is invalid', { line: 5, column: 3 });
    expectProblem(problems, 'step name "constructor" is reserved', { line: 6, column: 3 });
  });

  test('unknown step keys name the allowed keys', () => {
    const problems = problemsOf(lines('version: 1', 'name: x', 'steps:', '  a:', '    project: p', '    entrypoint: main'));
    assert.equal(problems.length, 1);
    const p = expectProblem(problems, 'step "a": unknown key "entrypoint"', { line: 6, column: 5 });
    assert.match(p.message, /allowed keys: description, project, entry_point, parameters, needs, cache/);
  });

  test('missing project: absent, empty, null, or a step without a mapping', () => {
    const problems = problemsOf(
      lines('version: 1', 'name: x', 'steps:', '  a:', '    entry_point: e', '  b:', '    project: ""', '  c:', '    project:', '  d:', '  e: ./p'),
    );
    assert.equal(problems.length, 5, JSON.stringify(problems, null, 1));
    expectProblem(problems, 'step "a" has no "project"', { line: 4, column: 3 });
    expectProblem(problems, 'step "b" has no "project"', { line: 7, column: 14 });
    expectProblem(problems, 'step "c" has no "project"', { line: 9, column: 5 });
    expectProblem(problems, 'step "d" has no "project"', { line: 10, column: 3 });
    // not also "has no project": one problem for one mistake
    expectProblem(problems, 'step "e" must be a mapping', { line: 11, column: 3 });
  });

  test('wrong value types: parameters, needs, cache, entry_point, project', () => {
    const problems = problemsOf(
      lines(
        'version: 1',
        'name: x',
        'steps:',
        '  a:',
        '    project: p',
        '    parameters: [x, y]',
        '    needs: {b: 1}',
        '    cache: "no"',
        '  b:',
        '    project: {dir: p}',
        '    entry_point: [main]',
        '    needs: [a, [c]]',
        '    cache: 0',
        '    parameters:',
        '      list: [1, 2]',
        '      none:',
      ),
    );
    expectProblem(problems, 'step "a": "parameters" must be a mapping of parameter names to values, not a list', { line: 6, column: 17 });
    expectProblem(problems, 'step "a": "needs" must be a step name or a list of step names, not a mapping', { line: 7, column: 12 });
    expectProblem(problems, 'step "a": "cache" must be true or false, not the text "no"', { line: 8, column: 12 });
    expectProblem(problems, 'step "b": "project" must be text, not a mapping', { line: 10, column: 14 });
    expectProblem(problems, 'step "b": "entry_point" must be a name, not a list', { line: 11, column: 18 });
    expectProblem(problems, 'step "b": "needs" entries must be step names, not a list', { line: 12, column: 16 });
    expectProblem(problems, 'step "b": "cache" must be true or false, not the number 0', { line: 13, column: 12 });
    expectProblem(problems, 'parameter "list" must be a single value', { line: 15, column: 13 });
    expectProblem(problems, 'parameter "none" has no value', { line: 16, column: 7 });
    assert.equal(problems.length, 9, JSON.stringify(problems, null, 1));
  });

  test('needs naming an unknown step or the step itself', () => {
    const problems = problemsOf(lines('version: 1', 'name: x', 'steps:', '  a: {project: p}', '  b:', '    project: p', '    needs: [a, zz, b]', '  c: {project: p, needs: zz}'));
    assert.equal(problems.length, 3, JSON.stringify(problems, null, 1));
    const p = expectProblem(problems, 'step "b" needs unknown step "zz"', { line: 7, column: 16 });
    assert.match(p.message, /the steps are "a", "b", "c"/);
    expectProblem(problems, 'step "b" needs itself', { line: 7, column: 20 });
    expectProblem(problems, 'step "c" needs unknown step "zz"', { line: 8, column: 26 });
  });
});

describe('references', () => {
  const text = lines(
    'version: 1', // 1
    'name: x',
    'inputs:',
    '  n: int',
    'steps:', // 5
    '  a:',
    '    project: p',
    '    parameters:',
    '      x: ${{ steps.a.run_id }}',
    '      y: "q ${{ steps.zz.run_id }}"', // 10
    '      z: ${{ inputs.nope }} ${{ inputs.n }}',
    '      w: ${{ steps.b.runid }}',
    '      v: ${{ steps.b }}',
    '      u: ok ${{steps.b.params.}} $${{ steps.b }} ${{ steps.b.run_id',
    '  b:', // 15
    '    project: p',
  );

  test('each reference problem is reported at the reference itself', () => {
    const problems = problemsOf(text);
    expectProblem(problems, '${{ steps.a.run_id }} refers to the step itself', { line: 9, column: 10 });
    const unknownStep = expectProblem(problems, '${{ steps.zz.run_id }} refers to unknown step "zz"', { line: 10, column: 13 });
    assert.match(unknownStep.message, /^step "a", parameter "y": /);
    assert.match(unknownStep.message, /the steps are "a", "b"/);
    const unknownInput = expectProblem(problems, 'refers to unknown input "nope"', { line: 11, column: 10 });
    assert.match(unknownInput.message, /the inputs are "n"/);
    const attr = expectProblem(problems, 'unknown attribute "runid"', { line: 12, column: 10 });
    assert.match(attr.message, /run_id, status, experiment_id, artifact_uri, artifact_dir, params.KEY, metrics.KEY, tags.KEY/);
    expectProblem(problems, 'malformed reference "${{ steps.b }}": missing attribute', { line: 13, column: 10 });
    expectProblem(problems, 'malformed reference "${{steps.b.params.}}": missing key', { line: 14, column: 13 });
    expectProblem(problems, 'unterminated reference', { line: 14, column: 50 });
    assert.equal(problems.length, 7, JSON.stringify(problems, null, 1));
  });

  test('the same reference text twice in a value: each occurrence is located', () => {
    const problems = problemsOf(
      lines('version: 1', 'name: x', 'steps:', '  a:', '    project: p', "    parameters: {x: '${{ steps.q.run_id }}+${{ steps.q.run_id }}'}"),
    );
    assert.deepEqual(
      problems.map((p) => [p.line, p.column]),
      [
        [6, 22],
        [6, 44],
      ],
    );
  });

  test('references in block scalars are located on their own line', () => {
    const problems = problemsOf(
      lines(
        'version: 1',
        'name: x',
        'steps:',
        '  a:',
        '    project: p',
        '    parameters:',
        '      cmd: |',
        '        first line',
        '        then ${{ steps.zzz.run_id }}',
        '      folded: >-',
        '        one',
        '          ${{ inputs.none }}',
      ),
    );
    expectProblem(problems, 'unknown step "zzz"', { line: 9, column: 14 });
    expectProblem(problems, 'unknown input "none"', { line: 12, column: 11 });
    assert.match(problems[1]?.message ?? '', /the workflow declares no inputs/);
  });

  test('escaped references are not checked', () => {
    validSpec(lines('version: 1', 'name: x', 'steps:', '  a:', '    project: p', '    parameters: {x: "$${{ steps.nope.bad }}"}'));
  });
});

describe('cycles', () => {
  test('a cycle is WORKFLOW_CYCLE naming the path, at the dependency that closes it', () => {
    const problems = problemsOf(
      lines(
        'version: 1',
        'name: c',
        'steps:',
        '  a:',
        '    project: p',
        '    parameters: {x: "${{ steps.c.run_id }}"}',
        '  b:',
        '    project: p',
        '    needs: a',
        '  c:',
        '    project: p',
        '    needs: [b]',
        '  d: {project: p, needs: [a]}',
      ),
    );
    assert.equal(problems.length, 1, JSON.stringify(problems, null, 1));
    expectProblem(problems, 'steps depend on each other in a cycle: a → b → c → a', { code: 'WORKFLOW_CYCLE', line: 9, column: 12 });
  });

  test('every independent cycle is reported; a data reference is located inside its value', () => {
    const problems = problemsOf(
      lines(
        'version: 1',
        'name: c',
        'steps:',
        '  x: {project: p, needs: y}',
        '  y: {project: p, parameters: {v: "id=${{ steps.x.run_id }}"}}',
        '  p: {project: p, needs: q}',
        '  q: {project: p, needs: p}',
      ),
    );
    assert.equal(problems.length, 2);
    expectProblem(problems, 'x → y → x', { code: 'WORKFLOW_CYCLE', line: 5, column: 39 });
    expectProblem(problems, 'p → q → p', { code: 'WORKFLOW_CYCLE', line: 7, column: 26 });
  });
});

describe('inputs', () => {
  test('defaults must fit float/int; unknown types, bad names and wrong shapes are reported', () => {
    const problems = problemsOf(
      lines(
        'version: 1',
        'name: x',
        'inputs:',
        '  rate: {type: float, default: abc}',
        '  n: {type: int, default: 1.5}',
        '  ok: {type: float, default: 1e-3}',
        '  m: {type: int, default: 007}',
        '  s: {type: strng}',
        '  t: number',
        '  1bad: string',
        '  u: {type: path, defualt: x}',
        '  v: [string]',
        '  w:',
        'steps:',
        '  a: {project: p}',
      ),
    );
    expectProblem(problems, 'input "rate" is a float but its default "abc" is not a number', { line: 4, column: 32 });
    expectProblem(problems, 'input "n" is an int but its default "1.5" is not an integer', { line: 5, column: 27 });
    expectProblem(problems, 'input "s" has unknown type "strng"', { line: 8, column: 13 });
    expectProblem(problems, 'input "t" has unknown type "number"', { line: 9, column: 6 });
    expectProblem(problems, 'input name "1bad" is invalid', { line: 10, column: 3 });
    expectProblem(problems, 'input "u": unknown key "defualt"', { line: 11, column: 19 });
    expectProblem(problems, 'input "v" must be a type', { line: 12, column: 6 });
    expectProblem(problems, 'input "w" must be a type', { line: 13, column: 3 });
    assert.equal(problems.length, 8, JSON.stringify(problems, null, 1));
  });

  test('inputs parse to specs with source-text defaults', () => {
    const spec = validSpec(
      lines(
        'version: 1',
        'name: x',
        'inputs:',
        '  max_row_limit: {type: float, default: 100000, description: optional}',
        '  alpha: {type: float, default: 0.10}',
        '  data_dir: path',
        '  label: {default: hello}',
        'steps:',
        '  a: {project: p}',
      ),
    );
    assert.deepEqual(
      spec.inputs.map((i) => [i.name, i.type, i.default, i.description]),
      [
        ['max_row_limit', 'float', '100000', 'optional'],
        ['alpha', 'float', '0.10', null],
        ['data_dir', 'path', null, null],
        ['label', 'string', 'hello', null],
      ],
    );
  });
});

describe('project-dependent checks', () => {
  const als = entryPoint('als', [
    param('data'),
    param('rank', 'int', '10'),
    param('alpha', 'float', '0.1'),
    param('reg', 'float', '0.1'),
    param('iters', 'int', '5'),
    param('lr2', 'float', '1'),
    param('m', 'float', '1'),
    param('pp', 'float', '1'),
    param('ratio', 'float', '1'),
    param('out', 'path', '.'),
  ]);
  const projects = fakeProjects({ './data': [entryPoint('load_raw', [])], './ml': [als, entryPoint('main', [])] });
  const text = lines(
    'version: 1', // 1
    'name: p',
    'inputs:',
    '  label: string',
    '  lr: float', // 5
    '  k: int',
    'steps:',
    '  load:',
    '    project: ./data',
    '    entry_point: load_raw', // 10
    '  train:',
    '    project: ./ml',
    '    entry_point: als',
    '    parameters:',
    '      rank: ten', // 15
    '      alpha: ${{ steps.load.run_id }}',
    '      reg: ${{ inputs.label }}',
    '      iters: ${{ steps.load.tags.n }}',
    '      bogus: 1',
    '      lr2: ${{ inputs.lr }}', // 20
    '      m: ${{ steps.load.metrics.rmse }}',
    '      pp: ${{ steps.load.params.k }}',
    '      ratio: 0.5',
    '      out: ${{ steps.load.artifact_dir }}/x',
    '  script:', // 25
    '    project: ./ml',
    '    entry_point: run.py',
    '    parameters: {anything: 1, "bad name": 2, rank: "${{ steps.load.status }}"}',
    '  broken:',
    '    project: ./missing', // 30
    '  wrongep:',
    '    project: ./ml',
    '    entry_point: nope',
    '  defaulted: {project: ./ml}',
  );

  test('without project information, the file is valid', () => {
    validSpec(text);
  });

  test('every project problem is reported at its place', () => {
    const problems = problemsOf(text, projects);
    expectProblem(problems, 'parameter "rank" is an int but "ten" is not an integer', { code: 'PARAM_INVALID', line: 15, column: 13 });
    expectProblem(problems, 'parameter "alpha" is a float but ${{ steps.load.run_id }} is a run id, not a number', { code: 'PARAM_INVALID', line: 16, column: 14 });
    expectProblem(problems, 'parameter "reg" is a float but ${{ inputs.label }} is a string input, not a number', { code: 'PARAM_INVALID', line: 17, column: 12 });
    expectProblem(problems, 'parameter "iters" is an int but ${{ steps.load.tags.n }} is a tag (text), not a number', { code: 'PARAM_INVALID', line: 18, column: 14 });
    const unknown = expectProblem(problems, 'entry point "als" has no parameter "bogus"', { line: 19, column: 7 });
    assert.match(unknown.message, /its parameters are "data", "rank"/);
    expectProblem(problems, 'step "train": parameter "data" of entry point "als" is required', { code: 'PARAM_MISSING', line: 14, column: 5 });
    expectProblem(problems, 'parameter name "bad name" cannot be passed', { code: 'PARAM_NAME_INVALID', line: 28, column: 31 });
    expectProblem(problems, 'step "broken": Project folder ./missing does not exist', { code: 'MLPROJECT_NOT_FOUND', line: 30, column: 14 });
    expectProblem(problems, "step \"wrongep\": Entry point 'nope' is not declared", { code: 'ENTRY_POINT_NOT_FOUND', line: 33, column: 18 });
    // "defaulted" uses entry point main (no parameters) and is fine; "load" is fine too.
    assert.equal(problems.length, 9, JSON.stringify(problems, null, 1));
  });

  test('the callback is called once per step that has a project', () => {
    const seen: string[] = [];
    problemsOf(lines('version: 1', 'name: x', 'steps:', '  a: {project: ./data, entry_point: load_raw}', '  b: {entry_point: x}'), (step) => {
      seen.push(step.name);
      return projects(step);
    });
    assert.deepEqual(seen, ['a']);
  });

  test('numeric references and literals that fit are accepted', () => {
    const ep = entryPoint('main', [param('f', 'float'), param('i', 'int')]);
    validSpec(
      lines(
        'version: 1',
        'name: x',
        'inputs: {lr: float, k: int}',
        'steps:',
        '  a: {project: ./p, parameters: {f: 1e-3, i: "-7"}}',
        '  b: {project: ./p, parameters: {f: "${{ inputs.k }}", i: "${{ steps.a.metrics.n }}"}}',
        '  c: {project: ./p, parameters: {f: "${{ steps.a.params.f }}", i: "${{ inputs.lr }}"}}',
      ),
      fakeProjects({ './p': [ep] }),
    );
  });
});

describe('several problems at once', () => {
  test('shape and semantic problems are all reported, sorted by position, with the file label', () => {
    const r = parseWorkflowYaml(
      lines(
        'version: 3', // 1
        'nme: x',
        'inputs:',
        '  rate: {type: float, default: fast}',
        'steps:', // 5
        '  load:',
        '    project: ./data',
        '    cache: maybe',
        '  etl:',
        '    project: ./ml', // 10
        '    parameters:',
        '      a: ${{ steps.lod.artifact_dir }}',
        '      b: ${{ inputs.rte }}',
        '    needs: [etl]',
      ),
      'flows/als.yaml',
    );
    assert.ok(r.spec, 'a spec is returned even when there are problems');
    assert.deepEqual(
      r.problems.map((p) => formatProblem(p)),
      [
        'flows/als.yaml:1:1: missing "name": give the workflow a name',
        'flows/als.yaml:1:10: unsupported version 3: this version of Baton reads workflow files with "version: 1"',
        'flows/als.yaml:2:1: workflow: unknown key "nme"; allowed keys: version, name, description, experiment, inputs, steps',
        'flows/als.yaml:4:32: input "rate" is a float but its default "fast" is not a number',
        'flows/als.yaml:8:12: step "load": "cache" must be true or false, not the text "maybe"',
        'flows/als.yaml:12:10: step "etl", parameter "a": ${{ steps.lod.artifact_dir }} refers to unknown step "lod" (the steps are "load", "etl")',
        'flows/als.yaml:13:10: step "etl", parameter "b": ${{ inputs.rte }} refers to unknown input "rte" (the inputs are "rate")',
        'flows/als.yaml:14:13: step "etl" needs itself',
      ],
    );
    assert.ok(r.problems.every((p) => p.code === 'WORKFLOW_INVALID' && p.file === 'flows/als.yaml'));
  });
});

describe('validateWorkflowSpec on in-memory specs', () => {
  const base = (): WorkflowSpec => ({
    version: 1,
    name: 'mem',
    description: null,
    experiment: null,
    inputs: [],
    steps: [
      { name: 'a', description: null, project: 'p', entryPoint: 'main', parameters: [], needs: [], cache: true },
      { name: 'b', description: null, project: 'p', entryPoint: 'main', parameters: [{ name: 'x', value: '${{ steps.a.run_id }}' }], needs: [], cache: true },
    ],
  });

  test('a valid spec has no problems', () => {
    assert.deepEqual(validateWorkflowSpec(base()), []);
  });

  test('problems without positions have no file, line or column', () => {
    const spec = base();
    spec.steps.push({ ...spec.steps[0]!, entryPoint: '' });
    spec.steps[1]!.parameters.push({ name: 'x', value: '${{ inputs.q }}' });
    const problems = validateWorkflowSpec(spec);
    assert.deepEqual(
      problems.map((p) => p.message),
      [
        'step "a" is defined twice',
        'step "b", parameter "x" is given twice',
        'step "b", parameter "x": ${{ inputs.q }} refers to unknown input "q" (the workflow declares no inputs)',
        'step "a": "entry_point" is empty: remove it to use "main"',
      ],
    );
    assert.ok(problems.every((p) => p.file === undefined && p.line === undefined && p.column === undefined));
  });

  test('an input of an unknown type is reported', () => {
    const spec = base();
    spec.inputs.push({ name: 'i', type: 'bogus' as 'string', default: null, description: null });
    assert.match(validateWorkflowSpec(spec)[0]?.message ?? '', /input "i" has unknown type "bogus"/);
  });
});

describe('valueFitsType', () => {
  test('int and float follow Python int()/float(); other types accept anything', () => {
    for (const v of ['1', '-7', '+3', '007', '1_000']) assert.ok(valueFitsType('int', v), v);
    for (const v of ['1.5', '1e3', 'ten', '', '0x1F']) assert.ok(!valueFitsType('int', v), v);
    for (const v of ['1', '0.10', '.5', '5.', '-2e3', 'inf', 'NaN', '1_000.5']) assert.ok(valueFitsType('float', v), v);
    for (const v of ['abc', '', '1e', '.', '0x1F']) assert.ok(!valueFitsType('float', v), v);
    for (const t of ['string', 'path', 'uri', 'whatever']) assert.ok(valueFitsType(t, 'anything'));
  });
});
