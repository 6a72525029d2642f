/** Help texts, one per command (kept in step with docs/cli.md). */
export const HELP = {
  main: `baton — run MLflow Project entry points and multi-step workflows, with a local run history.

Usage: baton <command> [options]

Commands:
  run PROJECT                 Run one entry point of a project (like \`mlflow run\`)
  workflow validate FILE      Check a workflow file and report every problem
  workflow run FILE           Run a workflow
  workflow resume ID          Re-run what failed, was killed or skipped in a workflow run
  workflow show ID            Show a workflow run and its steps
  workflow list               List workflow runs
  workflow cancel ID          Cancel a running workflow run
  runs list                   List runs
  runs show RUN_ID            Show one run
  runs logs RUN_ID            Print a run's captured output
  runs cancel RUN_ID          Stop a running run (its whole process tree)
  runs rerun RUN_ID           Run a run again with the same parameters
  runs delete RUN_ID...       Delete runs; also restore, rename, note, mark-failed
  server                      Serve the history as an MLflow tracking server on 127.0.0.1
  ui                          Serve the Baton UI in a browser on 127.0.0.1

Options: -h, --help   --version
  --tracking-uri URI   use an existing MLflow tracking server instead of the embedded one
                       (also BATON_TRACKING_URI; credentials from MLFLOW_TRACKING_TOKEN or
                       MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD)
Data folder: $BATON_HOME, else the platform's app-data folder.
Exit codes: 0 success, 1 the run or workflow failed or was killed, 2 invalid input (nothing was run).
`,
  run: `Usage: baton run PROJECT [-e ENTRY] [-P NAME=VALUE]... [--experiment-name NAME] [--json]

Runs an entry point of the MLflow project in the folder PROJECT, as \`mlflow run\` does.
  -e, --entry ENTRY            entry point name or .py/.sh file (default: main)
  -P, --param NAME=VALUE       a parameter value (repeatable)
  --experiment-name NAME       experiment for the run (created when missing; default: Default)
  --experiment-id ID           experiment id instead of a name
  --run-name NAME              a name for the run (default: a random one)
  --json                       print the run as one JSON object on stdout
  -q, --quiet                  do not stream the run's output to stderr
`,
  workflow: `Usage: baton workflow <validate|run|resume|show|list|cancel> ...

  validate FILE [--json]
  run FILE [-P NAME=VALUE]... [--no-cache] [--max-parallel N] [--from STEP [--parent ID]] [--json] [-q]
  resume WORKFLOW_RUN_ID [--from STEP]... [--no-cache] [--max-parallel N] [--json] [-q]
  show WORKFLOW_RUN_ID [--json]
  list [--max-results N] [--json]
  cancel WORKFLOW_RUN_ID
`,
  'workflow validate': `Usage: baton workflow validate FILE [--json]

Checks the workflow file and every project and entry point it names; reports every problem with its line.
`,
  'workflow run': `Usage: baton workflow run FILE [-P NAME=VALUE]... [--no-cache] [--max-parallel N] [--from STEP [--parent ID]] [--json]

  -P, --param NAME=VALUE   a value for a workflow input (repeatable)
  --no-cache               run every step, even when an earlier identical run could be reused
  --max-parallel N         how many steps may run at once (default: the number of CPU cores)
  --from STEP              run STEP and everything downstream again (repeatable); the steps before it
                           are reused from the cache, or from the workflow run given with --parent
  --json                   print {workflow_run_id, status, steps: {NAME: {status, run_id, cached}}} on stdout
  -q, --quiet              do not stream the steps' output to stderr
`,
  'workflow resume': `Usage: baton workflow resume WORKFLOW_RUN_ID [--from STEP]... [--no-cache] [--max-parallel N] [--json]

Starts a new workflow run of the same workflow (as it was run) that reuses the steps that finished
and runs only those that failed, were killed or were skipped. With --from STEP, runs STEP and
everything downstream of it again instead.
`,
  'workflow show': `Usage: baton workflow show WORKFLOW_RUN_ID [--json]\n`,
  'workflow list': `Usage: baton workflow list [--max-results N] [--json]\n`,
  'workflow cancel': `Usage: baton workflow cancel WORKFLOW_RUN_ID\n`,
  runs: `Usage: baton runs <list|show|logs|cancel|rerun|rename|note|delete|restore|mark-failed> ...

  list [--experiment-name NAME] [--status STATUS] [--filter EXPR] [--order-by KEY]... [--max-results N] [--json]
  show RUN_ID [--json]
  logs RUN_ID
  cancel RUN_ID
  rerun RUN_ID [-P NAME=VALUE]... [--json]
  rename RUN_ID NAME
  note RUN_ID TEXT | note RUN_ID --clear
  delete RUN_ID...
  restore RUN_ID...
  mark-failed RUN_ID
A RUN_ID may be shortened to any unique prefix of 6 or more characters.
`,
  server: `Usage: baton server [--port N]

Serves the run history as an MLflow tracking server on 127.0.0.1 (default: a free port), until Ctrl-C.
Prints the two variables a script needs, e.g.:
  export MLFLOW_TRACKING_URI=http://127.0.0.1:5005
  export MLFLOW_TRACKING_TOKEN=…
Every request must carry the token (the mlflow client sends MLFLOW_TRACKING_TOKEN as a bearer token).
`,
  'runs list': `Usage: baton runs list [--experiment-name NAME] [--status STATUS] [--filter EXPR] [--order-by KEY]... [--max-results N] [--all] [--json]

  --filter EXPR        MLflow's search syntax, e.g. "metrics.rmse < 0.8 and params.alpha = '0.1'"
  --order-by KEY       e.g. "metrics.rmse ASC", "attributes.start_time DESC", "duration DESC" or experiment_name (repeatable; the history table's keys, docs/cli.md)
  --max-results N      at most N runs (default 1000, at most 50000)
  --all                include deleted runs
`,
  'runs show': `Usage: baton runs show RUN_ID [--json]\n`,
  'runs logs': `Usage: baton runs logs RUN_ID\n\nPrints the run's captured stdout and stderr.\n`,
  'runs cancel': `Usage: baton runs cancel RUN_ID\n\nStops the run's whole process tree (SIGTERM, then SIGKILL after a grace period); the run ends KILLED.\n`,
  'runs rerun': `Usage: baton runs rerun RUN_ID [-P NAME=VALUE]... [--json]\n\nRuns the run's project entry point again with the parameters it was launched with and the same experiment;\n-P replaces a parameter (validated against the entry point like any run).\n`,
  'runs rename': `Usage: baton runs rename RUN_ID NAME\n\nRenames a run (its mlflow.runName tag follows).\n`,
  'runs note': `Usage: baton runs note RUN_ID TEXT\n       baton runs note RUN_ID --clear\n\nSets (or removes) the run's note, the mlflow.note.content tag MLflow's UI shows.\n`,
  'runs delete': `Usage: baton runs delete RUN_ID...\n\nMarks runs deleted (MLflow's lifecycle_stage; restore undoes it). All or nothing: an unknown or running\nrun refuses the whole command.\n`,
  'runs restore': `Usage: baton runs restore RUN_ID...\n\nRestores deleted runs.\n`,
  'runs mark-failed': `Usage: baton runs mark-failed RUN_ID\n\nSettles a run stuck in RUNNING or SCHEDULED whose process is gone: FAILED (or what its recorded exit code\nsays). Refused while its process is alive.\n`,
  ui: `Usage: baton ui [--port N] [--no-open] [--renderer-dir DIR]

Serves the Baton UI and its API on 127.0.0.1 (never another interface) until Ctrl-C.
Prints the address to open on stdout: http://127.0.0.1:PORT/?token=TOKEN. The token is new
every launch; requests without it are refused. Ctrl-C or SIGTERM stops the server and cancels
the runs and workflows it started.
  -p, --port N             port to listen on (default 0: any free port)
  --no-open                do not open the address in the default browser
  --renderer-dir DIR       serve this renderer build instead of renderer/dist
`,
} as const;
