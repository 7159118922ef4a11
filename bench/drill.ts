// Benchmark: the drill's wall time as a whole process — the compiled drill (what `npm run drill` runs
// after building it) and `npm run drill` itself (build included) — and how long the build takes. Median of
// a few runs, the two taking turns. Prints figures; asserts nothing. Needs PostgreSQL, as the drill does.

import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { median, SERVICE_DIR } from '../deploy/bundles.js';
import { buildDrill, DRILL_ENTRY } from '../drill/build.js';

function wallSeconds(command: string, args: readonly string[]): number {
  const started = performance.now();
  const run = spawnSync(command, args, { cwd: SERVICE_DIR, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 * 1024 * 1024 });
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${run.status}:\n${run.stdout}\n${run.stderr}`);
  return seconds;
}

export async function benchDrill(runs = 3): Promise<string[]> {
  const builds: number[] = [];
  for (let r = 0; r < runs; r += 1) {
    const started = performance.now();
    await buildDrill();
    builds.push((performance.now() - started) / 1000);
  }
  const compiled: number[] = [];
  const viaNpm: number[] = [];
  for (let r = 0; r < runs; r += 1) {
    compiled.push(wallSeconds(process.execPath, [DRILL_ENTRY]));
    viaNpm.push(wallSeconds('npm', ['run', '--silent', 'drill']));
  }
  return [
    `drill (wall, whole process, happy path, median of ${runs}):`,
    `  node dist/drill/main.js            ${median(compiled).toFixed(2)} s`,
    `  npm run drill (build included)     ${median(viaNpm).toFixed(2)} s`,
    `  the build alone (drill/build.ts)   ${median(builds).toFixed(2)} s`,
  ];
}
