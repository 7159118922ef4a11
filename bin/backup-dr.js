#!/usr/bin/env node
// Entry point of `npx backup-dr`: runs the CLI compiled into dist/cli/ by `npm run build:cli`, which
// `npm ci` runs as the "prepare" script. Only that build missing (`npm ci --ignore-scripts`) is handled here.
import { existsSync } from 'node:fs';
import module from 'node:module';

const compiled = new URL('../dist/cli/backup-dr.js', import.meta.url);
if (!existsSync(compiled)) {
  process.stderr.write('backup-dr: the CLI is not built (dist/cli/backup-dr.js is missing): run `npm run build:cli` in the repository\n');
  process.exit(2);
}
// Node 22 keeps V8's compiled code of the bundle on disk (in the OS temporary directory) and reuses it at the
// next start, as tsc does; Node 20 has no such cache (a no-op). NODE_DISABLE_COMPILE_CACHE=1 turns it off.
module.enableCompileCache?.();
await import(compiled.href);
