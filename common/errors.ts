/**
 * The error catalogue. Every error that crosses a boundary (CLI, IPC, HTTP) is an AppError with a
 * stable code from this list and a message a person can act on. Codes never change meaning.
 */
export const ERROR_CODES = {
  USAGE: 'The command line or request is malformed',
  UNAUTHENTICATED: 'The request carries no valid token',
  FORBIDDEN: 'The request comes from a host or origin that is not allowed',
  FILTER_INVALID: 'A run search filter or order_by expression is malformed',
  MLPROJECT_NOT_FOUND: 'The project folder does not exist or cannot be read',
  MLPROJECT_INVALID: 'The MLproject file is malformed',
  ENTRY_POINT_NOT_FOUND: 'The entry point is not declared and is not a runnable .py/.sh file',
  PARAM_MISSING: 'Required parameters have no value',
  PARAM_INVALID: 'A parameter value does not match its declared type',
  PARAM_NAME_INVALID: 'A parameter name cannot be passed on a command line',
  WORKFLOW_NOT_FOUND: 'The workflow file does not exist',
  WORKFLOW_INVALID: 'The workflow file has problems',
  WORKFLOW_CYCLE: 'The workflow steps depend on each other in a cycle',
  RUN_NOT_FOUND: 'No run has this id',
  WORKFLOW_RUN_NOT_FOUND: 'No workflow run has this id',
  EXPERIMENT_NOT_FOUND: 'No experiment has this name or id',
  RUN_NOT_ACTIVE: 'The run is not running',
  RUN_ACTIVE: 'The run is still running (or its process is still alive)',
  LAUNCH_FAILED: 'The step process could not be started',
  STORE_ERROR: 'The run history could not be read or written',
  TRACKING_UNAVAILABLE: 'The MLflow tracking server cannot be reached',
  TRACKING_AUTH: 'The MLflow tracking server refused the credentials',
  TRACKING_ERROR: 'The MLflow tracking server answered with an error',
  INTERNAL: 'An unexpected internal error',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** One located problem, e.g. in a workflow or MLproject file. Lines and columns are 1-based. */
export interface Problem {
  code: ErrorCode;
  message: string;
  file?: string;
  line?: number;
  column?: number;
}

export interface AppErrorShape {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }

  toJSON(): AppErrorShape {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** "file:line:column: message" — the form editors and terminals make clickable. */
export function formatProblem(p: Problem): string {
  const where = p.file ? `${p.file}${p.line ? `:${p.line}${p.column ? `:${p.column}` : ''}` : ''}: ` : '';
  return `${where}${p.message}`;
}

/** An error carrying several problems at once (validation reports everything, not the first). */
export function problemsError(code: ErrorCode, headline: string, problems: Problem[]): AppError {
  const lines = problems.map((p) => `  ${formatProblem(p)}`).join('\n');
  return new AppError(code, problems.length ? `${headline}\n${lines}` : headline, { problems });
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** Normalises anything thrown into an AppError without losing the original message. */
export function toAppError(e: unknown): AppError {
  if (e instanceof AppError) return e;
  if (e instanceof Error) return new AppError('INTERNAL', e.message, { stack: e.stack });
  return new AppError('INTERNAL', String(e));
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: AppErrorShape };
