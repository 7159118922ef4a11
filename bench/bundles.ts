// Benchmark: the Lambda packages — per function its zip, its bundle (the handler module) and its cold
// load (bench/cold-load.ts: a fresh `node` importing the unzipped handler from the package root with the
// function's environment; CPU time and wall time), against the reference bundle (RDS client + middy,
// bench/reference-bundle.ts) loaded in the same rounds: the two take turns, so a busy machine slows both
// alike, and the ratio of their medians is the figure to judge — of CPU time, the steadier of the two
// on a shared machine (the wall-time ratio is printed beside it). Targets: ≤ 700 KB per bundle, cold
// load ≤ 1.15 × the reference. Prints figures; asserts nothing (tests/infra/template.test.ts holds the
// structural checks: sizes, packages, SDK clients).
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
  median,
  packagedFunctions,
  readTemplate,
  runPackageSync,
  SERVICE_DIR,
} from '../deploy/bundles.js';
import { loadPolicyFile } from '../shared/policy/load.js';
import { coldLoad, type ColdLoad } from './cold-load.js';
import { buildReferenceBundle, type ReferenceBundle } from './reference-bundle.js';

const BUNDLE_BUDGET = 700 * 1024;
const RATIO_BUDGET = 1.15;
const RUNS = 9;

export interface BenchBundlesOptions {
  /** Package before measuring (default true); false: measure what .serverless/ holds. */
  readonly package?: boolean;
  /** Rounds per function (default 9). */
  readonly runs?: number;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0).padStart(4)} KB`;
const ms = (value: number) => `${value.toFixed(0).padStart(4)} ms`;

interface Loadable {
  readonly root: string;
  readonly file: string;
  readonly exportName: string;
  readonly env: Readonly<Record<string, string>>;
}

interface Medians {
  readonly subject: ColdLoad;
  readonly reference: ColdLoad;
}

const medianLoad = (loads: readonly ColdLoad[]): ColdLoad => ({ wallMs: median(loads.map((l) => l.wallMs)), cpuMs: median(loads.map((l) => l.cpuMs)) });
const load = (target: Loadable) => coldLoad(target.root, target.file, target.exportName, target.env);

/** `runs` rounds of loading `subject` and `reference` in turn (alternating who goes first): the medians. */
function alternate(subject: Loadable, reference: Loadable, runs: number): Medians {
  const own: ColdLoad[] = [];
  const ref: ColdLoad[] = [];
  for (let round = 0; round < runs; round += 1) {
    if (round % 2 === 0) {
      own.push(load(subject));
      ref.push(load(reference));
    } else {
      ref.push(load(reference));
      own.push(load(subject));
    }
  }
  return { subject: medianLoad(own), reference: medianLoad(ref) };
}

const ratios = (m: Medians) => ({ cpu: m.subject.cpuMs / m.reference.cpuMs, wall: m.subject.wallMs / m.reference.wallMs });
const figures = (l: ColdLoad) => `${ms(l.cpuMs)} CPU ${ms(l.wallMs)} wall`;

function measure(packageDir: string, region: string, scratch: string, reference: Loadable, runs: number, seen: Set<string>): string[] {
  const lines: string[] = [];
  for (const fn of packagedFunctions(packageDir)) {
    if (seen.has(fn.name)) continue; // prune-db-snapshots and others are the same bundle in both regions
    seen.add(fn.name);
    const zipBytes = readFileSync(fn.zip).length;
    const root = mkdtempSync(join(scratch, `${fn.name}-`));
    const files = extractZip(fn.zip, root);
    const { file, exportName } = handlerModule(fn.handler, files);
    const bundleBytes = readFileSync(join(root, file)).length;
    const loads = alternate({ root, file, exportName, env: { ...lambdaEnvironment(fn, region), AWS_REGION: region } }, reference, runs);
    const ratio = ratios(loads);
    const flags = [
      bundleBytes > BUNDLE_BUDGET ? `BUNDLE OVER by ${kb(bundleBytes - BUNDLE_BUDGET).trim()}` : '',
      ratio.cpu > RATIO_BUDGET ? `LOAD OVER (${ratio.cpu.toFixed(2)} > ${RATIO_BUDGET})` : '',
    ].filter(Boolean);
    lines.push(
      `  ${fn.name.padEnd(22)} zip ${kb(zipBytes)}  bundle ${kb(bundleBytes)}  cold load ${figures(loads.subject)}  ` +
        `reference ${figures(loads.reference)}  ratio ${ratio.cpu.toFixed(2)} (wall ${ratio.wall.toFixed(2)})${flags.length === 0 ? '' : `  ${flags.join(', ')}`}`,
    );
  }
  return lines;
}

async function references(scratch: string, runs: number): Promise<{ reference: Loadable; lines: string[] }> {
  const dir = mkdtempSync(join(scratch, 'reference-'));
  const issue = await buildReferenceBundle(dir, 'reference');
  const like = await buildReferenceBundle(dir, 'like-functions');
  const loadable = (bundle: ReferenceBundle): Loadable => ({ root: dir, file: bundle.file, exportName: 'handler', env: {} });
  const loads = alternate(loadable(like), loadable(issue), runs);
  const ratio = ratios(loads);
  return {
    reference: loadable(issue),
    lines: [
      `  reference (RDS client + middy, the SDK as it comes): bundle ${kb(issue.bytes)}  cold load ${figures(loads.reference)} (re-measured beside each function below)`,
      `  the same bundled like the functions (plugins, Lambda-environment credentials): bundle ${kb(like.bytes)}  ` +
        `cold load ${figures(loads.subject)}  ratio ${ratio.cpu.toFixed(2)} (wall ${ratio.wall.toFixed(2)})`,
    ],
  };
}

export async function benchBundles(options: BenchBundlesOptions = {}): Promise<string[]> {
  const runs = options.runs ?? RUNS;
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
    const lines = [
      `function packages (targets: bundle ≤ ${BUNDLE_BUDGET / 1024} KB, cold load ≤ ${RATIO_BUDGET} × the reference loaded in the same rounds; ` +
        `medians of ${runs}; node ${process.version}, ${process.arch}):`,
    ];
    if (packaged.length > 0) lines.push(`  packaged (npx osls package): ${packaged.join(', ')}`);
    const { reference, lines: referenceLines } = await references(scratch, runs);
    lines.push(...referenceLines);
    const seen = new Set<string>();
    for (const target of targets.reverse()) lines.push(...measure(target.dir, target.region, scratch, reference, runs, seen));
    return lines;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
