/** The run search order_by parser: MLflow's syntax, its default tie-breakers, and its errors. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppError } from '../../../common/errors.js';
import type { SearchSyntaxErrorDetails } from '../../../common/search/filter.js';
import { DEFAULT_ORDER, parseOrderBy } from '../../../common/search/order-by.js';

const START_DESC = { type: 'attribute', key: 'start_time', ascending: false, implicit: true };
const RUN_ID_ASC = { type: 'attribute', key: 'run_id', ascending: true, implicit: true };

function fails(items: string[]): AppError {
  try {
    parseOrderBy(items);
  } catch (e) {
    assert.ok(e instanceof AppError);
    assert.equal(e.code, 'FILTER_INVALID');
    return e;
  }
  assert.fail(`expected ${JSON.stringify(items)} to be rejected`);
}

describe('parseOrderBy', () => {
  test('no items: MLflow natural order, newest first then run id', () => {
    assert.deepEqual(parseOrderBy([]), [START_DESC, RUN_ID_ASC]);
    assert.deepEqual(parseOrderBy(undefined), [START_DESC, RUN_ID_ASC]);
    assert.deepEqual(parseOrderBy(undefined), DEFAULT_ORDER);
  });

  test('entities, directions in any case, ascending by default, tie-breakers appended', () => {
    assert.deepEqual(
      parseOrderBy(['metrics.rmse DESC', 'params.alpha', 'tags.team asc', 'attributes.status Desc']),
      [
        { type: 'metric', key: 'rmse', ascending: false, implicit: false },
        { type: 'parameter', key: 'alpha', ascending: true, implicit: false },
        { type: 'tag', key: 'team', ascending: true, implicit: false },
        { type: 'attribute', key: 'status', ascending: false, implicit: false },
        START_DESC,
        RUN_ID_ASC,
      ],
    );
  });

  test('quoted and dotted keys, aliases and bare attributes', () => {
    assert.deepEqual(
      parseOrderBy([
        'metrics.`f1 score` DESC',
        'tags."mlflow.runName"',
        'tags.mlflow.user',
        'metric.x',
        'param.y',
      ]).slice(0, 5),
      [
        { type: 'metric', key: 'f1 score', ascending: false, implicit: false },
        { type: 'tag', key: 'mlflow.runName', ascending: true, implicit: false },
        { type: 'tag', key: 'mlflow.user', ascending: true, implicit: false },
        { type: 'metric', key: 'x', ascending: true, implicit: false },
        { type: 'parameter', key: 'y', ascending: true, implicit: false },
      ],
    );
    assert.deepEqual(parseOrderBy(['  end_time   DESC  ', 'run_name']).slice(0, 2), [
      { type: 'attribute', key: 'end_time', ascending: false, implicit: false },
      { type: 'attribute', key: 'run_name', ascending: true, implicit: false },
    ]);
  });

  test('start_time given (also as created) replaces the start_time tie-breaker; run_id given replaces run_id', () => {
    assert.deepEqual(parseOrderBy(['attributes.start_time ASC']), [
      { type: 'attribute', key: 'start_time', ascending: true, implicit: false },
      RUN_ID_ASC,
    ]);
    assert.deepEqual(parseOrderBy(['created DESC']), [
      { type: 'attribute', key: 'start_time', ascending: false, implicit: false },
      RUN_ID_ASC,
    ]);
    assert.deepEqual(parseOrderBy(['run_id DESC']), [
      { type: 'attribute', key: 'run_id', ascending: false, implicit: false },
      START_DESC,
    ]);
  });

  const cases: [string, string[], string, number][] = [
    [
      'not ASC or DESC',
      ['metrics.rmse DESCENDING'],
      "Invalid order_by 'metrics.rmse DESCENDING': expected ASC or DESC at position 13, found 'DESCENDING'; give one column per order_by item",
      13,
    ],
    [
      'two columns in one item',
      ['metrics.a DESC, metrics.b'],
      "Invalid order_by 'metrics.a DESC, metrics.b': expected the end of the order_by item at position 14, found ','; give one column per order_by item",
      14,
    ],
    [
      'an empty item',
      [''],
      "Invalid order_by '': expected a column such as metrics.rmse, params.alpha, tags.team or attributes.start_time at position 0, found the end of the order_by",
      0,
    ],
    [
      'a duplicate column',
      ['metrics.rmse', 'metric.rmse DESC'],
      "Invalid order_by 'metric.rmse DESC': duplicate column at position 0, found 'metric.rmse'; order_by item 1 ('metrics.rmse') already sorts by metrics.rmse",
      0,
    ],
    [
      'a duplicate through an alias',
      ['start_time', 'created DESC'],
      "Invalid order_by 'created DESC': duplicate column at position 0, found 'created'; order_by item 1 ('start_time') already sorts by attributes.start_time",
      0,
    ],
    [
      'an unknown attribute',
      ['rmse DESC'],
      "Invalid order_by 'rmse DESC': unknown attribute at position 0, found 'rmse'; orderable attributes are run_id, run_name, status, start_time, end_time, user_id, artifact_uri (and created, Created)",
      0,
    ],
    [
      'a filter-only alias',
      ['`run name`'],
      "Invalid order_by '`run name`': unknown attribute at position 0, found `run name`; orderable attributes are run_id, run_name, status, start_time, end_time, user_id, artifact_uri (and created, Created)",
      0,
    ],
    [
      'an unknown entity',
      ['metricz.rmse'],
      "Invalid order_by 'metricz.rmse': unknown entity type at position 0, found 'metricz'; use metrics.<key>, params.<key>, tags.<key> or attributes.<name> (aliases: metric, param, parameter, parameters, tag, attribute, attr, run, runs)",
      0,
    ],
    [
      'datasets',
      ['datasets.name'],
      "Invalid order_by 'datasets.name': dataset filters are not supported at position 0, found 'datasets'; Baton records no dataset inputs, so datasets.name, datasets.digest and datasets.context cannot match",
      0,
    ],
    [
      'an unquoted special key',
      ['metrics.f1-score DESC'],
      "Invalid order_by 'metrics.f1-score DESC': unexpected character in key at position 10, found '-'; quote keys that contain special characters, e.g. metrics.`cross-entropy` or tags.\"my key\"",
      10,
    ],
    [
      'an unterminated quoted key',
      ['metrics."f1 DESC'],
      'Invalid order_by \'metrics."f1 DESC\': unterminated quoted key at position 8, found "f1 DESC; the closing " is missing',
      8,
    ],
  ];
  for (const [kind, items, message, position] of cases) {
    test(`error: ${kind}`, () => {
      const e = fails(items);
      assert.equal(e.message, message);
      assert.equal((e.details as SearchSyntaxErrorDetails).position, position);
      assert.equal((e.details as SearchSyntaxErrorDetails).kind, 'order_by');
    });
  }

  test('error: not a list of strings', () => {
    assert.equal(
      fails('metrics.a' as unknown as string[]).message,
      'Invalid order_by: expected a list of strings such as ["metrics.rmse DESC"]',
    );
    assert.equal(
      fails([3 as unknown as string]).message,
      'Invalid order_by item 1: expected a string, got number',
    );
  });
});
