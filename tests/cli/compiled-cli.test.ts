// The compiled `backup-dr` (bin/backup-dr.js → dist/cli/, built by cli/build.ts): what each start loads,
// observed through a module-load hook and mapped to sources through esbuild's metafile — `--help` loads
// no schema library, YAML parser, AWS SDK or retention engine; each sub-command loads its own code and not
// the other's; nothing is read from node_modules at run time. Also: dist/cli is what the build makes from
// the current sources, and the bin says how to build when dist/cli is missing. Structure, not timings:
// the times are `npm run bench`'s.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, CLI_OUTDIR } from '../../cli/build.js';
import { USAGE } from '../../cli/usage.js';
import { REPO_ROOT, scratchDir } from '../helpers/cli.js';

const tmp = scratchDir('compiled-cli');
afterAll(() => tmp.cleanup());

const NOW = '2026-11-25T09:00:00+09:00';
const BIN = join(REPO_ROOT, 'bin', 'backup-dr.js');

/** What only a sub-command may load: the schema library, the YAML parser, the AWS SDK, policy and retention code. */
const HEAVY = [/^node_modules\/zod\//, /^node_modules\/yaml\//, /^node_modules\/@(aws-sdk|smithy)\//, /^shared\/policy\//, /^shared\/retention\//];

// A module-load hook that appends every URL Node loads to a file: what a start really reads, not what
// the bundle could read.
const hooks = tmp.write(
  'record-loads-hooks.mjs',
  `import { appendFileSync } from 'node:fs';
let log;
export async function initialize(data) { log = data.log; }
export async function load(url, context, nextLoad) { appendFileSync(log, url + '\\n'); return nextLoad(url, context); }
`,
);
const register = tmp.write(
  'record-loads.mjs',
  `import { register } from 'node:module';
register(${JSON.stringify(pathToFileURL(hooks).href)}, { data: { log: process.env.RECORD_LOADS_TO } });
`,
);

interface Start {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The repository-relative paths of the files loaded (bin/…, dist/cli/…); `node:` built-ins left out. */
  readonly files: readonly string[];
  /** The sources (repository-relative, node_modules/… for packages) bundled into the loaded files. */
  readonly sources: readonly string[];
}

let runs = 0;
function startBin(args: readonly string[]): Start {
  runs += 1;
  const log = tmp.write(`loads-${runs}.txt`, '');
  const child = spawnSync(process.execPath, ['--import', pathToFileURL(register).href, BIN, ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, RECORD_LOADS_TO: log, NODE_DISABLE_COMPILE_CACHE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  const urls = readFileSync(log, 'utf8').split('\n').filter((line) => line !== '' && !line.startsWith('node:'));
  const files = urls.map((url) => relative(REPO_ROOT, new URL(url).pathname));
  const metafile = JSON.parse(readFileSync(join(CLI_OUTDIR, 'meta.json'), 'utf8')) as Metafile;
  const sources = files.flatMap((file) => Object.keys(metafile.outputs[file]?.inputs ?? {}));
  return { status: child.status, stdout: child.stdout, stderr: child.stderr, files, sources };
}

/** The heavy packages and folders among `sources` ("node_modules/zod", "shared/retention"), each once. */
function heavyIn(sources: readonly string[]): string[] {
  const areas = sources.filter((source) => HEAVY.some((pattern) => pattern.test(source))).map((source) => source.split('/').slice(0, source.startsWith('node_modules/@') ? 3 : 2).join('/'));
  return [...new Set(areas)];
}

describe('what a start of the compiled bin loads', () => {
  it('`backup-dr --help` prints the usage having loaded no schema library, YAML parser, AWS SDK or retention engine', () => {
    const start = startBin(['--help']);

    expect(start.status).toBe(0);
    expect(start.stdout).toBe(`${USAGE}\n`);
    expect(start.files[0]).toBe('bin/backup-dr.js');
    expect(start.files).toContain('dist/cli/backup-dr.js');
    expect(start.sources).toContain('cli/dispatch.ts');
    expect(heavyIn(start.sources)).toEqual([]);
  });

  it('a missing or unknown command is reported (exit 2) without loading any sub-command', () => {
    const start = startBin(['retention', 'plna']);

    expect(start.status).toBe(2);
    expect(start.stderr).toMatch(/^backup-dr: unknown command "retention plna"\n/);
    expect(heavyIn(start.sources)).toEqual([]);
    expect(start.sources).not.toContain('cli/retention-plan.ts');
    expect(start.sources).not.toContain('cli/policy-check.ts');
  });

  it('`retention plan` loads its own code, the schema library, YAML and the retention engine, and not `policy check`', () => {
    const start = startBin(['retention', 'plan', '--snapshots', 'examples/snapshots.json', '--resource', 'app-db', '--now', NOW, '--json']);

    expect(start.status, start.stderr).toBe(0);
    expect(start.sources).toEqual(expect.arrayContaining(['cli/retention-plan.ts', 'shared/retention/plan.ts', 'shared/policy/load.ts']));
    expect(start.sources.some((source) => source.startsWith('node_modules/zod/'))).toBe(true);
    expect(start.sources.some((source) => source.startsWith('node_modules/yaml/'))).toBe(true);
    expect(start.sources).not.toContain('cli/policy-check.ts');
  });

  it('`policy check` loads its own code and not `retention plan`', () => {
    const start = startBin(['policy', 'check', '--now', NOW]);

    expect(start.status, start.stderr).toBe(0);
    expect(start.sources).toEqual(expect.arrayContaining(['cli/policy-check.ts', 'shared/policy/summary.ts']));
    expect(start.sources).not.toContain('cli/retention-plan.ts');
    expect(start.sources).not.toContain('cli/snapshot-input.ts');
  });

  it('`approve` loads its own code and not the others\'; with bad arguments it exits 2 before loading the AWS SDK', () => {
    const start = startBin(['approve', 'not-an-arn']);

    expect(start.status).toBe(2);
    expect(start.stderr).toMatch(/^backup-dr: EXECUTION: "not-an-arn" must be a Step Functions execution ARN/);
    expect(start.sources).toContain('cli/approval.ts');
    expect(start.sources).not.toContain('cli/retention-plan.ts');
    expect(start.sources.filter((source) => /node_modules\/@(aws-sdk|smithy)\//.test(source))).toEqual([]);
  });

  it('reads nothing from node_modules at run time: every dependency is in the bundle', () => {
    const starts = [startBin(['--help']), startBin(['retention', 'plan', '--snapshots', 'examples/snapshots.json', '--resource', 'app-db', '--now', NOW])];

    for (const start of starts) {
      expect(start.files.filter((file) => !/^(bin\/backup-dr\.js|dist\/cli\/.+\.js)$/.test(file))).toEqual([]);
    }
  });
});

describe('the build behind the bin', () => {
  const fresh = tmp.path('fresh-build');
  beforeAll(async () => {
    await buildCli(fresh);
  });

  /** Every file of a build, by path relative to its directory, except the metafile (it names the directory). */
  function files(dir: string): Map<string, string> {
    const found = new Map<string, string>();
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || entry.name === 'meta.json') continue;
      const path = join(entry.parentPath, entry.name);
      found.set(relative(dir, path), readFileSync(path, 'utf8'));
    }
    return found;
  }

  it('dist/cli is what `npm run build:cli` builds from the current sources (else: run it)', () => {
    expect(existsSync(CLI_OUTDIR), 'dist/cli is missing: run `npm run build:cli`').toBe(true);
    const built = files(CLI_OUTDIR);
    const expected = files(fresh);

    expect([...built.keys()].sort(), 'dist/cli is stale: run `npm run build:cli`').toEqual([...expected.keys()].sort());
    for (const [file, text] of expected) expect(built.get(file) === text, `dist/cli/${file} is stale: run \`npm run build:cli\``).toBe(true);
  });

  it('the bin, when dist/cli was never built, says how to build it in one line and exits 2', () => {
    const clone = tmp.path('unbuilt');
    mkdirSync(join(clone, 'bin'), { recursive: true });
    writeFileSync(join(clone, 'package.json'), '{"type": "module"}\n');
    copyFileSync(BIN, join(clone, 'bin', 'backup-dr.js'));

    const child = spawnSync(process.execPath, [join(clone, 'bin', 'backup-dr.js'), '--help'], { cwd: clone, encoding: 'utf8', timeout: 60_000 });

    expect(child.status).toBe(2);
    expect(child.stdout).toBe('');
    expect(child.stderr.trimEnd().split('\n')).toEqual([
      'backup-dr: the CLI is not built (dist/cli/backup-dr.js is missing): run `npm run build:cli` in the repository',
    ]);
  });
});
