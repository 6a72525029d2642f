/** The run search filter parser: every construct MLflow accepts, and one test per kind of mistake. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppError } from '../../../common/errors.js';
import type { SearchSyntaxErrorDetails } from '../../../common/search/filter.js';
import { parseFilter } from '../../../common/search/filter.js';

/** The clauses without their spans, for compact expectations. */
function parse(expr: string): unknown[] {
  return parseFilter(expr).map(({ position: _p, end: _e, ...rest }) => rest);
}

function fails(expr: string): AppError & { details: SearchSyntaxErrorDetails } {
  try {
    parseFilter(expr);
  } catch (e) {
    assert.ok(e instanceof AppError, `expected an AppError for ${expr}`);
    assert.equal(e.code, 'FILTER_INVALID');
    return e as AppError & { details: SearchSyntaxErrorDetails };
  }
  assert.fail(`expected ${expr} to be rejected`);
}

describe('parseFilter: constructs', () => {
  test('empty and blank filters have no clauses', () => {
    assert.deepEqual(parseFilter(''), []);
    assert.deepEqual(parseFilter('   \t\n'), []);
    assert.deepEqual(parseFilter(undefined), []);
    assert.deepEqual(parseFilter(null), []);
  });

  test('metrics take every numeric comparator and number forms', () => {
    for (const op of ['=', '!=', '<', '<=', '>', '>=']) {
      assert.deepEqual(parse(`metrics.rmse ${op} 0.5`), [
        { type: 'metric', key: 'rmse', comparator: op, value: 0.5 },
      ]);
    }
    assert.deepEqual(
      ['1', '-2', '0.25', '.5', '5.', '1e3', '-1.5E-2', '2e+2'].map(
        (n) => (parseFilter(`metrics.m > ${n}`)[0] as { value: number }).value,
      ),
      [1, -2, 0.25, 0.5, 5, 1000, -0.015, 200],
    );
    assert.deepEqual(parse('metrics.rmse<1'), [{ type: 'metric', key: 'rmse', comparator: '<', value: 1 }]);
  });

  test('params and tags take =, !=, LIKE, ILIKE (any case) and single- or double-quoted values', () => {
    assert.deepEqual(parse(`params.alpha = '0.1'`), [
      { type: 'parameter', key: 'alpha', comparator: '=', value: '0.1' },
    ]);
    assert.deepEqual(parse(`params.alpha != "0.1"`), [
      { type: 'parameter', key: 'alpha', comparator: '!=', value: '0.1' },
    ]);
    assert.deepEqual(parse(`tags.team like 'c%'`), [
      { type: 'tag', key: 'team', comparator: 'LIKE', value: 'c%' },
    ]);
    assert.deepEqual(parse(`tags.team ILike "C_re"`), [
      { type: 'tag', key: 'team', comparator: 'ILIKE', value: 'C_re' },
    ]);
  });

  test('IS NULL and IS NOT NULL on params and tags (MLflow 3.x)', () => {
    assert.deepEqual(parse('params.lr IS NULL and tags.env is  not   null'), [
      { type: 'parameter', key: 'lr', comparator: 'IS NULL' },
      { type: 'tag', key: 'env', comparator: 'IS NOT NULL' },
    ]);
  });

  test("MLflow's entity aliases", () => {
    const kinds = (prefix: string): unknown =>
      (parseFilter(`${prefix}.x = ${prefix.startsWith('metric') ? '1' : "'1'"}`)[0] as { type: string }).type;
    assert.deepEqual(['metric', 'metrics'].map(kinds), ['metric', 'metric']);
    assert.deepEqual(['param', 'params', 'parameter', 'parameters'].map(kinds), [
      'parameter',
      'parameter',
      'parameter',
      'parameter',
    ]);
    assert.deepEqual(['tag', 'tags'].map(kinds), ['tag', 'tag']);
    assert.deepEqual(
      ['attribute', 'attributes', 'attr', 'run', 'runs'].map((p) => parse(`${p}.status = 'RUNNING'`)[0]),
      Array(5).fill({ type: 'attribute', key: 'status', comparator: '=', value: 'RUNNING' }),
    );
    assert.deepEqual(parse('`metrics`.acc > 1'), [{ type: 'metric', key: 'acc', comparator: '>', value: 1 }]);
  });

  test('dotted keys unquoted, special keys quoted with backticks or double quotes', () => {
    assert.deepEqual(parse(`tags.mlflow.project.entryPoint = 'main'`), [
      { type: 'tag', key: 'mlflow.project.entryPoint', comparator: '=', value: 'main' },
    ]);
    assert.deepEqual(parse(`tags."mlflow.runName" = 'r'`), [
      { type: 'tag', key: 'mlflow.runName', comparator: '=', value: 'r' },
    ]);
    assert.deepEqual(parse('metrics.`f1 score` >= 0.5'), [
      { type: 'metric', key: 'f1 score', comparator: '>=', value: 0.5 },
    ]);
    assert.deepEqual(parse('metrics."cross-entropy" < 1'), [
      { type: 'metric', key: 'cross-entropy', comparator: '<', value: 1 },
    ]);
    assert.deepEqual(parse(`params."1st" = 'x'`), [
      { type: 'parameter', key: '1st', comparator: '=', value: 'x' },
    ]);
    assert.deepEqual(parse('metrics.`a``b` = 1'), [
      { type: 'metric', key: 'a`b', comparator: '=', value: 1 },
    ]);
    assert.deepEqual(parse(`params.größe = 'x'`), [
      { type: 'parameter', key: 'größe', comparator: '=', value: 'x' },
    ]);
  });

  test('quotes inside values are doubled; the other quote kind needs no escape', () => {
    assert.deepEqual(parse(`tags.note = 'it''s'`), [
      { type: 'tag', key: 'note', comparator: '=', value: "it's" },
    ]);
    assert.deepEqual(parse(`tags.note = "say ""hi"""`), [
      { type: 'tag', key: 'note', comparator: '=', value: 'say "hi"' },
    ]);
    assert.deepEqual(parse(`tags.note = "it's"`), [
      { type: 'tag', key: 'note', comparator: '=', value: "it's" },
    ]);
    assert.deepEqual(parse(`tags.path = 'C:\\temp\\'`), [
      { type: 'tag', key: 'path', comparator: '=', value: 'C:\\temp\\' },
    ]);
    assert.deepEqual(parse(`tags.x = ''`), [{ type: 'tag', key: 'x', comparator: '=', value: '' }]);
  });

  test('bare attribute names and their MLflow aliases', () => {
    assert.deepEqual(parse(`status = 'FINISHED'`), [
      { type: 'attribute', key: 'status', comparator: '=', value: 'FINISHED' },
    ]);
    assert.deepEqual(
      ['run_id', 'run_name', 'user_id', 'artifact_uri'].map(
        (k) => (parseFilter(`${k} LIKE '%'`)[0] as { key: string }).key,
      ),
      ['run_id', 'run_name', 'user_id', 'artifact_uri'],
    );
    assert.deepEqual(parse('start_time >= 10 AND end_time < 20'), [
      { type: 'attribute', key: 'start_time', comparator: '>=', value: 10 },
      { type: 'attribute', key: 'end_time', comparator: '<', value: 20 },
    ]);
    assert.deepEqual(parse('created > 5 AND attributes.Created < 9'), [
      { type: 'attribute', key: 'start_time', comparator: '>', value: 5 },
      { type: 'attribute', key: 'start_time', comparator: '<', value: 9 },
    ]);
    assert.deepEqual(parse(`"run name" = 'a' and attributes.\`Run Name\` ILIKE 'A'`), [
      { type: 'attribute', key: 'run_name', comparator: '=', value: 'a' },
      { type: 'attribute', key: 'run_name', comparator: 'ILIKE', value: 'A' },
    ]);
  });

  test('IN and NOT IN on run_id, with either quote kind and a trailing comma', () => {
    assert.deepEqual(parse(`run_id IN ('a1', "b2",)`), [
      { type: 'attribute', key: 'run_id', comparator: 'IN', value: ['a1', 'b2'] },
    ]);
    assert.deepEqual(parse(`attributes.run_id not  in ('a1')`), [
      { type: 'attribute', key: 'run_id', comparator: 'NOT IN', value: ['a1'] },
    ]);
  });

  test('clauses join with AND in any case, and record where they are', () => {
    const f = `  metrics.a > 1 AND params.b = 'x'  and tags.c != 'y' `;
    const clauses = parseFilter(f);
    assert.equal(clauses.length, 3);
    assert.deepEqual(
      clauses.map((c) => f.slice(c.position, c.end)),
      ['metrics.a > 1', `params.b = 'x'`, `tags.c != 'y'`],
    );
    assert.equal(parseFilter(`params.b='x'AND params.c='y'`).length, 2);
  });
});

