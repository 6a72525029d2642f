#!/usr/bin/env node
// Baton's CLI entry: the compiled TypeScript in out/ (built by `npm ci` through the prepare script).
import { existsSync } from 'node:fs';

const entry = new URL('../out/main/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('error[INTERNAL]: Baton is not built yet. Run `npm run build` (npm ci does it too).\n');
  process.exit(1);
}
const { main } = await import(entry.href);
const code = await main(process.argv.slice(2));
process.exitCode = code;
// Flush stdout before leaving even when it is a pipe.
process.stdout.write('', () => process.exit(code));
