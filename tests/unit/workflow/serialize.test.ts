import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { checkWorkflowShape, parseWorkflowShape, parseWorkflowYaml, stripSourcePositions, workflowToYaml } from '../../../common/workflow/serialize.js';
import type { ProjectLookup } from '../../../common/workflow/validate.js';
import type { StepSpec, WorkflowSpec } from '../../../common/workflow/types.js';
import { lines, validSpec } from './helpers.js';

const EXAMPLE = lines(
  'version: 1',
  'name: als-recommender',
  'description: optional text',
  'experiment: recsys',
  'inputs:',
  '  max_row_limit: {type: float, default: 100000, description: optional}',
  '  data_dir: path            # bare type string = required input',
  'steps:',
  '  load:',
  '    project: ./multistep            # relative to the workflow file\'s folder',
  '    entry_point: load_raw_data      # default "main"',
  '  etl:',
  '    project: ./multistep',
  '    entry_point: etl_data',
  '    parameters:',
  '      ratings_csv: ${{ steps.load.artifact_dir }}/ratings-csv-dir',
  '      max_row_limit: ${{ inputs.max_row_limit }}',
  '  train:',
  '    project: ./multistep',
  '    entry_point: als',
  '    parameters:',
  '      run_id: ${{ steps.etl.run_id }}',
  '      alpha: 0.10',
  '      rank: 010',
  '      big: 1e3',
  '      flag: yes',
  '      on: true',
  '      hex: 0x1F',
  '    needs: [load]',
  '    cache: false',
);

/** Parses text that must be valid, writes it and parses it again: both specs must be equal. */
function roundTrip(spec: WorkflowSpec): { text: string; again: WorkflowSpec } {
  const text = workflowToYaml(spec);
  const r = parseWorkflowYaml(text, 'out.yaml');
  assert.deepEqual(r.problems, [], `written text does not parse cleanly:\n${text}`);
  assert.ok(r.spec);
  assert.deepEqual(stripSourcePositions(r.spec), stripSourcePositions(spec), text);
  return { text, again: r.spec };
}

describe('parseWorkflowYaml', () => {
  test('reads the example into a spec with defaults and source positions', () => {
    const spec = validSpec(EXAMPLE);
    assert.equal(spec.name, 'als-recommender');
    assert.equal(spec.description, 'optional text');
    assert.equal(spec.experiment, 'recsys');
    assert.equal(spec.file, 'wf.yaml');
    assert.deepEqual(spec.pos, { line: 1, column: 1, offset: 0 });
    assert.deepEqual(
      spec.steps.map((s) => [s.name, s.project, s.entryPoint, s.cache, s.needs.map((n) => n.step)]),
      [
        ['load', './multistep', 'load_raw_data', true, []],
        ['etl', './multistep', 'etl_data', true, []],
        ['train', './multistep', 'als', false, ['load']],
      ],
    );
    const train = spec.steps[2] as StepSpec;
    assert.deepEqual(train.pos, { line: 18, column: 3, offset: EXAMPLE.indexOf('  train:') + 2 });
    assert.deepEqual(train.needs[0]?.pos && [train.needs[0].pos.line, train.needs[0].pos.column], [29, 13]);
    const alpha = train.parameters.find((p) => p.name === 'alpha');
    assert.deepEqual(alpha && [alpha.pos?.line, alpha.pos?.column, alpha.valuePos?.line, alpha.valuePos?.column], [23, 7, 23, 14]);
  });

  test('numbers and booleans keep their source text', () => {
    const train = validSpec(EXAMPLE).steps[2] as StepSpec;
    assert.deepEqual(
      train.parameters.map((p) => [p.name, p.value]),
      [
        ['run_id', '${{ steps.etl.run_id }}'],
        ['alpha', '0.10'],
        ['rank', '010'],
        ['big', '1e3'],
        ['flag', 'yes'],
        ['on', 'true'],
        ['hex', '0x1F'],
      ],
    );
    assert.equal(validSpec(EXAMPLE).inputs[0]?.default, '100000');
  });

  test('entry_point defaults to main, cache to true, needs accepts a string', () => {
    const spec = validSpec(lines('version: 1', 'name: x', 'steps:', '  a: {project: .}', '  b: {project: ., needs: a}'));
    assert.deepEqual(stripSourcePositions(spec).steps, [
      { name: 'a', description: null, project: '.', entryPoint: 'main', parameters: [], needs: [], cache: true },
      { name: 'b', description: null, project: '.', entryPoint: 'main', parameters: [], needs: [{ step: 'a' }], cache: true },
    ]);
  });

  test('aliases are followed', () => {
    const spec = validSpec(lines('version: 1', 'name: x', 'steps:', '  a: {project: &p ./proj}', '  b: {project: *p}'));
    assert.equal(spec.steps[1]?.project, './proj');
  });
});

describe('one parse checked both ways (parseWorkflowShape + checkWorkflowShape)', () => {
  const noProject: ProjectLookup = () => ({ error: 'no such project', code: 'MLPROJECT_NOT_FOUND' });
  const texts = {
    valid: 'version: 1\nname: w\nsteps:\n  a:\n    project: ./p\n    parameters:\n      x: 1\n',
    'a shape problem': 'version: 1\nname: w\nbogus: 1\nsteps:\n  a:\n    project: ./p\n    parameters:\n      x: [1, 2]\n',
    'a semantic problem': 'version: 1\nname: w\nsteps:\n  a:\n    project: ./p\n    parameters:\n      x: ${{ steps.nope.run_id }}\n',
    'not YAML': 'version: 1\nname: [unclosed\n',
    'not a mapping': '- a\n- b\n',
  };
  for (const [name, text] of Object.entries(texts)) {
    test(`${name}: the same as parseWorkflowYaml, without and with projects`, () => {
      const shape = parseWorkflowShape(text, 'w.yaml');
      assert.deepEqual(checkWorkflowShape(shape), parseWorkflowYaml(text, 'w.yaml'));
      assert.deepEqual(checkWorkflowShape(shape, noProject), parseWorkflowYaml(text, 'w.yaml', noProject));
      // Checking does not change the parse: both checks can use one.
      assert.deepEqual(parseWorkflowShape(text, 'w.yaml'), shape);
    });
  }
});

