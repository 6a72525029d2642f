/** Calls for the history screens: the value, or an ApiError carrying the engine's code and message. React-free. */
import type { Api, MethodInput, MethodName, MethodOutput } from '../../../../common/api/contract.js';

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export async function callApi<M extends MethodName>(
  api: Api,
  method: M,
  input: MethodInput<M>,
): Promise<MethodOutput<M>> {
  const r = await api.call(method, input);
  if (!r.ok) throw new ApiError(r.error.code, r.error.message, r.error.details);
  return r.value;
}

export type Call = <M extends MethodName>(method: M, input: MethodInput<M>) => Promise<MethodOutput<M>>;

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function errorCode(e: unknown): string | undefined {
  return e instanceof ApiError ? e.code : undefined;
}
