/**
 * POSIX shell quoting, byte-for-byte the same as Python's `shlex.quote` (which MLflow's
 * `mlflow.utils.string_utils.quote` uses on POSIX to sanitise every parameter value).
 *
 * Python: `_find_unsafe = re.compile(r'[^\w@%+=:,./-]', re.ASCII).search`;
 * empty → `''`; only safe characters → unchanged; otherwise wrapped in single quotes with each
 * `'` written as `'"'"'`. `\w` is ASCII-only here, so any non-ASCII character forces quoting.
 *
 * Pure and environment-free (shared with the renderer).
 */

const UNSAFE = /[^A-Za-z0-9_@%+=:,./-]/;

export function shellQuote(s: string): string {
  if (s.length === 0) return "''";
  if (!UNSAFE.test(s)) return s;
  return "'" + s.replaceAll("'", `'"'"'`) + "'";
}
