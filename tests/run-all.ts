// `npm test`: lint, type check and the vitest suite, run side by side, the verdict of all three. On a
// two-core machine the suite spends much of its time waiting (on PostgreSQL, on the drills and packagings
// it runs as child processes); eslint and tsc use that time instead of adding ~45 s after it. Vitest's
// output streams as it runs; eslint's and tsc's follow it, each under its own heading. Exits 1 if any of
// the three failed, naming which. Arguments go to vitest (`npm test -- tests/cli`).

import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';

interface Job {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Streamed as it runs (vitest), or held and printed when all are done (the others). */
  readonly live: boolean;
  /**
   * Runs at a lower CPU priority (nice 10): eslint and tsc take the cores when the suite leaves them idle
   * and give them back when it needs them, so they add to the suite's critical path as little as they can.
   */
  readonly background: boolean;
}

interface Done {
  readonly job: Job;
  readonly code: number | null;
  readonly output: string;
  readonly seconds: number;
}

const JOBS: readonly Job[] = [
  { name: 'vitest run', command: 'vitest', args: ['run', ...process.argv.slice(2)], live: true, background: false },
  { name: 'eslint .', command: 'eslint', args: ['.'], live: false, background: true },
  { name: 'tsc --noEmit', command: 'tsc', args: ['--noEmit'], live: false, background: true },
];

function run(job: Job): Promise<Done> {
  const started = performance.now();
  return new Promise((resolve) => {
    // npm puts node_modules/.bin first on PATH; the commands are the project's own pinned versions.
    const child = spawn(job.command, job.args, { stdio: job.live ? 'inherit' : ['ignore', 'pipe', 'pipe'] });
    if (job.background && child.pid !== undefined) setPriority(child.pid, 10);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => resolve({ job, code: null, output: `${output}${error.message}\n`, seconds: (performance.now() - started) / 1000 }));
    child.on('close', (code) => resolve({ job, code, output, seconds: (performance.now() - started) / 1000 }));
  });
}

const results = await Promise.all(JOBS.map(run));
for (const done of results.filter((r) => !r.job.live)) {
  process.stdout.write(`\n── ${done.job.name}: ${done.code === 0 ? 'passed' : `FAILED (exit ${done.code})`} in ${done.seconds.toFixed(0)} s\n`);
  if (done.output.trim() !== '') process.stdout.write(done.output.endsWith('\n') ? done.output : `${done.output}\n`);
}
const failed = results.filter((r) => r.code !== 0).map((r) => r.job.name);
process.stdout.write(failed.length === 0 ? '\nnpm test: lint, type check and tests passed\n' : `\nnpm test: FAILED: ${failed.join(', ')}\n`);
process.exitCode = failed.length === 0 ? 0 : 1;
