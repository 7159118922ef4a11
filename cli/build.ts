// Compiles the command line for `npx backup-dr`: cli/entry.ts and all it imports (zod and yaml included)
// bundled by esbuild into dist/cli/, each sub-command in chunks of its own that load only when it runs.
// `npm ci` runs this (package.json "prepare"); after editing cli/ or shared/, run `npm run build:cli`.

import { build, type Metafile } from 'esbuild';
import { rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Where the bin (bin/backup-dr.js) looks for the compiled CLI. */
export const CLI_OUTDIR = join(REPO_ROOT, 'dist', 'cli');
/** The entry file in the output directory; its chunks are under chunks/, esbuild's metafile in meta.json. */
export const CLI_ENTRY = 'backup-dr.js';

/** Builds the CLI into `outdir` (emptied first, so no stale chunk survives) and returns esbuild's metafile. */
export async function buildCli(outdir: string = CLI_OUTDIR): Promise<Metafile> {
  await rm(outdir, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: { [CLI_ENTRY.replace(/\.js$/, '')]: 'cli/entry.ts' },
    outdir,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    // Each `await import()` of a sub-command becomes its own chunk; what they share goes in common chunks.
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // yaml is CommonJS and requires `process`: give the ESM chunks a real `require` for Node's built-ins.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  await writeFile(join(outdir, 'meta.json'), `${JSON.stringify(result.metafile, null, 1)}\n`);
  return result.metafile;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const metafile = await buildCli();
  const bytes = Object.values(metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
  console.log(`backup-dr: built ${join('dist', 'cli', CLI_ENTRY)} (${Object.keys(metafile.outputs).length} files, ${Math.round(bytes / 1024)} KB)`);
}
