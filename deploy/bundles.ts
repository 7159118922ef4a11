// Packaging-time tooling around `osls package` and the zips it writes, shared by the infrastructure
// tests and the bundle benchmark (never bundled into a Lambda): run a packaging, read the packaged
// template, unzip a function's package (a small reader on node:zlib, no dependency), and load a
// handler in a fresh Node process the way Lambda would — cwd = the package root, the function's
// environment — with outbound network refused, so an import that calls AWS is caught.

import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { alertsTopicName, ENV, SERVICE } from '../shared/contracts.js';

export const SERVICE_DIR = resolve(import.meta.dirname, '..');
export const DEFAULT_PACKAGE_DIR = join(SERVICE_DIR, '.serverless');
export const TEMPLATE_FILE = 'cloudformation-template-update-stack.json';

export interface PackageRun {
  readonly status: number | null;
  /** stdout and stderr together (osls writes its errors to stderr). */
  readonly output: string;
}

export interface PackageOptions {
  readonly region?: string;
  /**
   * Where to write the package. NB: osls empties `.serverless/` at the start of every packaging and,
   * with `--package DIR`, moves its content to DIR and deletes `.serverless/`: package into another
   * directory first, into `.serverless/` last.
   */
  readonly packageDir?: string;
  readonly stage?: string;
  /** osls deployment parameters, each "name=value" (`--param`), e.g. "validationSubnets=subnet-a,subnet-b". */
  readonly params?: readonly string[];
  /** Extra environment, e.g. BACKUP_DR_POLICY. */
  readonly env?: Readonly<Record<string, string>>;
}

/** osls' own entry point, run by this Node: what `npx osls` resolves to, without npm's start-up. */
const OSLS_BIN = join(SERVICE_DIR, 'node_modules', 'osls', 'bin', 'serverless.js');

function packageArgs(options: PackageOptions): string[] {
  return [
    OSLS_BIN,
    'package',
    ...(options.region === undefined ? [] : ['--region', options.region]),
    ...(options.stage === undefined ? [] : ['--stage', options.stage]),
    ...(options.packageDir === undefined ? [] : ['--package', options.packageDir]),
    ...(options.params ?? []).map((param) => `--param=${param}`),
  ];
}

function packageEnv(options: PackageOptions): NodeJS.ProcessEnv {
  // No credentials and no telemetry: packaging must work offline.
  return { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', ...options.env };
}

/** `osls package …` in the service directory, asynchronously. */
export function runPackage(options: PackageOptions = {}): Promise<PackageRun> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, packageArgs(options), { cwd: SERVICE_DIR, env: packageEnv(options), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', fail);
    child.on('close', (status) => done({ status, output }));
  });
}

