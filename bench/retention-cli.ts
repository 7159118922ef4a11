// Benchmark: `backup-dr retention plan --resource app-db --json` as a whole process (read the snapshot
// file, validate it, plan, project expiry, write the JSON), on hourly snapshots going back from a fixed
// now: 10k, 100k and 1M of them, as issue 10 measured restic's `forget`. Each run goes through
// /usr/bin/time, which gives wall time, user+sys CPU time (what a busy machine disturbs least) and peak
// RSS; medians are printed, with bare `node -e 0` beside them as Node's own floor. Asserts nothing.
//
// It builds the CLI first (as `npm run build:cli` does), so the figures are those of the current sources.

import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCli } from '../cli/build.js';
import { median, SERVICE_DIR } from '../deploy/bundles.js';

const NOW = '2026-11-25T09:00:00+09:00';
const HOUR = 3_600_000;
const TOKYO = 9 * HOUR;

/** restic's `forget --json` on such files, as issue 10 measured it: seconds and MiB. */
const RESTIC: Readonly<Record<number, string>> = {
  100_000: '0.9 s / 43 MiB',
  1_000_000: '11.3 s / 0.48 GiB',
};

interface Sample {
  readonly wall: number;
  readonly cpu: number;
  readonly rssKib: number;
}

/**
 * `count` snapshots an hour apart, newest an hour before NOW, written as a JSON array with Tokyo
 * offsets ("2026-11-25T08:00:00+09:00"), in pieces so that a million take no giant string.
 */
function writeHourlySnapshots(path: string, count: number): void {
  const fd = openSync(path, 'w');
  try {
    const newest = Date.parse(NOW) - HOUR;
    let piece = '[';
    for (let i = 0; i < count; i += 1) {
      const wall = new Date(newest - i * HOUR + TOKYO).toISOString(); // Tokyo wall time, read as UTC
      const id = `app-db-${wall.slice(0, 10)}-${wall.slice(11, 13)}00`;
      piece += `${i === 0 ? '' : ','}\n  {"id": "${id}", "time": "${wall.slice(0, 19)}+09:00"}`;
      if (piece.length > 1 << 20) {
        writeSync(fd, piece);
        piece = '';
      }
    }
    writeSync(fd, `${piece}\n]\n`);
  } finally {
    closeSync(fd);
  }
}

/** One run under /usr/bin/time, standard output to /dev/null. */
function timed(args: readonly string[]): Sample {
  const child = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', process.execPath, ...args], {
    cwd: SERVICE_DIR,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  const last = child.stderr.trimEnd().split('\n').at(-1) ?? '';
  const [wall, user, sys, rss] = last.split(' ').map(Number) as [number, number, number, number];
  if (child.status !== 0 || ![wall, user, sys, rss].every(Number.isFinite)) {
    throw new Error(`node ${args.join(' ')} exited ${child.status}: ${child.stderr}`);
  }
  return { wall, cpu: user + sys, rssKib: rss };
}

function medianOf(samples: readonly Sample[]): Sample {
  return {
    wall: median(samples.map((s) => s.wall)),
    cpu: median(samples.map((s) => s.cpu)),
    rssKib: median(samples.map((s) => s.rssKib)),
  };
}

const mib = (kib: number): string => `${Math.round(kib / 1024)} MiB`;

export async function benchRetentionCli(sizes: readonly number[] = [10_000, 100_000, 1_000_000]): Promise<string[]> {
  await buildCli();
  const dir = mkdtempSync(join(tmpdir(), 'backup-dr-bench-retention-cli-'));
  try {
    const floor = medianOf(Array.from({ length: 5 }, () => timed(['-e', '0'])));
    const lines = [
      `retention plan --resource app-db --json, whole process (hourly snapshots, Asia/Tokyo, ${process.version}; median wall, user+sys and peak RSS under /usr/bin/time):`,
      `  node -e 0 (the floor): ${floor.wall.toFixed(2)} s wall, ${floor.cpu.toFixed(2)} s user+sys, ${mib(floor.rssKib)} peak RSS`,
    ];
    for (const count of sizes) {
      const file = join(dir, `hourly-${count}.json`);
      writeHourlySnapshots(file, count);
      const args = ['bin/backup-dr.js', 'retention', 'plan', '--snapshots', file, '--resource', 'app-db', '--now', NOW, '--json'];
      timed(args); // warm the file cache and Node's compile cache
      const runs = count >= 1_000_000 ? 3 : 5;
      const result = medianOf(Array.from({ length: runs }, () => timed(args)));
      const restic = RESTIC[count];
      const beside = restic === undefined ? '' : ` (restic ${restic}, issue 10's figures)`;
      lines.push(
        `  ${String(count).padStart(8)} snapshots: ${result.wall.toFixed(2)} s wall, ${result.cpu.toFixed(2)} s user+sys, ${mib(result.rssKib)} peak RSS` +
          ` (node -e 0: ${mib(floor.rssKib)}), median of ${runs}${beside}`,
      );
    }
    return lines;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
