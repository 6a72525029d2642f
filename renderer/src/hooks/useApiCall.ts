/**
 * Direct API calls from components that only need a one-off answer (the file browser's listings),
 * through the same Api object as the store. The store is the place for anything shared.
 */
import { useCallback } from 'react';
import type { ApiResult, MethodInput, MethodName, MethodOutput } from '../../../common/api/contract.js';
import { useApi } from '../store/context.js';

export function useApiCall<M extends MethodName>(method: M): (input: MethodInput<M>) => Promise<ApiResult<MethodOutput<M>>> {
  const api = useApi();
  return useCallback((input: MethodInput<M>) => api.call(method, input), [api, method]);
}
