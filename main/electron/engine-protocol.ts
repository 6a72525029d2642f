/**
 * Messages between the main process and the engine's utility process (engine-host.ts). Both sides
 * parse what they receive with these schemas: the engine process is trusted code, but a message
 * that does not fit is a bug to log, never something to act on.
 *
 *   main → engine   { type: 'call', id, method, input }        an API call (input already parsed)
 *                   { type: 'dialogResult', id, path, error? } the answer to a dialog request
 *                   { type: 'shutdown' }                       close the engine and exit
 *   engine → main   { type: 'ready', pid }                     the engine is open; calls may flow
 *                   { type: 'fatal', error }                   the engine could not open (no restart)
 *                   { type: 'result', id, result }             the ApiResult of call `id`
 *                   { type: 'event', name, payload }           an engine event for the windows
 *                   { type: 'dialog', id, callId, kind, … }    show a native dialog for call `callId`
 */
import { z } from 'zod';
import type { ApiResult } from '../../common/api/contract.js';
import { AppErrorSchema } from '../../common/api/schemas.js';
import type { AppErrorShape } from '../../common/errors.js';

export const DIALOG_KINDS = ['openFolder', 'saveFile', 'openFile'] as const;
export type DialogKind = (typeof DIALOG_KINDS)[number];

const Id = z.number().int().positive();

export const ApiResultSchema = z.union([
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: AppErrorSchema }),
]);

export const ToHostSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('call'), id: Id, method: z.string(), input: z.unknown() }),
  z.object({ type: z.literal('dialogResult'), id: Id, path: z.string().nullable(), error: z.string().optional() }),
  z.object({ type: z.literal('shutdown') }),
]);

export const FromHostSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), pid: z.number().int() }),
  z.object({ type: z.literal('fatal'), error: AppErrorSchema }),
  z.object({ type: z.literal('result'), id: Id, result: ApiResultSchema }),
  z.object({ type: z.literal('event'), name: z.string(), payload: z.unknown() }),
  z.object({
    type: z.literal('dialog'),
    id: Id,
    callId: Id.nullable(),
    kind: z.enum(DIALOG_KINDS),
    title: z.string().optional(),
    defaultPath: z.string().optional(),
  }),
]);

export type ToHost = z.infer<typeof ToHostSchema>;
export type FromHost =
  | { type: 'ready'; pid: number }
  | { type: 'fatal'; error: AppErrorShape }
  | { type: 'result'; id: number; result: ApiResult<unknown> }
  | { type: 'event'; name: string; payload: unknown }
  | { type: 'dialog'; id: number; callId: number | null; kind: DialogKind; title?: string; defaultPath?: string };

export interface DialogRequest {
  kind: DialogKind;
  title?: string;
  defaultPath?: string;
}

export function internalError(message: string): { ok: false; error: AppErrorShape } {
  return { ok: false, error: { code: 'INTERNAL', message } };
}
