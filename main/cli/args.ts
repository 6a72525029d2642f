import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { AppError } from '../../common/errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Strict argument parsing: an unknown flag or a missing value is a USAGE error (exit 2), never a stack trace. */
export function parse<O extends Options>(argv: string[], options: O, positionals: { min: number; max: number; names: string }) {
  const config = {
    args: argv,
    options: { ...options, help: { type: 'boolean', short: 'h' } } as O & { help: { type: 'boolean'; short: 'h' } },
    strict: true as const,
    allowPositionals: true as const,
  };
  let parsed: ReturnType<typeof parseArgs<typeof config>>;
  try {
    parsed = parseArgs(config);
  } catch (e) {
    throw new AppError('USAGE', (e as Error).message.replace(/\. To specify a positional argument.*$/s, '.'));
  }
  const n = parsed.positionals.length;
  if (!(parsed.values as Record<string, unknown>).help) {
    if (n < positionals.min) throw new AppError('USAGE', `Missing argument: ${positionals.names}.`);
    if (n > positionals.max) throw new AppError('USAGE', `Unexpected argument '${parsed.positionals[positionals.max]}'.`);
  }
  return parsed;
}

/** `-P NAME=VALUE` pairs, in order; a repeated name is an error, as in `mlflow run`. */
export function keyValues(pairs: string[] | undefined, flag = '-P'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs ?? []) {
    const i = p.indexOf('=');
    if (i <= 0) throw new AppError('USAGE', `${flag} expects NAME=VALUE, got '${p}'.`);
    const name = p.slice(0, i);
    if (Object.hasOwn(out, name)) throw new AppError('USAGE', `Repeated parameter: '${name}'`);
    out[name] = p.slice(i + 1);
  }
  return out;
}

export function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(value)) throw new AppError('USAGE', `${flag} expects a positive whole number, got '${value}'.`);
  return Number(value);
}
