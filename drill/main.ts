// `npm run drill [-- --break <fault>]`: the local restore drill. Exit code 0 only when the drill passed;
// whatever it creates (databases, a private PostgreSQL, temporary files) it removes, also on Ctrl-C.

import { parseArgs } from 'node:util';
import { FAULTS, type Fault } from './data-plane.js';

// The handlers' structured logs and metrics go to CloudWatch in AWS; here the drill prints its own report.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
const { runDrill } = await import('./run.js');

const USAGE = `usage: npm run drill [-- --break ${FAULTS.join('|')}]`;

async function main(): Promise<number> {
  let fault: Fault | null = null;
  try {
    const { values } = parseArgs({ args: process.argv.slice(2), options: { break: { type: 'string' } }, strict: true });
    if (values.break !== undefined) {
      if (!(FAULTS as readonly string[]).includes(values.break)) throw new Error(`--break: unknown fault "${values.break}" (one of ${FAULTS.join(', ')})`);
      fault = values.break as Fault;
    }
  } catch (error) {
    process.stderr.write(`drill: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  let cleanup: (() => Promise<void>) | null = null;
  const interrupted = (signal: NodeJS.Signals) => {
    process.stderr.write(`\ndrill: ${signal}: cleaning up…\n`);
    void (cleanup?.() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  process.once('uncaughtException', (error) => {
    process.stderr.write(`\ndrill: unexpected error: ${error.message}\n`);
    void (cleanup?.() ?? Promise.resolve()).finally(() => process.exit(1));
  });
  const result = await runDrill({ fault, print: (line) => process.stdout.write(`${line}\n`), onCleanup: (fn) => { cleanup = fn; } });
  return result.passed ? 0 : 1;
}

process.exitCode = await main();
