// The yardstick for the cold-load figures: the smallest useful Lambda of this kind — the RDS client with
// middy — measured in the same rounds as the functions (bench/bundles.ts), so a loaded or slow machine
// shows as such. Two builds of it:
// - 'reference': the reference, bundled as anyone would (minified ESM for node22, the SDK as it
//   comes, its default credential chain included); the functions' ratios are against this one.
// - 'like-functions': the same source bundled exactly like the functions (serverless.yml's esbuild
//   options: the plugins, the Lambda-environment credentials alias), printed for comparison.
// The reference was about 640 KB and 75 ms on a quiet machine of this type (older SDK).

import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICE_DIR } from '../deploy/bundles.js';

const SOURCE = `
import { RDSClient, DescribeDBSnapshotsCommand } from '@aws-sdk/client-rds';
import middy from '@middy/core';
const rds = new RDSClient({ region: 'ap-northeast-1' });
export const handler = middy().handler(async () => rds.send(new DescribeDBSnapshotsCommand({})));
`;

export type ReferenceVariant = 'reference' | 'like-functions';

export interface ReferenceBundle {
  readonly variant: ReferenceVariant;
  /** The bundle file, relative to the directory it was built in. */
  readonly file: string;
  readonly bytes: number;
}

/** What serverless.yml gives esbuild beyond the reference's options (kept in step with custom.esbuild). */
function likeFunctions() {
  const requireCjs = createRequire(import.meta.url);
  return {
    plugins: requireCjs('../deploy/esbuild-plugins.cjs') as import('esbuild').Plugin[],
    alias: { '@aws-sdk/credential-provider-node': join(SERVICE_DIR, 'shared/aws/lambda-credentials.ts') },
  };
}

/** Builds the reference handler into `dir` (as `<variant>.mjs`). */
export async function buildReferenceBundle(dir: string, variant: ReferenceVariant = 'reference'): Promise<ReferenceBundle> {
  const entry = join(SERVICE_DIR, `.bench-reference-entry.ts`);
  const file = `${variant}.mjs`;
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
      outfile: join(dir, file),
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
      logLevel: 'error',
      ...(variant === 'like-functions' ? likeFunctions() : {}),
    });
  } finally {
    rmSync(entry, { force: true });
  }
  return { variant, file, bytes: statSync(join(dir, file)).size };
}