describe('parseFilter: errors say what is wrong and where', () => {
  const cases: [string, string, string, number][] = [
    // [kind, filter, message, position]
    [
      'operator that is not a comparison',
      'metrics.rmse <> 1',
      "Invalid filter 'metrics.rmse <> 1': expected a comparison operator at position 13, found '<>'; metrics support =, !=, <, <=, >, >=",
      13,
    ],
    [
      '== is not a comparison',
      `params.a == 'x'`,
      "Invalid filter 'params.a == 'x'': expected a comparison operator at position 9, found '=='; params support =, !=, LIKE, ILIKE, IS NULL, IS NOT NULL",
      9,
    ],
    [
      'missing operator (unquoted key with a space)',
      'metrics.f1 score > 1',
      "Invalid filter 'metrics.f1 score > 1': expected a comparison operator at position 11, found 'score'; metrics support =, !=, <, <=, >, >=; quote keys that contain spaces or special characters",
      11,
    ],
    [
      'comparator not allowed for metrics',
      `metrics.a LIKE '1'`,
      "Invalid filter 'metrics.a LIKE '1'': invalid comparator for metrics at position 10, found 'LIKE'; metrics support =, !=, <, <=, >, >=",
      10,
    ],
    [
      'IS NULL on a metric',
      'metrics.a IS NULL',
      "Invalid filter 'metrics.a IS NULL': invalid comparator for metrics at position 10, found 'IS NULL'; metrics support =, !=, <, <=, >, >= (IS NULL and IS NOT NULL work on params and tags only)",
      10,
    ],
    [
      'comparator not allowed for params',
      `params.a > '1'`,
      "Invalid filter 'params.a > '1'': invalid comparator for params at position 9, found '>'; params support =, !=, LIKE, ILIKE, IS NULL, IS NOT NULL",
      9,
    ],
    [
      'IN on a tag',
      `tags.a IN ('x')`,
      "Invalid filter 'tags.a IN ('x')': invalid comparator for tags at position 7, found 'IN'; tags support =, !=, LIKE, ILIKE, IS NULL, IS NOT NULL (IN and NOT IN work on attributes.run_id only)",
      7,
    ],
    [
      'comparator not allowed for a numeric attribute',
      `start_time LIKE '1%'`,
      "Invalid filter 'start_time LIKE '1%'': invalid comparator for numeric attributes at position 11, found 'LIKE'; numeric attributes support =, !=, <, <=, >, >=",
      11,
    ],
    [
      'comparator not allowed for a string attribute',
      `status >= 'A'`,
      "Invalid filter 'status >= 'A'': invalid comparator for string attributes at position 7, found '>='; string attributes support =, !=, LIKE, ILIKE (and IN, NOT IN for run_id)",
      7,
    ],
    [
      'IN on an attribute other than run_id',
      `status IN ('FINISHED')`,
      "Invalid filter 'status IN ('FINISHED')': IN is not supported for attributes.status at position 7, found 'IN'; only the 'run_id' attribute supports comparison with a list of quoted string values",
      7,
    ],
    [
      'NOT without IN',
      `params.a NOT LIKE 'x'`,
      "Invalid filter 'params.a NOT LIKE 'x'': expected IN after NOT at position 13, found 'LIKE'; MLflow has NOT IN but no NOT LIKE; use != for a single value",
      13,
    ],
    [
      'IS without NULL',
      `tags.a IS 'x'`,
      "Invalid filter 'tags.a IS 'x'': expected NULL or NOT NULL after IS at position 10, found 'x'; IS compares with NULL only; use = to compare with a value",
      10,
    ],
    [
      'IS NOT without NULL',
      `tags.a IS NOT 'x'`,
      "Invalid filter 'tags.a IS NOT 'x'': expected NULL after IS NOT at position 14, found 'x'; IS compares with NULL only; use = to compare with a value",
      14,
    ],
    [
      'a string where a number belongs',
      `metrics.a > '1'`,
      "Invalid filter 'metrics.a > '1'': expected a number for metrics.a at position 12, found '1'; numbers are written without quotes",
      12,
    ],
    [
      'a number attribute compared with text',
      'end_time < yesterday',
      "Invalid filter 'end_time < yesterday': expected a number (milliseconds since the epoch) for attributes.end_time at position 11, found 'yesterday'",
      11,
    ],
    [
      'a malformed number',
      'metrics.a > 1.2.3',
      "Invalid filter 'metrics.a > 1.2.3': invalid number at position 12, found '1.2.3'",
      12,
    ],
    [
      'a number where a string belongs',
      'params.alpha = 0.1',
      "Invalid filter 'params.alpha = 0.1': expected a quoted string for params.alpha at position 15, found '0.1'; use single or double quotes, e.g. '0.1'",
      15,
    ],
    [
      'an unquoted word where a string belongs',
      'status = FINISHED',
      "Invalid filter 'status = FINISHED': expected a quoted string for attributes.status at position 9, found 'FINISHED'; use single or double quotes, e.g. 'FINISHED'",
      9,
    ],
    [
      'a backtick-quoted value',
      'tags.a = `x`',
      "Invalid filter 'tags.a = `x`': expected a quoted string for tags.a at position 9, found `x`; values take single or double quotes; backticks quote keys",
      9,
    ],
    [
      'missing value',
      'metrics.a >',
      "Invalid filter 'metrics.a >': expected a number for metrics.a at position 11, found the end of the filter",
      11,
    ],
    [
      'unterminated string',
      `params.a = 'abc`,
      "Invalid filter 'params.a = 'abc': unterminated string at position 11, found 'abc; the closing ' is missing",
      11,
    ],
    [
      'unterminated quoted key',
      'metrics.`f1 > 1',
      "Invalid filter 'metrics.`f1 > 1': unterminated backtick-quoted key at position 8, found `f1 > 1; the closing ` is missing",
      8,
    ],
    [
      'unknown entity type',
      'foo.bar = 1',
      "Invalid filter 'foo.bar = 1': unknown entity type at position 0, found 'foo'; use metrics.<key>, params.<key>, tags.<key> or attributes.<name> (aliases: metric, param, parameter, parameters, tag, attribute, attr, run, runs)",
      0,
    ],
    [
      'datasets',
      `datasets.name = 'train'`,
      "Invalid filter 'datasets.name = 'train'': dataset filters are not supported at position 0, found 'datasets'; Baton records no dataset inputs, so datasets.name, datasets.digest and datasets.context cannot match",
      0,
    ],
    [
      'unknown attribute',
      `attributes.color = 'red'`,
      "Invalid filter 'attributes.color = 'red'': unknown attribute at position 11, found 'color'; searchable attributes are run_id, run_name, status, start_time, end_time, user_id, artifact_uri (and MLflow's aliases created, Created, `run name`)",
      11,
    ],
    [
      'lifecycle_stage is not searchable in MLflow',
      `lifecycle_stage = 'deleted'`,
      "Invalid filter 'lifecycle_stage = 'deleted'': unknown attribute at position 0, found 'lifecycle_stage'; MLflow does not search on lifecycle_stage; use the run view type (ACTIVE_ONLY, DELETED_ONLY, ALL)",
      0,
    ],
    [
      'an entity without a key',
      'metrics > 1',
      "Invalid filter 'metrics > 1': unknown attribute at position 0, found 'metrics'; did you mean metrics.<key>?",
      0,
    ],
    [
      'special characters in an unquoted key',
      'metrics.cross-entropy < 1',
      "Invalid filter 'metrics.cross-entropy < 1': unexpected character in key at position 13, found '-'; quote keys that contain special characters, e.g. metrics.`cross-entropy` or tags.\"my key\"",
      13,
    ],
    [
      'a key starting with a digit',
      `params.1st = 'x'`,
      "Invalid filter 'params.1st = 'x'': expected a key after 'params.' at position 7, found '1st'; quote keys that start with a digit or contain special characters, e.g. metrics.`f1 score` or params.\"1st-try\"",
      7,
    ],
    [
      'a single-quoted key',
      `params.'a' = 'x'`,
      "Invalid filter 'params.'a' = 'x'': expected a key after 'params.' at position 7, found 'a'; keys take backticks or double quotes; single quotes are for values",
      7,
    ],
    [
      'an empty dotted segment',
      `tags.mlflow..x = 'y'`,
      "Invalid filter 'tags.mlflow..x = 'y'': expected a key segment after \".\" at position 12, found '.x'; quote keys that contain special characters, e.g. tags.`my.key-1`",
      12,
    ],
    [
      'a partly quoted key',
      "tags.mlflow.`a b` = 'y'",
      "Invalid filter 'tags.mlflow.`a b` = 'y'': expected a key segment after \".\" at position 12, found `a b`; quote keys that contain special characters, e.g. tags.`my.key-1`",
      12,
    ],
    [
      'text after a quoted key',
      "tags.`a`.b = 'y'",
      "Invalid filter 'tags.`a`.b = 'y'': unexpected text after a quoted key at position 8, found '.b'; quote the whole key, e.g. tags.`mlflow.source.git.commit`",
      8,
    ],
    [
      'an empty quoted key',
      'metrics.`` > 1',
      "Invalid filter 'metrics.`` > 1': empty key at position 8, found ``",
      8,
    ],
    [
      'OR',
      'metrics.a > 1 OR metrics.b > 1',
      "Invalid filter 'metrics.a > 1 OR metrics.b > 1': OR is not supported at position 14, found 'OR'; MLflow filters are comparisons joined by AND; run one search per alternative",
      14,
    ],
    [
      'parentheses',
      '(metrics.a > 1)',
      "Invalid filter '(metrics.a > 1)': expected a key such as metrics.rmse, params.alpha, tags.team or attributes.status at position 0, found '('; parentheses are not supported: MLflow filters are comparisons joined by AND",
      0,
    ],
    [
      'a value on the left',
      '1 < metrics.a',
      "Invalid filter '1 < metrics.a': expected a key such as metrics.rmse, params.alpha, tags.team or attributes.status at position 0, found '1'; a comparison starts with the key, e.g. metrics.rmse < 1",
      0,
    ],
    [
      'two comparisons without AND',
      'metrics.a > 1 metrics.b > 1',
      "Invalid filter 'metrics.a > 1 metrics.b > 1': expected AND or the end of the filter at position 14, found 'metrics.b'",
      14,
    ],
    [
      'a second statement',
      'metrics.a > 1; metrics.b > 1',
      "Invalid filter 'metrics.a > 1; metrics.b > 1': expected AND or the end of the filter at position 13, found ';'",
      13,
    ],
    [
      'a dangling AND',
      'metrics.a > 1 AND ',
      "Invalid filter 'metrics.a > 1 AND ': expected a comparison after AND at position 18, found the end of the filter",
      18,
    ],
    [
      'IN without a list',
      `run_id IN 'a'`,
      "Invalid filter 'run_id IN 'a'': expected '(' to start the list at position 10, found 'a'; e.g. attributes.run_id IN ('<run id>', '<run id>')",
      10,
    ],
    [
      'an empty list',
      'run_id IN ()',
      "Invalid filter 'run_id IN ()': empty list at position 11, found ')'; give at least one quoted run id",
      11,
    ],
    [
      'a number in the list',
      `run_id IN ('a', 1)`,
      "Invalid filter 'run_id IN ('a', 1)': expected a quoted string in the list at position 16, found '1'",
      16,
    ],
    [
      'an unclosed list',
      `run_id IN ('a' 'b')`,
      "Invalid filter 'run_id IN ('a' 'b')': expected ',' or ')' in the list at position 15, found 'b'",
      15,
    ],
    [
      'an unexpected character',
      `params.a = 'x' AND @`,
      "Invalid filter 'params.a = 'x' AND @': expected a key such as metrics.rmse, params.alpha, tags.team or attributes.status at position 19, found '@'",
      19,
    ],
  ];

  for (const [kind, filter, message, position] of cases) {
    test(kind, () => {
      const e = fails(filter);
      assert.equal(e.message, message);
      assert.equal(e.details.position, position);
      assert.equal(e.details.kind, 'filter');
      assert.equal(e.details.expression, filter);
    });
  }

  test('details carry the offending token, null at the end', () => {
    assert.equal(fails('metrics.rmse <> 1').details.token, '<>');
    assert.equal(fails('metrics.a >').details.token, null);
  });
});
