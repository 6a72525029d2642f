import { isPythonFloat, isPythonInt, isUri } from '../../../common/command.js';
import type { InputSpec } from '../../../common/workflow/types.js';

/** Checks a workflow input value against its declared type, with the same rules as entry point parameters. */
export function checkInputValue(input: InputSpec, value: string): string | null {
  if (input.type === 'float' && !isPythonFloat(value)) return `input '${input.name}' is a float, but '${value}' is not a number`;
  if (input.type === 'int' && !isPythonInt(value)) return `input '${input.name}' is an int, but '${value}' is not a whole number`;
  if (input.type === 'uri' && !isUri(value)) return `input '${input.name}' is a uri, but '${value}' has no scheme`;
  return null;
}
