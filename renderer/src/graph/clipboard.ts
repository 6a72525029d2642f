/**
 * Copy and paste of steps. Pasted steps get free names (train → train_2); references and `needs`
 * between the pasted steps follow the new names, references to steps outside the copied set keep
 * pointing at the originals. Pure.
 */
import type { AppNode, StepData, StepNode } from './types.js';
import { isStepNode } from './types.js';
import { renameReferences, uniqueStepName } from './wiring.js';

export interface ClipboardStep {
  data: StepData;
  position: { x: number; y: number };
}

export interface Clipboard {
  steps: ClipboardStep[];
}

export function copySteps(nodes: readonly AppNode[], ids: readonly string[]): Clipboard | null {
  const want = new Set(ids);
  const steps = nodes
    .filter((n): n is StepNode => isStepNode(n) && want.has(n.id))
    .map((n) => ({ data: structuredClone(n.data), position: { ...n.position } }));
  return steps.length ? { steps } : null;
}

export interface PasteResult {
  nodes: AppNode[];
  /** Names of the new steps, in clipboard order. */
  pasted: string[];
}

/** Appends the clipboard's steps (selected, offset by `offset`), deselecting everything else. */
export function pasteSteps(nodes: readonly AppNode[], clip: Clipboard, offset: { x: number; y: number }): PasteResult {
  const taken = new Set(nodes.filter(isStepNode).map((n) => n.id));
  const renames = new Map<string, string>();
  for (const s of clip.steps) {
    const name = uniqueStepName(s.data.name, taken);
    taken.add(name);
    renames.set(s.data.name, name);
  }
  const rename = (step: string): string | undefined => renames.get(step);
  const added: StepNode[] = clip.steps.map((s) => {
    const name = renames.get(s.data.name) ?? s.data.name;
    const data: StepData = {
      ...s.data,
      name,
      parameters: s.data.parameters.map((p) => ({ name: p.name, value: renameReferences(p.value, rename) })),
      needs: s.data.needs.map((n) => renames.get(n) ?? n),
    };
    return { id: name, type: 'step', position: { x: s.position.x + offset.x, y: s.position.y + offset.y }, data, selected: true };
  });
  const deselected = nodes.map((n) => (n.selected ? { ...n, selected: false } : n));
  return { nodes: [...deselected, ...added], pasted: added.map((n) => n.id) };
}
