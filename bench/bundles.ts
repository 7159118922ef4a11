// Benchmark: the Lambda packages — zip size and cold load time per function (a fresh `node` process
// importing the unzipped handler from the package root with the function's environment; median of 5).
// Budget: ≤ 1 MB per zip, ≤ 150 ms cold load. Prints figures; asserts nothing.
//
// By default it packages first, like `npm run package` does for each region: the secondary into a
// temporary directory, then the primary into .serverless/ (osls' `--package DIR` empties .serverless/,
// so the primary goes last). `benchBundles({ package: false })` reads the zips already in .serverless/.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_PACKAGE_DIR,
  extractZip,
  handlerModule,
  lambdaEnvironment,
  loadHandler,
  median,
  packagedFunctions,
  readTemplate,
  runPackageSync,
  SERVICE_DIR,
} from '../deploy/bundles.js';
import { loadPolicyFile } from '../shared/policy/load.js';

const ZIP_BUDGET = 1024 * 1024;
const LOAD_BUDGET_MS = 150;
const RUNS = 5;

export interface BenchBundlesOptions {
  /** Package before measuring (default true); false: measure what .serverless/ holds. */
  readonly package?: boolean;
}

function measure(packageDir: string, region: string, scratch: string, seen: Set<string>): string[] {
  const lines: string[] = [];
  for (const fn of packagedFunctions(packageDir)) {
    if (seen.has(fn.name)) continue; // prune-db-snapshots is the same bundle in both regions
    seen.add(fn.name);
    const zipBytes = readFileSync(fn.zip).length;
    const root = mkdtempSync(join(scratch, `${fn.name}-`));
    const files = extractZip(fn.zip, root);
    const { file, exportName } = handlerModule(fn.handler, files);
    const bundleBytes = readFileSync(join(root, file)).length;
    const env = { ...lambdaEnvironment(fn, region), AWS_REGION: region };
    const samples: number[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      const result = loadHandler(root, file, exportName, env);
      if (result.handlerType !== 'function') throw new Error(`${fn.name}: ${exportName} is ${result.handlerType}, not a function`);
      samples.push(result.loadMs);
    }
    const load = median(samples);
    const flags = [zipBytes > ZIP_BUDGET ? 'ZIP OVER BUDGET' : '', load > LOAD_BUDGET_MS ? 'LOAD OVER BUDGET' : ''].filter(Boolean).join(', ');
    lines.push(
      `  ${fn.name.padEnd(20)} zip ${(zipBytes / 1024).toFixed(0).padStart(5)} KB  bundle ${(bundleBytes / 1024).toFixed(0).padStart(5)} KB  ` +
        `cold load ${load.toFixed(0).padStart(4)} ms median of ${RUNS} (${samples.map((s) => s.toFixed(0)).join(', ')})${flags === '' ? '' : `  ${flags}`}`,
    );
  }
  return lines;
}

export function benchBundles(options: BenchBundlesOptions = {}): string[] {
  const policy = loadPolicyFile(join(SERVICE_DIR, 'backup-policy.yml'));
  const scratch = mkdtempSync(join(tmpdir(), 'backup-dr-bench-bundles-'));
  try {
    const targets: { dir: string; region: string }[] = [];
    const packaged: string[] = [];
    if (options.package ?? true) {
      const secondaryDir = join(scratch, 'secondary');
      for (const [region, dir] of [[policy.regions.secondary, secondaryDir], [policy.regions.primary, undefined]] as const) {
        const started = performance.now();
        const run = runPackageSync({ region, ...(dir === undefined ? {} : { packageDir: dir }) });
        if (run.status !== 0) throw new Error(`osls package --region ${region} failed:\n${run.output}`);
        packaged.push(`${region} ${((performance.now() - started) / 1000).toFixed(1)} s`);
        targets.push({ dir: dir ?? DEFAULT_PACKAGE_DIR, region });
      }
    } else {
      readTemplate(DEFAULT_PACKAGE_DIR); // fails clearly when nothing was packaged
      targets.push({ dir: DEFAULT_PACKAGE_DIR, region: policy.regions.primary });
    }
    const lines = [`function packages (budget ≤ ${ZIP_BUDGET / 1024} KB per zip, ≤ ${LOAD_BUDGET_MS} ms cold load; node ${process.version}, ${process.arch}):`];
    if (packaged.length > 0) lines.push(`  packaged (npx osls package): ${packaged.join(', ')}`);
    const seen = new Set<string>();
    for (const target of targets.reverse()) lines.push(...measure(target.dir, target.region, scratch, seen));
    return lines;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
