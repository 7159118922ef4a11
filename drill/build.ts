// Compiles the drill for `npm run drill`: drill/main.ts and all it imports from the repository bundled by
// esbuild into dist/drill/ (packages stay in node_modules). Loading the drill's ~300 TypeScript modules
// one by one through tsx took 3.5 s of every run; the bundle loads in a fraction of that. The build takes
// well under a second, so `npm run drill` builds before it runs and never runs stale code.
//
// The bundle stays in the checkout: each source's `import.meta.url` and `import.meta.dirname` are
// replaced by the source's own location, so the files they name (backup-policy.yml, the ASL definition,
// the server watchdog) are found where they are, not beside the bundle.

import { build, type Plugin } from 'esbuild';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The compiled drill: `node dist/drill/main.js [--break …] [--inject-sql …]`. */
export const DRILL_ENTRY = join(REPO_ROOT, 'dist', 'drill', 'main.js');

/** Every repository .ts file with its own location in place of `import.meta.url` / `import.meta.dirname`. */
const sourceLocation: Plugin = {
  name: 'source-location',
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /\.ts$/ }, async ({ path }) => {
      if (path.includes(`${REPO_ROOT}node_modules/`)) return undefined;
      const text = await readFile(path, 'utf8');
      return {
        loader: 'ts',
        contents: text
          .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(path).href))
          .replaceAll('import.meta.dirname', JSON.stringify(dirname(path))),
      };
    });
  },
};

/**
 * Builds the drill into `entry`, replacing it in one step (write beside it, then rename): a drill already
 * running from it, or starting while `npm run drill` rebuilds it, reads the old file or the new one whole.
 */
export async function buildDrill(entry: string = DRILL_ENTRY): Promise<void> {
  const result = await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: ['drill/main.ts'],
    outfile: entry,
    bundle: true,
    // The drill imports its own modules lazily (`await import('./run.js')`): one file holds them all.
    splitting: false,
    packages: 'external',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    plugins: [sourceLocation],
    legalComments: 'none',
    logLevel: 'warning',
    write: false,
  });
  const [output] = result.outputFiles;
  if (output === undefined || result.outputFiles.length !== 1) throw new Error(`the drill build wrote ${result.outputFiles.length} files, expected 1`);
  await mkdir(dirname(entry), { recursive: true });
  const scratch = `${entry}.${process.pid}.tmp`;
  await writeFile(scratch, output.contents);
  await rename(scratch, entry);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildDrill();
}
