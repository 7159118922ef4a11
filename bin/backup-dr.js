#!/usr/bin/env node
// Entry point of `npx backup-dr`: loads the TypeScript CLI through tsx, so a fresh clone needs no build.
import { register } from 'tsx/esm/api';

register();
const { runCli, processIo } = await import('../cli/main.ts');
process.exitCode = runCli(process.argv.slice(2), processIo);
