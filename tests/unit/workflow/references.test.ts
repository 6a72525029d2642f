import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  escapeTemplateText,
  formatReference,
  parseTemplate,
  referencesOf,
  renderTemplate,
} from '../../../common/workflow/references.js';
import type { Reference, StepSpec } from '../../../common/workflow/types.js';
import { expectAppError } from './helpers.js';

const show = (ref: Reference): string => formatReference(ref);

describe('parseTemplate', () => {
  test('plain text is one text segment', () => {
    assert.deepEqual(parseTemplate('hello world'), {
      segments: [{ kind: 'text', text: 'hello world', start: 0, end: 11 }],
      errors: [],
    });
  });

  test('empty string has no segments', () => {
    assert.deepEqual(parseTemplate(''), { segments: [], errors: [] });
  });

  test('references anywhere, several per string, with offsets', () => {
    const v = 'a/${{ steps.load.artifact_dir }}/b-${{inputs.x}}';
    const { segments, errors } = parseTemplate(v);
    assert.deepEqual(errors, []);
    assert.deepEqual(segments, [
      { kind: 'text', text: 'a/', start: 0, end: 2 },
      {
        kind: 'reference',
        ref: { kind: 'step', step: 'load', attribute: 'artifact_dir', key: null },
        raw: '${{ steps.load.artifact_dir }}',
        start: 2,
        end: 32,
      },
      { kind: 'text', text: '/b-', start: 32, end: 35 },
      { kind: 'reference', ref: { kind: 'input', input: 'x' }, raw: '${{inputs.x}}', start: 35, end: 48 },
    ]);
  });

  test('whitespace inside the braces is optional and may be generous', () => {
    for (const v of ['${{steps.a.run_id}}', '${{ steps.a.run_id }}', '${{   steps.a.run_id\t}}']) {
      const { segments, errors } = parseTemplate(v);
      assert.deepEqual(errors, [], v);
      assert.equal(segments.length, 1);
      const s = segments[0];
      assert.ok(s?.kind === 'reference');
      assert.deepEqual(s.ref, { kind: 'step', step: 'a', attribute: 'run_id', key: null });
    }
  });

  test('every plain attribute is accepted', () => {
    for (const attr of ['run_id', 'status', 'experiment_id', 'artifact_uri', 'artifact_dir'] as const) {
      const s = parseTemplate(`\${{ steps.s-1.${attr} }}`).segments[0];
      assert.ok(s?.kind === 'reference');
      assert.deepEqual(s.ref, { kind: 'step', step: 's-1', attribute: attr, key: null });
    }
  });

  test('params/metrics/tags keys may contain dots, slashes, colons, dashes and inner spaces', () => {
    const cases: [string, Reference][] = [
      ['${{ steps.a.tags.mlflow.runName }}', { kind: 'step', step: 'a', attribute: 'tags', key: 'mlflow.runName' }],
      ['${{ steps.a.metrics.val/rmse:2 }}', { kind: 'step', step: 'a', attribute: 'metrics', key: 'val/rmse:2' }],
      ['${{ steps.a.params.learning-rate }}', { kind: 'step', step: 'a', attribute: 'params', key: 'learning-rate' }],
      ['${{ steps.a.metrics.my metric }}', { kind: 'step', step: 'a', attribute: 'metrics', key: 'my metric' }],
    ];
    for (const [v, ref] of cases) {
      const { segments, errors } = parseTemplate(v);
      assert.deepEqual(errors, [], v);
      const s = segments[0];
      assert.ok(s?.kind === 'reference', v);
      assert.deepEqual(s.ref, ref);
    }
  });

  test('escapes: $${{ is a literal ${{, $$ before {{ is one $', () => {
    const lit = (v: string): string => {
      const { segments, errors } = parseTemplate(v);
      assert.deepEqual(errors, [], v);
      assert.ok(segments.every((s) => s.kind === 'text'), v);
      return segments.map((s) => (s.kind === 'text' ? s.text : '')).join('');
    };
    assert.equal(lit('$${{ steps.a.run_id }}'), '${{ steps.a.run_id }}');
    assert.equal(lit('echo $${{ not a ref'), 'echo ${{ not a ref');
    assert.equal(lit('$$$${{x'), '$${{x');
    assert.equal(lit('$HOME and $$ and ${x} and {{y}}'), '$HOME and $$ and ${x} and {{y}}');
  });

  test('an odd run of $ before {{ is literal dollars followed by a reference', () => {
    const { segments, errors } = parseTemplate('cost: $$${{ inputs.price }}');
    assert.deepEqual(errors, []);
    assert.deepEqual(segments, [
      { kind: 'text', text: 'cost: $', start: 0, end: 8 },
      { kind: 'reference', ref: { kind: 'input', input: 'price' }, raw: '${{ inputs.price }}', start: 8, end: 27 },
    ]);
  });

  test('syntax errors carry offsets and a message; parsing continues after them', () => {
    const v = 'x ${{ steps.a }} y ${{ inputs.ok }} ${{ nope.z }}';
    const { segments, errors } = parseTemplate(v);
    assert.equal(errors.length, 2);
    assert.deepEqual(
      errors.map((e) => [e.kind, e.start, e.end, v.slice(e.start, e.end)]),
      [
        ['syntax', 2, 16, '${{ steps.a }}'],
        ['syntax', 36, 49, '${{ nope.z }}'],
      ],
    );
    assert.match(errors[0]?.message ?? '', /missing attribute/);
    assert.match(errors[1]?.message ?? '', /is not a reference/);
    assert.equal(segments.filter((s) => s.kind === 'reference').length, 1);
  });

  test('each kind of malformed reference is reported', () => {
    const cases: [string, RegExp][] = [
      ['${{ steps.a.run_id', /unterminated/],
      ['${{ }}', /empty reference/],
      ['${{ inputs.1x }}', /not an input name/],
      ['${{ inputs. }}', /not an input name/],
      ['${{ steps.9a.run_id }}', /expected steps.NAME.ATTRIBUTE/],
      ['${{ steps.a.params }}', /missing key/],
      ['${{ steps.a.params. }}', /missing key/],
      ['${{ steps.a.tags.bad$key }}', /not a valid tags key/],
      ['${{ steps.a.params. x }}', /not a valid params key/],
      ['${{ step.a.run_id }}', /is not a reference/],
    ];
    for (const [v, re] of cases) {
      const { errors } = parseTemplate(v);
      assert.equal(errors.length, 1, v);
      assert.equal(errors[0]?.kind, 'syntax', v);
      assert.match(errors[0]?.message ?? '', re, v);
    }
  });

  test('a singular params/metrics/tags prefix gets a hint', () => {
    assert.match(parseTemplate('${{ steps.a.metric.rmse }}').errors[0]?.message ?? '', /unknown attribute "metric.rmse" \(did you mean "metrics.rmse"\?\)/);
  });

  test('an unknown attribute is its own error kind and lists the allowed ones', () => {
    const { errors } = parseTemplate('${{ steps.a.runid }}');
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.kind, 'unknown-attribute');
    assert.match(errors[0]?.message ?? '', /unknown attribute "runid".*run_id, status, experiment_id, artifact_uri, artifact_dir, params.KEY, metrics.KEY, tags.KEY/);
  });
});

