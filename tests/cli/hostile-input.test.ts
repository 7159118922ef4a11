// What the CLI does with input meant to break it: a directory on standard input, an endless file, YAML
// with custom tags, control characters and ANSI escapes in snapshot ids, year 1, an empty policy on
// standard input. Each is bad input — exit 2, one clear line on stderr, no stack trace, no Node warning —
// or, for ids and old years, printed faithfully and harmlessly.
import { spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_INPUT_BYTES } from '../../cli/input.js';
import { REPO_ROOT, run, scratchDir, type CliResult } from '../helpers/cli.js';

const tmp = scratchDir('hostile-input');
afterAll(() => tmp.cleanup());

const NOW = '2026-11-25T09:00:00+09:00';
const snapshots = tmp.write('snapshots.json', JSON.stringify([{ id: 'a', time: '2026-11-24T02:00:00+09:00' }]));
const policy = tmp.write('policy.json', JSON.stringify({ keep: { daily: 7 } }));

function expectBadInput(result: CliResult, mentions: readonly string[]): void {
  expect(result.code, `stderr: ${result.stderr}`).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderrLines).toHaveLength(1);
  expect(result.stderrLines[0]).toMatch(/^backup-dr: /);
  for (const text of mentions) expect(result.stderrLines[0]).toContain(text);
}

/** Node warnings emitted while a test runs (the yaml library reports unresolved tags through them). */
let warnings: string[] = [];
const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
beforeEach(() => {
  warnings = [];
  process.on('warning', onWarning);
});
afterEach(() => {
  process.off('warning', onWarning);
});

describe('standard input that is a directory', () => {
  it('exits 2 with one line naming --snapshots and standard input, no stack trace (the real command)', () => {
    const directory = openSync(REPO_ROOT, 'r');
    try {
      const child = spawnSync(process.execPath, ['bin/backup-dr.js', 'retention', 'plan', '--snapshots', '-', '--policy', policy, '--now', NOW], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        stdio: [directory, 'pipe', 'pipe'],
        timeout: 60_000,
      });
      expect(child.status).toBe(2);
      expect(child.stdout).toBe('');
      expect(child.stderr.trimEnd().split('\n')).toEqual(['backup-dr: --snapshots: cannot read standard input: EISDIR: it is a directory, not a file']);
    } finally {
      closeSync(directory);
    }
  });
});

describe(`input larger than ${MAX_INPUT_BYTES / 1024 / 1024} MiB`, () => {
  it('refuses --snapshots /dev/zero instead of reading until memory runs out', () => {
    expectBadInput(run(['retention', 'plan', '--snapshots', '/dev/zero', '--policy', policy, '--now', NOW]), ['--snapshots', '/dev/zero', 'larger than 256 MiB']);
  });

  it('refuses policy check /dev/zero', () => {
    expectBadInput(run(['policy', 'check', '/dev/zero', '--now', NOW]), ['/dev/zero', 'larger than 256 MiB']);
  });

  it('refuses a directory as the policy file', () => {
    expectBadInput(run(['policy', 'check', REPO_ROOT, '--now', NOW]), ['EISDIR']);
  });
});

describe('YAML with custom tags', () => {
  const tagged = tmp.write('tagged.yml', ['keep:', '  daily: !Ref Days', '  weekly: !!binary AAAA', 'timezone: !Sub UTC', ''].join('\n'));

  it('a --policy with !Ref is bad input naming the tag and its line, with no Node warning', () => {
    expectBadInput(run(['retention', 'plan', '--snapshots', snapshots, '--policy', tagged, '--now', NOW]), [tagged, 'Unresolved tag: !Ref at line 2, column 10', 'custom YAML tags are not supported']);
    expect(warnings).toEqual([]);
  });

  it('a policy file with a tag fails policy check the same way', () => {
    const file = tmp.write('backup-policy-tagged.yml', 'version: !!int 1\nname: !Name production\n');
    expectBadInput(run(['policy', 'check', file, '--now', NOW]), [file, 'Unresolved tag: !Name at line 2']);
    expect(warnings).toEqual([]);
  });

  it('--resource with a --policy-file carrying a tag fails the same way', () => {
    const file = tmp.write('backup-policy-tagged-2.yml', 'version: 1\nname: !Name production\n');
    expectBadInput(run(['retention', 'plan', '--snapshots', snapshots, '--resource', 'app-db', '--policy-file', file, '--now', NOW]), [file, '!Name']);
    expect(warnings).toEqual([]);
  });
});