describe('workflowToYaml', () => {
  test('round trip of the example', () => {
    const spec = validSpec(EXAMPLE);
    const { text, again } = roundTrip(spec);
    assert.equal(workflowToYaml(again), text, 'writing is stable');
  });

  test('writes a clean, predictable text', () => {
    assert.equal(
      workflowToYaml(validSpec(EXAMPLE)),
      lines(
        'version: 1',
        'name: als-recommender',
        'description: optional text',
        'experiment: recsys',
        '',
        'inputs:',
        '  max_row_limit:',
        '    type: float',
        '    default: 100000',
        '    description: optional',
        '  data_dir: path',
        '',
        'steps:',
        '  load:',
        '    project: ./multistep',
        '    entry_point: load_raw_data',
        '',
        '  etl:',
        '    project: ./multistep',
        '    entry_point: etl_data',
        '    parameters:',
        '      ratings_csv: ${{ steps.load.artifact_dir }}/ratings-csv-dir',
        '      max_row_limit: ${{ inputs.max_row_limit }}',
        '',
        '  train:',
        '    project: ./multistep',
        '    entry_point: als',
        '    parameters:',
        '      run_id: ${{ steps.etl.run_id }}',
        '      alpha: 0.10',
        '      rank: 010',
        '      big: 1e3',
        '      flag: yes',
        '      on: true',
        '      hex: 0x1F',
        '    needs: [load]',
        '    cache: false',
      ),
    );
  });

  test('round trip of tricky values, names and keys', () => {
    const tricky = [
      '',
      ' leading and trailing ',
      'null',
      '~',
      'true',
      'False',
      '0.10',
      '-0',
      '.inf',
      '1_000',
      '12:30',
      'a: b',
      '# not a comment',
      'x #y',
      '- dash',
      '[1, 2]',
      '{a: 1}',
      "it's \"quoted\"",
      'multi\nline\n',
      'no final newline\nsecond',
      '  indented\nblock',
      'tab\there',
      'ünïcödé ✓',
      '${{ inputs.u }}/x',
      'x $${{ literal }} $$${{ inputs.i }}',
      '*star',
      '&amp',
      '!bang',
      '%percent',
      '@at',
      '`tick`',
      '|pipe',
      '>gt',
      '?',
      '? q',
      '"',
      "'",
      'a'.repeat(300),
      'trailing backslash \\',
      '\u0007 control',
    ];
    const spec: WorkflowSpec = {
      version: 1,
      name: 'true',
      description: 'line one\nline two',
      experiment: '123',
      inputs: [
        { name: 'i', type: 'string', default: null, description: null },
        { name: 'f', type: 'float', default: '0.50', description: null },
        { name: 'n', type: 'int', default: '007', description: 'with: colon' },
        { name: 'p', type: 'path', default: '', description: null },
        { name: 'u', type: 'uri', default: null, description: 'desc only' },
      ],
      steps: [
        {
          name: 'a',
          description: null,
          project: '../some dir/proj',
          entryPoint: 'main',
          parameters: tricky.map((value, i) => ({ name: `p${i}`, value })),
          needs: [],
          cache: true,
        },
        {
          name: 'b_2-x',
          description: 'second: step',
          project: '.',
          entryPoint: 'train.py',
          parameters: [
            { name: '1', value: '1' },
            { name: 'true', value: 'x' },
            { name: 'with space', value: 'y' },
            { name: 'key: colon', value: 'z' },
            { name: 'a.b/c', value: 'w' },
          ],
          needs: [{ step: 'a' }],
          cache: false,
        },
        { name: 'c', description: null, project: 'c', entryPoint: 'main', parameters: [], needs: [{ step: 'a' }, { step: 'b_2-x' }], cache: true },
      ],
    };
    const { text, again } = roundTrip(spec);
    assert.equal(workflowToYaml(again), text, 'writing is stable');
    assert.match(text, /^name: "true"$/m);
    assert.match(text, /^ {6}p6: 0\.10$/m, 'numbers are written unquoted with their text');
    assert.match(text, /^ {6}p2: "null"$/m, 'null-like text is quoted');
    assert.match(text, /^ {4}needs: \[a, b_2-x\]$/m);
    assert.doesNotMatch(text, /entry_point: main/);
    assert.doesNotMatch(text, /cache: true/);
  });

  test('positions and the file label are not written', () => {
    const text = workflowToYaml(validSpec(EXAMPLE));
    assert.doesNotMatch(text, /wf\.yaml|line|offset|valueSource/);
  });

  test('a spec with problems is still written faithfully', () => {
    const r = parseWorkflowYaml(lines('version: 1', 'name: x', 'steps:', '  a:', '    project: p', '    parameters: {x: "${{ steps.zz.run_id }}"}'), 'x');
    assert.equal(r.problems.length, 1);
    assert.ok(r.spec);
    const again = parseWorkflowYaml(workflowToYaml(r.spec), 'x');
    assert.deepEqual(again.problems.map((p) => p.message), r.problems.map((p) => p.message));
    assert.deepEqual(stripSourcePositions(again.spec as WorkflowSpec), stripSourcePositions(r.spec));
  });
});
