/**
 * The contract's event names without its schemas: what a transport needs to subscribe, importable
 * without zod (the renderer's first chunk sends its first request before the schemas are loaded).
 * contract.ts checks at compile time that this list and its EVENTS map name the same events.
 */
export const EVENT_NAMES = [
  'run.updated',
  'run.logAppended',
  'step.updated',
  'workflowRun.updated',
  'app.menuCommand',
] as const;
export type EventName = (typeof EVENT_NAMES)[number];