/** The same, blocking (for the benchmark, whose interface is synchronous). */
export function runPackageSync(options: PackageOptions = {}): PackageRun {
  const result = spawnSync(process.execPath, packageArgs(options), { cwd: SERVICE_DIR, env: packageEnv(options), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error !== undefined) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

// ---- the packaged template --------------------------------------------------------------------------

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string | readonly string[];
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

export interface Template {
  readonly Resources: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { Value: unknown }>;
}

export function readTemplate(packageDir: string = DEFAULT_PACKAGE_DIR): Template {
  return JSON.parse(readFileSync(join(packageDir, TEMPLATE_FILE), 'utf8')) as Template;
}

export interface PackagedFunction {
  /** The function's key in serverless.yml (e.g. "take-db-snapshot"). */
  readonly name: string;
  readonly logicalId: string;
  readonly zip: string;
  /** Lambda's Handler setting, e.g. "functions/rds/take-db-snapshot/handler.handler". */
  readonly handler: string;
  readonly environment: Readonly<Record<string, unknown>>;
}

/** The Lambda functions of a packaged template with their zips (serverless-esbuild names them <name>.zip). */
export function packagedFunctions(packageDir: string = DEFAULT_PACKAGE_DIR): PackagedFunction[] {
  const template = readTemplate(packageDir);
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
    .map(([logicalId, r]) => {
      const props = r.Properties ?? {};
      const key = (props.Code as { S3Key: string }).S3Key;
      const zipName = key.slice(key.lastIndexOf('/') + 1);
      const environment = ((props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {});
      return { name: zipName.replace(/\.zip$/, ''), logicalId, zip: join(packageDir, zipName), handler: String(props.Handler), environment };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

// ---- zips -------------------------------------------------------------------------------------------

/** The files of a zip archive (stored or deflated entries; what archiver and `zip` write). */
export function readZip(file: string): Map<string, Buffer> {
  const data = readFileSync(file);
  // End of central directory: signature 0x06054b50, within the last 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = data.length - 22; i >= Math.max(0, data.length - 65_557); i -= 1) {
    if (data.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${file}: not a zip archive`);
  const entries = data.readUInt16LE(eocd + 10);
  let offset = data.readUInt32LE(eocd + 16);
  const files = new Map<string, Buffer>();
  for (let n = 0; n < entries; n += 1) {
    if (data.readUInt32LE(offset) !== 0x02014b50) throw new Error(`${file}: corrupt central directory`);
    const method = data.readUInt16LE(offset + 10);
    const compressedSize = data.readUInt32LE(offset + 20);
    const nameLength = data.readUInt16LE(offset + 28);
    const extraLength = data.readUInt16LE(offset + 30);
    const commentLength = data.readUInt16LE(offset + 32);
    const localHeader = data.readUInt32LE(offset + 42);
    const name = data.toString('utf8', offset + 46, offset + 46 + nameLength);
    offset += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith('/')) continue;
    const start = localHeader + 30 + data.readUInt16LE(localHeader + 26) + data.readUInt16LE(localHeader + 28);
    const raw = data.subarray(start, start + compressedSize);
    if (method === 0) files.set(name, Buffer.from(raw));
    else if (method === 8) files.set(name, inflateRawSync(raw));
    else throw new Error(`${file}: ${name} uses compression method ${method}`);
  }
  return files;
}

export function extractZip(file: string, into: string): string[] {
  const names: string[] = [];
  for (const [name, content] of readZip(file)) {
    const target = resolve(into, name);
    if (!target.startsWith(resolve(into))) throw new Error(`${file}: entry ${name} escapes the target directory`);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
    names.push(name);
  }
  return names.sort();
}

/** The module file Lambda's Node runtime would load for a Handler ("dir/file.export"). */
export function handlerModule(handler: string, files: readonly string[]): { file: string; exportName: string } {
  const dot = handler.lastIndexOf('.');
  const base = handler.slice(0, dot);
  const exportName = handler.slice(dot + 1);
  const file = ['.js', '.mjs', '.cjs'].map((ext) => `${base}${ext}`).find((f) => files.includes(f));
  if (file === undefined) throw new Error(`no module for handler ${handler} among ${files.join(', ')}`);
  return { file, exportName };
}

// ---- loading a handler -------------------------------------------------------------------------------

export interface LoadResult {
  /** typeof the handler export ("function" when all is well). */
  readonly handlerType: string;
  /** Milliseconds from starting the import to the module being ready. */
  readonly loadMs: number;
  /** Outbound connections the import attempted (refused): must be 0 — no AWS calls at import. */
  readonly connections: readonly string[];
}

/** Placeholder environment for values CloudFormation fills at deploy time (Ref, GetAtt…). */
export function lambdaEnvironment(fn: PackagedFunction, region: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(fn.environment)) {
    env[key] = typeof value === 'string' ? value : key === ENV.alertsTopicArn ? `arn:aws:sns:${region}:123456789012:${alertsTopicName('test')}` : `placeholder-${key}`;
  }
  return env;
}

/**
 * Imports `moduleFile` (relative to `root`) in a fresh `node` (this process's executable), with the
 * Lambda-like environment given, no AWS credentials, and every outbound socket refused and recorded.
 */
export function loadHandler(root: string, moduleFile: string, exportName: string, env: Readonly<Record<string, string>>): LoadResult {
  const script = `
    const net = require('node:net');
    const attempts = [];
    const refuse = function (...args) { attempts.push(JSON.stringify(args[0] && typeof args[0] === 'object' ? { host: args[0].host, port: args[0].port, path: args[0].path } : args.slice(0, 2))); throw new Error(${JSON.stringify(`${SERVICE} load check: no network at import`)}); };
    net.Socket.prototype.connect = refuse;
    const started = performance.now();
    import(require('node:url').pathToFileURL(${JSON.stringify(join(root, moduleFile))}).href).then(
      (m) => { const loadMs = performance.now() - started; process.stdout.write(JSON.stringify({ handlerType: typeof m[${JSON.stringify(exportName)}], loadMs, connections: attempts })); },
      (e) => { process.stderr.write(String(e && e.stack || e)); process.exit(2); },
    );`;
  const clean: NodeJS.ProcessEnv = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ']) if (process.env[key] !== undefined) clean[key] = process.env[key];
  const result = spawnSync(process.execPath, ['-e', script], {
    cwd: root, // Lambda's cwd is the package root (/var/task): POLICY_FILE is relative to it
    env: { ...clean, AWS_REGION: env.AWS_REGION ?? 'ap-northeast-1', AWS_EC2_METADATA_DISABLED: 'true', NODE_OPTIONS: '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (result.status !== 0) throw new Error(`loading ${moduleFile} failed (exit ${String(result.status)}): ${result.stderr}`);
  return JSON.parse(result.stdout) as LoadResult;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
