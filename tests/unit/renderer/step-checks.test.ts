import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EntryPointSpec } from '../../../common/types.js';
import type { StepData } from '../../../renderer/src/graph/types.js';
import { fieldProblems, literalFits, paramRows, previewCommand } from '../../../renderer/src/lib/step-checks.js';
import { implicitEntryPoint } from '../../../renderer/src/store/selectors.js';

const EP: EntryPointSpec = {
  name: 'train',
  parameters: [
    { name: 'data', type: 'path', default: null, required: true },
    { name: 'alpha', type: 'float', default: '0.5', required: false },
    { name: 'epochs', type: 'int', default: '10', required: false },
    { name: 'src', type: 'uri', default: 's3://b/k', required: false },
  ],
  command: 'python train.py --data {data} --alpha {alpha} --epochs {epochs} --src {src}',
  implicit: false,
};
const step = (parameters: { name: string; value: string }[]): StepData => ({
  name: 's',
  description: null,
  project: './p',
  entryPoint: 'train',
  parameters,
  needs: [],
  cache: true,
});

describe('inspector checks', () => {
  test('literals are checked with the engine rules (Python float/int, URIs), required ones reported', () => {
    const problems = fieldProblems(EP, step([{ name: 'alpha', value: 'fast' }, { name: 'epochs', value: '1.5' }, { name: 'src', value: 'no-scheme' }]), []);
    assert.match(problems.alpha ?? '', /has type float, but "fast"/);
    assert.match(problems.epochs ?? '', /has type int, but "1.5"/);
    assert.match(problems.src ?? '', /Expected URI for parameter src/);
    assert.equal(problems.data, 'required: this parameter has no default');
    const ok = fieldProblems(EP, step([{ name: 'data', value: './d' }, { name: 'alpha', value: '1_000.5' }, { name: 'epochs', value: ' +7 ' }]), []);
    assert.deepEqual(ok, {});
  });

  test('bound values: metrics/params and numeric inputs may feed numbers, other attributes may not', () => {
    const inputs = [
      { name: 'n', type: 'int' as const, default: '3', description: null },
      { name: 'label', type: 'string' as const, default: 'x', description: null },
    ];
    const p = fieldProblems(
      EP,
      step([
        { name: 'data', value: '${{ steps.a.artifact_dir }}/x' },
        { name: 'alpha', value: '${{ steps.a.metrics.rmse }}' },
        { name: 'epochs', value: '${{ steps.a.run_id }}' },
        { name: 'src', value: '${{ steps.a.artifact_uri }}' },
      ]),
      inputs,
    );
    assert.deepEqual(Object.keys(p), ['epochs']);
    assert.match(p.epochs ?? '', /steps\.a\.run_id is not a number/);
    assert.match(fieldProblems(EP, step([{ name: 'data', value: 'd' }, { name: 'epochs', value: '${{ inputs.label }}' }]), inputs).epochs ?? '', /inputs\.label/);
    assert.match(fieldProblems(EP, step([{ name: 'data', value: '${{ steps.x' }]), inputs).data ?? '', /unterminated/);
  });

  test('command preview renders like the engine, with placeholders for run-time values', () => {
    const preview = previewCommand(
      EP,
      step([
        { name: 'data', value: '${{ steps.load.artifact_dir }}/my data.csv' },
        { name: 'alpha', value: '${{ inputs.alpha }}' },
      ]),
      [{ name: 'alpha', type: 'float', default: '0.10', description: null }],
    );
    assert.deepEqual(preview, {
      ok: true,
      command: "python train.py --data '<steps.load.artifact_dir>/my data.csv' --alpha 0.10 --epochs 10 --src s3://b/k",
    });
    const withRunValue = previewCommand(EP, step([{ name: 'data', value: 'd' }, { name: 'alpha', value: '${{ inputs.alpha }}' }]), [{ name: 'alpha', type: 'float', default: '0.10', description: null }], { alpha: '0.7' });
    assert.ok(withRunValue.ok && withRunValue.command.includes('--alpha 0.7'));
    const missing = previewCommand(EP, step([]), []);
    assert.deepEqual(missing, { ok: false, message: "No value given for missing parameters: 'data'" });
    assert.equal(previewCommand(null, step([]), []).ok, false);
  });

  test('scripts: MLflow runs them with python/bash and passes parameters as --name value', () => {
    const ep = implicitEntryPoint('my script.py');
    assert.ok(ep);
    assert.equal(implicitEntryPoint('my script.py'), ep, 'stable object for store selectors');
    const preview = previewCommand(ep, { ...step([{ name: 'lr', value: '0.1' }]), entryPoint: 'my script.py' }, []);
    assert.deepEqual(preview, { ok: true, command: "python 'my script.py' --lr 0.1" });
    assert.equal(implicitEntryPoint('notes.txt'), null);
  });

  test('parameter rows: declared first with types and defaults, then extras', () => {
    const rows = paramRows(EP, step([{ name: 'extra', value: '1' }, { name: 'alpha', value: '${{ inputs.a }}' }]));
    assert.deepEqual(
      rows.map((r) => [r.name, r.type, r.required, r.declared, r.refs.join(',')]),
      [
        ['data', 'path', true, true, ''],
        ['alpha', 'float', false, true, 'inputs.a'],
        ['epochs', 'int', false, true, ''],
        ['src', 'uri', false, true, ''],
        ['extra', 'string', false, false, ''],
      ],
    );
    assert.ok(literalFits('float', '1e3'));
    assert.ok(!literalFits('int', '1e3'));
  });
});
