/**
 * Calls sent before the app's own chunk has loaded (main.tsx: what the first screen will ask for),
 * whose answers are handed to the first call the app makes with the same method and input, once,
 * within a few seconds. Anything else goes to the transport as usual.
 */
import type { Api, ApiResult, MethodInput, MethodName, MethodOutput } from '../../../common/api/contract.js';

const FRESH_MS = 5_000;

export interface EarlyApi extends Api {
  /** Sends a call now; the app's first identical call gets its answer. */
  early<M extends MethodName>(method: M, input: MethodInput<M>): Promise<ApiResult<MethodOutput<M>>>;
}

export function withEarlyCalls(api: Api): EarlyApi {
  const sent = new Map<string, { at: number; answer: Promise<ApiResult<unknown>> }>();
  const keyOf = (method: string, input: unknown): string => `${method}\u0000${JSON.stringify(input)}`;
  return {
    ...api, // `on` and the transport's extras (onResync) as they are
    call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<ApiResult<MethodOutput<M>>> {
      const key = keyOf(method, input);
      const hit = sent.get(key);
      if (hit) {
        sent.delete(key);
        if (performance.now() - hit.at <= FRESH_MS) return hit.answer as Promise<ApiResult<MethodOutput<M>>>;
      }
      return api.call(method, input);
    },
    early<M extends MethodName>(method: M, input: MethodInput<M>): Promise<ApiResult<MethodOutput<M>>> {
      const answer = api.call(method, input);
      sent.set(keyOf(method, input), { at: performance.now(), answer });
      return answer;
    },
  };
}
