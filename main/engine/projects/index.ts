export {
  DEFAULT_ENTRY_POINT,
  MLPROJECT_FILE_NAME,
  SCRIPT_EXTENSIONS,
  entryPointNotFoundMessage,
  findMlprojectFile,
  loadProject,
  parseMlproject,
  resolveEntryPoint,
} from './mlproject.js';
export { computeParameters, missingPathMessage, resolvePathValue } from './parameters.js';
export type { ComputedParameters } from './parameters.js';
export { FINGERPRINT_SKIP_DIRS, gitInfo, projectFingerprint } from './git.js';
export type { ProjectFingerprint } from './git.js';
export { shellQuote } from '../../../common/shlex.js';
export {
  commandTemplateProblems,
  isPythonFloat,
  isPythonInt,
  isUri,
  isValidExtraParamName,
  renderCommand,
  splitParameters,
  validateParameterValues,
} from '../../../common/command.js';
