// Benchmark: how long `backup-dr` takes as a whole process (wall time, spawn to exit) for `--help` and for
// `retention plan` on one snapshot, run as `node bin/backup-dr.js` and as `npx backup-dr`, with bare
// `node -e 0` and `npx --version` measured in the same rounds beside them. The commands take turns, round
// after round, so a busy machine slows them all alike; medians are printed. Prints figures; asserts nothing.
//
// It builds the CLI first (as `npm run build:cli` does), so the figures are those of the current sources.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildCli } from '../cli/build.js';
import { median, SERVICE_DIR } from '../deploy/bundles.js';

interface Case {
  readonly label: string;
  readonly command: string;
  readonly args: readonly string[];
  /** The baseline its time is compared with (a label of another case), if any. */
  readonly over?: string;
}

function wallMs(command: string, args: readonly string[]): number {
  const started = performance.now();
  const child = spawnSync(command, args, { cwd: SERVICE_DIR, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const elapsed = performance.now() - started;
  if (child.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${child.status}: ${child.stderr}`);
  return elapsed;
}

export async function benchCli(runs = 5): Promise<string[]> {
  await buildCli();
  const dir = mkdtempSync(join(tmpdir(), 'backup-dr-bench-cli-'));
  try {
    const oneSnapshot = join(dir, 'one-snapshot.json');
    writeFileSync(oneSnapshot, JSON.stringify([{ id: 'app-db-20261125-0200', time: '2026-11-25T02:00:00+09:00' }]));
    const plan = ['retention', 'plan', '--snapshots', oneSnapshot, '--resource', 'app-db', '--now', '2026-11-25T09:00:00+09:00'];
    const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
    const node = process.execPath;
    const cases: Case[] = [
      { label: 'node -e 0', command: node, args: ['-e', '0'] },
      { label: 'node bin/backup-dr.js --help', command: node, args: ['bin/backup-dr.js', '--help'], over: 'node -e 0' },
      { label: 'node bin/backup-dr.js retention plan (1 snapshot)', command: node, args: ['bin/backup-dr.js', ...plan], over: 'node -e 0' },
      { label: 'npx --version', command: npx, args: ['--version'] },
      { label: 'npx node -e 0 (npx running an installed bin)', command: npx, args: ['node', '-e', '0'], over: 'npx --version' },
      { label: 'npx backup-dr --help', command: npx, args: ['backup-dr', '--help'], over: 'npx --version' },
      { label: 'npx backup-dr retention plan (1 snapshot)', command: npx, args: ['backup-dr', ...plan], over: 'npx --version' },
    ];
    for (const c of cases) wallMs(c.command, c.args); // warm the file cache (and Node's compile cache) once
    const samples = new Map<string, number[]>(cases.map((c) => [c.label, []]));
    for (let round = 0; round < runs; round += 1) {
      for (const c of cases) samples.get(c.label)?.push(wallMs(c.command, c.args));
    }
    const medians = new Map([...samples].map(([label, times]) => [label, median(times)]));
    const lines = [`CLI process time (wall, whole process, median of ${runs} interleaved rounds, ${process.version}):`];
    for (const c of cases) {
      const ms = medians.get(c.label) ?? Number.NaN;
      const over = c.over === undefined ? '' : `  (+${(ms - (medians.get(c.over) ?? Number.NaN)).toFixed(0)} ms over ${c.over})`;
      lines.push(`  ${c.label.padEnd(50)} ${ms.toFixed(0).padStart(5)} ms${over}`);
    }
    return lines;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
