/**
 * Migration 4: a covering index for run searches. A filter on params, tags or metrics gives run ids;
 * checking each run's lifecycle stage (and experiment, status) and ordering by start_time then reads
 * this small index instead of the runs table (whose rows carry commands, paths and process
 * bookkeeping). At 100,000 runs it cut `params.alpha = '0.5'` sorted by a metric from ~140 ms to
 * ~65 ms of SQL (docs/benchmarks.md, experiment history).
 */
export const sql = `
CREATE INDEX runs_id_stage ON runs(run_id, lifecycle_stage, start_time, experiment_id, status);
`;