describe('control characters and ANSI escapes in snapshot ids', () => {
  const hostile = [
    { id: 'evil\u001b[2J\u001b[31mred\u001b[0m', time: '2026-11-24T02:00:00+09:00' },
    { id: 'two\nfake-row  2026-11-23 02:00   KEEP', time: '2026-11-23T02:00:00+09:00' },
    { id: 'bell\u0007tab\tcr\rdel\u007f', time: '2026-11-22T02:00:00+09:00' },
    { id: 'rtl\u202eeman', time: '2026-11-21T02:00:00+09:00' },
    { id: 'back\\slash', time: '2026-11-20T02:00:00+09:00' },
  ];
  const file = tmp.write('hostile.json', JSON.stringify(hostile));

  it('prints them escaped in the table: one row each, no raw control character', () => {
    const result = run(['retention', 'plan', '--snapshots', file, '--policy', policy, '--now', NOW]);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f\u202e]/);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1 + 1 + hostile.length + 1); // policy line, header, a row each, summary
    expect(lines[2]).toMatch(/^evil\\x1b\[2J\\x1b\[31mred\\x1b\[0m +2026-11-24 02:00 +KEEP /);
    expect(lines[3]).toMatch(/^two\\nfake-row {2}2026-11-23 02:00 {3}KEEP +2026-11-23 02:00 +KEEP /);
    expect(lines[4]).toMatch(/^bell\\x07tab\\tcr\\rdel\\x7f +2026-11-22 02:00 +KEEP /);
    expect(lines[5]).toMatch(/^rtl\\u202eeman +2026-11-21 02:00 +KEEP /);
    expect(lines[6]).toMatch(/^back\\\\slash +2026-11-20 02:00 +KEEP /);
  });

  it('keeps --json valid JSON that gives the ids back exactly', () => {
    const result = run(['retention', 'plan', '--snapshots', file, '--policy', policy, '--now', NOW, '--json']);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    const json = JSON.parse(result.stdout) as { keep: { id: string }[] };
    expect(json.keep.map((k) => k.id)).toEqual(hostile.map((h) => h.id));
  });

  it('escapes an id quoted in an error message, which stays one line', () => {
    const duplicate = tmp.write('duplicate.json', JSON.stringify([hostile[1], { ...hostile[1], time: '2026-11-20T02:00:00+09:00' }]));
    const result = run(['retention', 'plan', '--snapshots', duplicate, '--policy', policy, '--now', NOW]);
    expectBadInput(result, ['duplicate snapshot id "two\\nfake-row']);
  });
});

describe('times far in the past', () => {
  it('shows a snapshot of 0001-01-01 as year 1 (it was shown as 1901)', () => {
    const old = tmp.write('old.json', JSON.stringify([
      { id: 'new', time: '2026-11-24T02:00:00Z' },
      { id: 'ancient', time: '0001-01-01T00:00:00Z' },
    ]));
    const utc = tmp.write('utc-policy.json', JSON.stringify({ timezone: 'UTC', keep: { yearly: 5 } }));
    const result = run(['retention', 'plan', '--snapshots', old, '--policy', utc, '--now', NOW]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ancient +0001-01-01 00:00 +KEEP +yearly snapshot/m);
    expect(result.stdout).not.toContain('1901');
  });
});

describe('an empty policy on standard input', () => {
  it('is bad input (exit 2), not a policy that keeps nothing (exit 3)', () => {
    expectBadInput(run(['retention', 'plan', '--snapshots', snapshots, '--policy', '-', '--now', NOW], { stdin: '' }), ['standard input is empty']);
    expectBadInput(run(['retention', 'plan', '--snapshots', snapshots, '--policy', '-', '--now', NOW], { stdin: ' \n\t\n' }), ['standard input is empty']);
  });

  it('an empty policy file is bad input too', () => {
    const empty = tmp.write('empty.yml', '');
    expectBadInput(run(['retention', 'plan', '--snapshots', snapshots, '--policy', empty, '--now', NOW]), [empty, 'is empty']);
  });
});
