// Runs the backup-dr CLI in-process with a fake Io (captured stdout/stderr, fixed clock, given stdin),
// and writes scratch files into a per-suite temporary directory.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { Io } from '../../cli/io.js';
import { runCli } from '../../cli/main.js';

/** The repository root (where backup-policy.yml and examples/ live). */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DEFAULT_POLICY_PATH = join(REPO_ROOT, 'backup-policy.yml');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stderr split into lines, without the trailing empty one. */
  readonly stderrLines: readonly string[];
}

export interface RunOptions {
  readonly stdin?: string;
  /** The fake clock; defaults to 2026-11-25T09:00:00+09:00. */
  readonly now?: number;
}

export const FIXED_NOW = Date.parse('2026-11-25T09:00:00+09:00');

function fakeIo(options: RunOptions): { io: Io; result: (code: number) => CliResult } {
  let stdout = '';
  let stderr = '';
  let stdinReads = 0;
  const io: Io = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    readStdin: () => {
      stdinReads += 1;
      if (options.stdin === undefined) throw new Error('the test gave no stdin');
      if (stdinReads > 1) throw new Error('stdin read twice');
      return options.stdin;
    },
    now: () => options.now ?? FIXED_NOW,
  };
  const result = (code: number): CliResult => ({ code, stdout, stderr, stderrLines: stderr === '' ? [] : stderr.replace(/\n$/, '').split('\n') });
  return { io, result };
}

/** A synchronous command (policy check, retention plan, help, bad arguments before any AWS call). */
export function run(argv: readonly string[], options: RunOptions = {}): CliResult {
  const { io, result } = fakeIo(options);
  const code = runCli(argv, io);
  if (typeof code !== 'number') throw new Error(`backup-dr ${argv.slice(0, 2).join(' ')} is asynchronous: use runAsync`);
  return result(code);
}

/** Any command, the asynchronous ones (approve, reject) included. */
export async function runAsync(argv: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  const { io, result } = fakeIo(options);
  return result(await runCli(argv, io));
}

/** A temporary directory for one test file; call cleanup() in afterAll. */
export function scratchDir(prefix: string): { path(name: string): string; write(name: string, text: string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), `backup-dr-${prefix}-`));
  return {
    path: (name) => join(dir, name),
    write: (name, text) => {
      const file = join(dir, name);
      writeFileSync(file, text, 'utf8');
      return file;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A parsed YAML document, mutated freely by tests (`any`: its shape is what the test is about). */
 
export type PolicyDocument = Record<string, any>;

/** The repository's backup-policy.yml as a plain, mutable object (a fresh copy each call). */
export function defaultPolicyDocument(): PolicyDocument {
  return parseYaml(readFileSync(DEFAULT_POLICY_PATH, 'utf8')) as PolicyDocument;
}

export function toYaml(document: unknown): string {
  return stringifyYaml(document);
}
