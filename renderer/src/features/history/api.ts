/** The history screens' API hook (the calls themselves are in call.ts, free of React). */
import { useCallback } from 'react';
import type { MethodInput, MethodName } from '../../../../common/api/contract.js';
import { useApi } from '../../store/context.js';
import { callApi } from './call.js';
import type { Call } from './call.js';

export { ApiError, callApi, errorCode, errorText } from './call.js';
export type { Call } from './call.js';

export function useCall(): Call {
  const api = useApi();
  return useCallback(
    <M extends MethodName>(method: M, input: MethodInput<M>) => callApi(api, method, input),
    [api],
  );
}
