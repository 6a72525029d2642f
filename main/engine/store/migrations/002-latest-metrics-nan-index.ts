/**
 * Migration 2: metric filters read is_nan with the value (NaN never compares, as in Python), so the
 * latest-metrics index covers it: `metrics.rmse < 0.5` becomes a covering index range scan.
 */
export const sql = `
DROP INDEX latest_metrics_key_value;
CREATE INDEX latest_metrics_key_value_nan ON latest_metrics(key, value, is_nan);
`;
