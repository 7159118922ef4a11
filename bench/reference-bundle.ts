// A yardstick for the cold-load figures: the smallest useful Lambda of this kind (the RDS client with
// middy, bundled the same way), measured in the same run, so a loaded or slow machine shows as such.
// The reference: about 640 KB and 75 ms on a quiet machine of this type.

import { build } from 'esbuild';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadHandler, median, SERVICE_DIR } from '../deploy/bundles.js';

const SOURCE = `
import { RDSClient, DescribeDBSnapshotsCommand } from '@aws-sdk/client-rds';
import middy from '@middy/core';
const rds = new RDSClient({ region: 'ap-northeast-1' });
export const handler = middy().handler(async () => rds.send(new DescribeDBSnapshotsCommand({})));
`;

export async function benchReferenceBundle(runs = 5): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'backup-dr-reference-'));
  try {
    const entry = join(SERVICE_DIR, '.bench-reference-entry.ts');
    writeFileSync(entry, SOURCE);
    try {
      await build({
        entryPoints: [entry],
        bundle: true,
        minify: true,
        platform: 'node',
        format: 'esm',
        target: 'node22',
        mainFields: ['module', 'main'],
        outfile: join(dir, 'handler.mjs'),
        banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
        logLevel: 'error',
      });
    } finally {
      rmSync(entry, { force: true });
    }
    const times = Array.from({ length: runs }, () => loadHandler(dir, 'handler.mjs', 'handler', {}).loadMs);
    const size = statSync(join(dir, 'handler.mjs')).size;
    return `  reference (RDS client + middy only) bundle ${Math.round(size / 1024)} KB  cold load ${Math.round(median(times))} ms median of ${runs} — compare the figures above with this, not only with the budget`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