describe('renderTemplate', () => {
  const resolve = (ref: Reference): string => `<${show(ref)}>`;

  test('replaces references and undoes escapes', () => {
    assert.equal(
      renderTemplate('$${{ lit }} ${{ steps.a.metrics.rmse }}/$$${{inputs.x}}', resolve),
      '${{ lit }} <${{ steps.a.metrics.rmse }}>/$<${{ inputs.x }}>',
    );
  });

  test('throws WORKFLOW_INVALID on a syntax error', () => {
    const e = expectAppError(() => renderTemplate('a ${{ steps.a }}', resolve), 'WORKFLOW_INVALID');
    assert.match(e.message, /missing attribute/);
  });

  test('escapeTemplateText makes any literal render to itself', () => {
    for (const s of ['', 'plain', '${{ steps.a.run_id }}', '$${{', '$$$', '$ {{', 'a$$${{b}}c', '{{$}}', '${{${{']) {
      const escaped = escapeTemplateText(s);
      assert.deepEqual(parseTemplate(escaped).errors, [], s);
      assert.equal(renderTemplate(escaped, () => 'REF'), s);
    }
  });
});

describe('referencesOf', () => {
  test('lists well-formed references of every parameter in order, skipping malformed ones', () => {
    const step: StepSpec = {
      name: 'etl',
      description: null,
      project: '.',
      entryPoint: 'main',
      cache: true,
      needs: [],
      parameters: [
        { name: 'a', value: '${{ steps.load.run_id }}-${{ inputs.n }}' },
        { name: 'b', value: 'no refs $${{ steps.x.run_id }}' },
        { name: 'c', value: '${{ steps.load }} ${{ steps.other.tags.k }}' },
      ],
    };
    assert.deepEqual(
      referencesOf(step).map((r) => [r.parameter, show(r.ref), r.start, r.end]),
      [
        ['a', '${{ steps.load.run_id }}', 0, 24],
        ['a', '${{ inputs.n }}', 25, 40],
        ['c', '${{ steps.other.tags.k }}', 18, 43],
      ],
    );
  });
});
