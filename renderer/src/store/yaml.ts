/**
 * The workflow file's text. common/workflow/serialize.ts and the yaml package (about 100 KB) are a
 * chunk of their own, loaded the first time a workflow is opened, saved, validated or run: the
 * history's runs table, which the app may open on, never evaluates them.
 */
import type * as Serialize from '../../../common/workflow/serialize.js';
import { currentSpec } from './selectors.js';
import type { AppState } from './types.js';

let serializer: Promise<typeof Serialize> | null = null;

export function loadSerializer(): Promise<typeof Serialize> {
  serializer ??= import('../../../common/workflow/serialize.js');
  return serializer;
}

/** The YAML the open document saves as (the engine's own format). */
export async function currentYaml(s: Pick<AppState, 'meta' | 'inputs' | 'nodes'>): Promise<string> {
  const { workflowToYaml } = await loadSerializer();
  return workflowToYaml(currentSpec(s));
}
