/**
 * Validation problems placed on the steps they are about. Parses YAML (when a problem needs its
 * line matched), so it lives apart from selectors.ts: only the editor's chunks import it.
 */
import type { Problem } from '../../../common/errors.js';
import { parseWorkflowYaml } from '../../../common/workflow/serialize.js';

export interface StepProblems {
  /** Problems that belong to a step, by step name. */
  byStep: Record<string, Problem[]>;
  /** Problems about the workflow as a whole (name, inputs, …). */
  general: Problem[];
}

/**
 * Assigns validation problems (positions in `yaml`, the text they were computed for) to steps by
 * where the steps are in that text. Problems without a position are matched by the `step "NAME"`
 * their message starts with.
 */
export function problemsByStep(yaml: string, problems: readonly Problem[]): StepProblems {
  const out: StepProblems = { byStep: {}, general: [] };
  // The text is parsed only when a problem needs its line matched to a step (parsing a 500-step
  // file takes 100–300 ms in a browser; a clean document has nothing to place).
  let index: { steps: { name: string; line: number }[]; stepsLine: number } | null = null;
  const stepIndex = () => {
    if (!index) {
      const parsed = parseWorkflowYaml(yaml, 'workflow');
      const steps = (parsed.spec?.steps ?? [])
        .filter((s) => s.pos)
        .map((s) => ({ name: s.name, line: s.pos?.line ?? 0 }))
        .sort((a, b) => a.line - b.line);
      index = { steps, stepsLine: parsed.spec?.stepsPos?.line ?? Infinity };
    }
    return index;
  };
  for (const p of problems) {
    let owner: string | null = null;
    const named = /^step "([^"]+)"/.exec(p.message)?.[1];
    if (named !== undefined) owner = named;
    else if (p.line !== undefined) {
      const { steps, stepsLine } = stepIndex();
      if (p.line > stepsLine) for (const s of steps) if (s.line <= p.line) owner = s.name;
    }
    if (owner === null) out.general.push(p);
    else (out.byStep[owner] ??= []).push(p);
  }
  return out;
}
