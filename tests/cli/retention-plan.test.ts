// `backup-dr retention plan`, driven in-process through runCli with a fake Io: bad input (exit 2, one
// line on stderr naming the culprit, nothing on stdout), every guard (legal hold, newest, ownership,
// refusals, compliance floors), stdin and YAML input, the JSON and table outputs, expiry projections
// checked by hand, and one run of the real `npx backup-dr` the way an operator types it.
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultPolicyDocument, REPO_ROOT, run, scratchDir, toYaml, type CliResult } from '../helpers/cli.js';

const tmp = scratchDir('retention-plan');
afterAll(() => tmp.cleanup());

interface SnapshotEntry {
  id: string;
  time: string;
  tags?: string[];
  owned?: boolean;
}

/** One snapshot a day at 02:00 Tokyo time, newest first, ids "d-YYYY-MM-DD". */
function dailyAt0200Jst(first: string, last: string): SnapshotEntry[] {
  const out: SnapshotEntry[] = [];
  for (let t = Date.parse(`${last}T02:00:00+09:00`); t >= Date.parse(`${first}T02:00:00+09:00`); t -= 86_400_000) {
    const day = new Date(t + 9 * 3_600_000).toISOString().slice(0, 10);
    out.push({ id: `d-${day}`, time: `${day}T02:00:00+09:00` });
  }
  return out;
}

let fileCounter = 0;
function writeJson(value: unknown, name = 'file.json'): string {
  fileCounter += 1;
  return tmp.write(`${fileCounter}-${name}`, JSON.stringify(value, null, 2));
}
function writeText(text: string, name: string): string {
  fileCounter += 1;
  return tmp.write(`${fileCounter}-${name}`, text);
}

function plan(args: readonly string[], stdin?: string): CliResult {
  return run(['retention', 'plan', ...args], stdin === undefined ? {} : { stdin });
}

interface PlanJson {
  keep: { id: string; reasons: string[]; guards: string[]; expiresAt: string | null }[];
  remove: { id: string }[];
  ignored: { id: string }[];
}

function planJson(args: readonly string[], stdin?: string): PlanJson {
  const result = plan([...args, '--json'], stdin);
  expect(result.stderr, 'stderr of a successful plan').toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as PlanJson;
}

function expectBadInput(result: CliResult, mentions: readonly string[]): void {
  expect(result.code, `exit code; stderr: ${result.stderr}`).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderrLines).toHaveLength(1);
  expect(result.stderr.endsWith('\n')).toBe(true);
  for (const text of mentions) expect(result.stderrLines[0]).toContain(text);
}

function expectRefused(result: CliResult, mentions: readonly string[]): void {
  expect(result.code, `exit code; stderr: ${result.stderr}`).toBe(3);
  expect(result.stdout).toBe('');
  expect(result.stderrLines).toHaveLength(1);
  expect(result.stderrLines[0]).toMatch(/^backup-dr: refused: /);
  for (const text of mentions) expect(result.stderrLines[0]).toContain(text);
}

const NOW = '2026-11-25T09:00:00+09:00';
const threeSnapshots: SnapshotEntry[] = [
  { id: 'c', time: '2026-11-24T02:00:00+09:00' },
  { id: 'b', time: '2026-11-23T02:00:00+09:00' },
  { id: 'a', time: '2026-11-22T02:00:00+09:00' },
];
const goodSnapshots = writeJson(threeSnapshots, 'snapshots.json');
const dailyOnePolicy = writeJson({ keep: { daily: 1 } }, 'policy.json');

/** A copy of backup-policy.yml with a change applied, written to a temp file. */
function policyFileWith(change: (doc: ReturnType<typeof defaultPolicyDocument>) => void): string {
  const doc = defaultPolicyDocument();
  change(doc);
  return writeText(toYaml(doc), 'backup-policy.yml');
}

describe('retention plan — bad input exits 2 with one stderr line naming the culprit and nothing on stdout', () => {
  const snapshotsWith = (entries: unknown) => writeJson(entries, 'snapshots.json');
  const policyWith = (policy: unknown) => writeJson(policy, 'policy.json');

  const cases: { name: string; args: () => string[]; stdin?: string; mentions: (args: string[]) => string[] }[] = [
    {
      name: 'malformed JSON in the snapshot file',
      args: () => ['--snapshots', writeText('[{"id": "a",', 'broken.json'), '--policy', dailyOnePolicy],
      mentions: (a) => [a[1]!, 'not valid JSON'],
    },
    {
      name: 'malformed JSON on stdin (--snapshots -)',
      args: () => ['--snapshots', '-', '--policy', dailyOnePolicy],
      stdin: '[{',
      mentions: () => ['not valid JSON'],
    },
    {
      name: 'a snapshot list that is not an array',
      args: () => ['--snapshots', snapshotsWith({ id: 'a', time: '2026-01-01T00:00:00Z' }), '--policy', dailyOnePolicy],
      mentions: () => ['must be a JSON array'],
    },
    {
      name: 'a time without an offset',
      args: () => ['--snapshots', snapshotsWith([{ id: 'a', time: '2026-11-24T02:00:00Z' }, { id: 'b', time: '2026-11-24T02:00:00' }]), '--policy', dailyOnePolicy],
      mentions: (a) => [`${a[1]}[1].time`, 'offset'],
    },
    {
      name: 'a date-only time',
      args: () => ['--snapshots', snapshotsWith([{ id: 'a', time: '2026-11-24' }]), '--policy', dailyOnePolicy],
      mentions: (a) => [`${a[1]}[0].time`],
    },
    {
      name: 'a time that is no date (month 13)',
      args: () => ['--snapshots', snapshotsWith([{ id: 'a', time: '2026-13-01T00:00:00Z' }]), '--policy', dailyOnePolicy],
      mentions: (a) => [`${a[1]}[0].time`],
    },
    {
      name: 'a time that is not a string',
      args: () => ['--snapshots', snapshotsWith([{ id: 'a', time: 1_795_000_000_000 }]), '--policy', dailyOnePolicy],
      mentions: (a) => [`${a[1]}[0].time`],
    },
    {
      name: 'a missing id',
      args: () => ['--snapshots', snapshotsWith([{ time: '2026-11-24T02:00:00Z' }]), '--policy', dailyOnePolicy],
      mentions: (a) => [`${a[1]}[0].id`],
    },
    {
      name: 'an empty id',
      args: () => ['--snapshots', snapshotsWith([{ id: '', time: '2026-11-24T02:00:00Z' }]), '--policy', dailyOnePolicy],
      mentions: (a) => [`${a[1]}[0].id`],
    },
    {
      name: 'a duplicate id',
      args: () => ['--snapshots', snapshotsWith([{ id: 'a', time: '2026-11-24T02:00:00Z' }, { id: 'a', time: '2026-11-23T02:00:00Z' }]), '--policy', dailyOnePolicy],
      mentions: (a) => [`${a[1]}[1].id`, 'duplicate'],
    },
    {
      name: 'an unknown snapshot key (typo "tag")',
      args: () => ['--snapshots', snapshotsWith([{ id: 'a', time: '2026-11-24T02:00:00Z', tag: ['x'] }]), '--policy', dailyOnePolicy],
      mentions: (a) => [`${a[1]}[0]`, 'unknown key "tag"'],
    },
    {
      name: 'tags that are not a list of strings',
      args: () => ['--snapshots', snapshotsWith([{ id: 'a', time: '2026-11-24T02:00:00Z', tags: 'legal-hold' }]), '--policy', dailyOnePolicy],
      mentions: (a) => [`${a[1]}[0].tags`],
    },
    {
      name: 'owned that is not a boolean',
      args: () => ['--snapshots', snapshotsWith([{ id: 'a', time: '2026-11-24T02:00:00Z', owned: 'no' }]), '--policy', dailyOnePolicy],
      mentions: (a) => [`${a[1]}[0].owned`],
    },
    {
      name: 'an unknown keep rule (typo "dialy")',
      args: () => ['--snapshots', goodSnapshots, '--policy', policyWith({ keep: { dialy: 7 } })],
      mentions: (a) => [`${a[3]}.keep`, 'unknown key "dialy"'],
    },
    {
      name: 'an unknown top-level policy key',
      args: () => ['--snapshots', goodSnapshots, '--policy', policyWith({ timezone: 'Asia/Tokyo', retention: { daily: 7 } })],
      mentions: (a) => [a[3]!, 'unknown key "retention"'],
    },
    {
      name: 'a bad duration',
      args: () => ['--snapshots', goodSnapshots, '--policy', policyWith({ keep: { withinDaily: '30 days' } })],
      mentions: (a) => [`${a[3]}.keep.withinDaily`, '30 days'],
    },
    {
      name: 'a duration with an unknown unit',
      args: () => ['--snapshots', goodSnapshots, '--policy', policyWith({ keep: { within: '2x' } })],
      mentions: (a) => [`${a[3]}.keep.within`],
    },
    {
      name: 'a negative count other than -1',
      args: () => ['--snapshots', goodSnapshots, '--policy', policyWith({ keep: { monthly: -2 } })],
      mentions: (a) => [`${a[3]}.keep.monthly`, 'negative'],
    },
    {
      name: 'a fractional count',
      args: () => ['--snapshots', goodSnapshots, '--policy', policyWith({ keep: { weekly: 1.5 } })],
      mentions: (a) => [`${a[3]}.keep.weekly`],
    },
    {
      name: 'a count written as a string',
      args: () => ['--snapshots', goodSnapshots, '--policy', policyWith({ keep: { last: '3' } })],
      mentions: (a) => [`${a[3]}.keep.last`],
    },
    {
      name: 'an empty tag list',
      args: () => ['--snapshots', goodSnapshots, '--policy', policyWith({ keep: { tags: [[]] } })],
      mentions: (a) => [`${a[3]}.keep.tags[0]`],
    },
    {
      name: 'tags given as a flat list',
      args: () => ['--snapshots', goodSnapshots, '--policy', policyWith({ keep: { tags: ['monthly-report'] } })],
      mentions: (a) => [`${a[3]}.keep.tags[0]`],
    },
    {
      name: 'an unknown time zone',
      args: () => ['--snapshots', goodSnapshots, '--policy', policyWith({ timezone: 'Asia/Tokio', keep: { daily: 1 } })],
      mentions: (a) => [`${a[3]}.timezone`, 'Asia/Tokio'],
    },
    {
      name: 'a bad schedule in the policy',
      args: () => ['--snapshots', goodSnapshots, '--policy', policyWith({ keep: { daily: 1 }, schedule: 'cron(0 2 * *)' })],
      mentions: (a) => [`${a[3]}.schedule`],
    },
    {
      name: 'a policy that is not valid YAML',
      args: () => ['--snapshots', goodSnapshots, '--policy', writeText('keep:\n  daily: [1\n  weekly: 2\n', 'policy.yml')],
      mentions: (a) => [a[3]!, 'not valid YAML'],
    },
    {
      name: 'a policy with a duplicated key',
      args: () => ['--snapshots', goodSnapshots, '--policy', writeText('keep:\n  daily: 1\n  daily: 2\n', 'policy.yml')],
      mentions: (a) => [a[3]!],
    },
    {
      name: 'a missing --snapshots',
      args: () => ['--policy', dailyOnePolicy],
      mentions: () => ['--snapshots', 'required'],
    },
    {
      name: '--snapshots without a value',
      args: () => ['--policy', dailyOnePolicy, '--snapshots'],
      mentions: () => ['--snapshots'],
    },
    {
      name: 'both --policy and --resource',
      args: () => ['--snapshots', goodSnapshots, '--policy', dailyOnePolicy, '--resource', 'app-db'],
      mentions: () => ['--policy', '--resource'],
    },
    {
      name: 'neither --policy nor --resource',
      args: () => ['--snapshots', goodSnapshots],
      mentions: () => ['--policy', '--resource'],
    },
    {
      name: 'an unknown resource',
      args: () => ['--snapshots', goodSnapshots, '--resource', 'billing-db'],
      mentions: () => ['--resource', 'billing-db', 'app-db'],
    },
    {
      name: 'a resource without snapshots (an S3 bucket)',
      args: () => ['--snapshots', goodSnapshots, '--resource', 'media'],
      mentions: () => ['--resource', 'media'],
    },
    {
      name: 'an unreadable snapshot file',
      args: () => ['--snapshots', tmp.path('no-such-snapshots.json'), '--policy', dailyOnePolicy],
      mentions: (a) => ['--snapshots', a[1]!, 'ENOENT'],
    },
    {
      name: 'a snapshot "file" that is a directory',
      args: () => ['--snapshots', REPO_ROOT, '--policy', dailyOnePolicy],
      mentions: () => ['--snapshots', 'EISDIR'],
    },
    {
      name: 'an unreadable policy file',
      args: () => ['--snapshots', goodSnapshots, '--policy', tmp.path('no-such-policy.json')],
      mentions: (a) => ['--policy', a[3]!, 'ENOENT'],
    },
    {
      name: 'an unreadable --policy-file for --resource',
      args: () => ['--snapshots', goodSnapshots, '--resource', 'app-db', '--policy-file', tmp.path('no-such-backup-policy.yml')],
      mentions: (a) => [a[5]!, 'ENOENT'],
    },
    {
      name: 'an invalid --policy-file for --resource (the first bad field is named)',
      args: () => ['--snapshots', goodSnapshots, '--resource', 'app-db', '--policy-file', policyFileWith((doc) => {
        doc.resources.databases[0].retention.withinDaily = '30 days';
      })],
      mentions: () => ['resources.databases[0].retention.withinDaily'],
    },
    {
      name: 'a --now without an offset',
      args: () => ['--snapshots', goodSnapshots, '--policy', dailyOnePolicy, '--now', '2026-11-25T09:00:00'],
      mentions: () => ['--now', '2026-11-25T09:00:00'],
    },
    {
      name: 'a --now that is not a time',
      args: () => ['--snapshots', goodSnapshots, '--policy', dailyOnePolicy, '--now', 'yesterday'],
      mentions: () => ['--now', 'yesterday'],
    },
    {
      name: 'an unknown --region',
      args: () => ['--snapshots', goodSnapshots, '--resource', 'app-db', '--region', 'tertiary'],
      mentions: () => ['--region', 'tertiary'],
    },
    {
      name: 'an unknown option',
      args: () => ['--snapshots', goodSnapshots, '--policy', dailyOnePolicy, '--dry-run'],
      mentions: () => ['--dry-run'],
    },
    {
      name: 'a stray positional argument',
      args: () => ['--snapshots', goodSnapshots, '--policy', dailyOnePolicy, 'extra'],
      mentions: () => ['extra'],
    },
  ];

  it.each(cases)('$name', ({ args, stdin, mentions }) => {
    const argv = args();
    const result = plan(argv, stdin);
    expectBadInput(result, mentions(argv));
  });

  it('reports a usage error before reading stdin', () => {
    // No stdin is given: reading it would throw in the fake Io.
    expectBadInput(plan(['--snapshots', '-']), ['--policy']);
  });
});

describe('retention plan — impossible calendar dates are bad input', () => {
  // Date.parse rolls "2026-02-30" over to 2026-03-02 instead of rejecting it; the snapshot schema's
  // "is not a real date and time" check relies on Date.parse and so lets such dates through.
  it.each([
    { time: '2026-02-30T02:00:00+09:00' },
    { time: '2026-04-31T02:00:00+09:00' },
    { time: '2025-02-29T02:00:00Z' },
  ])('rejects the snapshot time $time naming [0].time', ({ time }) => {
    const file = writeJson([{ id: 'a', time }], 'snapshots.json');
    expectBadInput(plan(['--snapshots', file, '--policy', dailyOnePolicy]), [`${file}[0].time`]);
  });

  it('rejects --now 2026-02-30T09:00:00+09:00', () => {
    expectBadInput(plan(['--snapshots', goodSnapshots, '--policy', dailyOnePolicy, '--now', '2026-02-30T09:00:00+09:00']), ['--now']);
  });
});

describe('retention plan — guards', () => {
  it('legal hold keeps a snapshot the policy would remove, with guards ["legal hold"] and no reasons', () => {
    const snapshots = writeJson([
      { id: 'c', time: '2026-11-24T02:00:00+09:00' },
      { id: 'b', time: '2026-11-23T02:00:00+09:00', tags: ['legal-hold'] },
      { id: 'a', time: '2026-11-22T02:00:00+09:00' },
    ]);
    const result = planJson(['--snapshots', snapshots, '--policy', dailyOnePolicy, '--now', NOW]);
    expect(result.keep.find((k) => k.id === 'b')).toEqual({ id: 'b', reasons: [], guards: ['legal hold'], expiresAt: null });
    expect(result.remove).toEqual([{ id: 'a' }]);
  });

  it.each([
    { tag: 'legal-hold', held: true },
    { tag: 'legal-hold=case-42', held: true },
    { tag: 'legal-hold=true', held: true },
    { tag: 'legal-hold=false', held: true },
    { tag: 'legal-hold=', held: true },
    { tag: 'legal-holder', held: false },
    { tag: 'Legal-Hold', held: true },
  ])('the tag "$tag" puts a snapshot under legal hold: $held', ({ tag, held }) => {
    const snapshots = writeJson([
      { id: 'new', time: '2026-11-24T02:00:00+09:00' },
      { id: 'old', time: '2026-11-20T02:00:00+09:00', tags: ['other', tag] },
    ]);
    const result = planJson(['--snapshots', snapshots, '--policy', dailyOnePolicy, '--now', NOW]);
    expect(result.keep.some((k) => k.id === 'old')).toBe(held);
    expect(result.remove.some((r) => r.id === 'old')).toBe(!held);
  });

  it('with --resource, the legal-hold tag is the one named in the policy file', () => {
    const policyFile = policyFileWith((doc) => {
      doc.tags.legalHold = 'litigation';
    });
    const snapshots = writeJson([
      ...dailyAt0200Jst('2026-11-20', '2026-11-24'),
      { id: 'old-litigation', time: '2025-06-10T02:00:00+09:00', tags: ['litigation'] },
      { id: 'old-legal-hold', time: '2025-06-09T02:00:00+09:00', tags: ['legal-hold'] },
    ]);
    // app-redis keeps everything within 7d: both old snapshots fall outside it.
    const result = planJson(['--snapshots', snapshots, '--resource', 'app-redis', '--policy-file', policyFile, '--now', NOW]);
    expect(result.keep.find((k) => k.id === 'old-litigation')?.guards).toEqual(['legal hold']);
    expect(result.remove.map((r) => r.id)).toContain('old-legal-hold');
  });

  it('keeps the newest snapshot even when no rule does (guard "newest snapshot")', () => {
    const snapshots = writeJson([
      { id: 'newest', time: '2026-11-24T02:00:00+09:00' },
      { id: 'report', time: '2026-10-31T02:00:00+09:00', tags: ['monthly-report'] },
      { id: 'plain', time: '2026-10-30T02:00:00+09:00' },
    ]);
    const policy = writeJson({ keep: { tags: [['monthly-report']] } });
    const result = planJson(['--snapshots', snapshots, '--policy', policy, '--now', NOW]);
    expect(result.keep.map(({ id, reasons, guards }) => ({ id, reasons, guards }))).toEqual([
      { id: 'newest', reasons: [], guards: ['newest snapshot'] },
      { id: 'report', reasons: ['has tags [monthly-report]'], guards: [] },
    ]);
    expect(result.remove).toEqual([{ id: 'plain' }]);
  });

  it('keeps both the newest snapshot and the newest one not in the future when the newest is future-dated', () => {
    const snapshots = writeJson([
      { id: 'future', time: '2026-12-01T02:00:00+09:00' },
      { id: 'past-newest', time: '2026-11-24T02:00:00+09:00' },
      { id: 'past-older', time: '2026-11-23T02:00:00+09:00' },
    ]);
    const policy = writeJson({ keep: { last: 1 } });
    const result = planJson(['--snapshots', snapshots, '--policy', policy, '--now', NOW]);
    expect(result.keep.map(({ id, reasons, guards }) => ({ id, reasons, guards }))).toEqual([
      { id: 'future', reasons: ['last snapshot'], guards: ['newest snapshot'] },
      { id: 'past-newest', reasons: [], guards: ['newest snapshot not in the future'] },
    ]);
    expect(result.remove).toEqual([{ id: 'past-older' }]);
  });

  it('lists owned:false snapshots under ignored and does not let them take a rule slot', () => {
    const snapshots = writeJson([
      { id: 'theirs', time: '2026-11-24T17:05:00Z', owned: false },
      { id: 'ours-new', time: '2026-11-24T02:00:00+09:00', owned: true },
      { id: 'ours-old', time: '2026-11-23T02:00:00+09:00' },
    ]);
    const policy = writeJson({ keep: { last: 1 } });
    const result = planJson(['--snapshots', snapshots, '--policy', policy, '--now', NOW]);
    expect(result.keep.map(({ id, reasons, guards }) => ({ id, reasons, guards }))).toEqual([{ id: 'ours-new', reasons: ['last snapshot'], guards: ['newest snapshot'] }]);
    expect(result.remove).toEqual([{ id: 'ours-old' }]);
    expect(result.ignored).toEqual([{ id: 'theirs' }]);
  });

  it('an owned:false snapshot does not move the assumed every-24-hours schedule of our backups', () => {
    // No schedule in the policy: runs are assumed every 24 h after the newest snapshot. The newest of
    // *ours* is 11-24 02:00, so the next run after now (11-25 09:00) is 11-26 02:00, when last:1 drops
    // ours-new. An RDS-made snapshot at 02:05 that the plan ignores must not shift that to 02:05.
    const snapshots = writeJson([
      { id: 'theirs', time: '2026-11-24T17:05:00Z', owned: false },
      { id: 'ours-new', time: '2026-11-24T02:00:00+09:00' },
      { id: 'ours-old', time: '2026-11-23T02:00:00+09:00' },
    ]);
    const policy = writeJson({ keep: { last: 1 } });
    const result = planJson(['--snapshots', snapshots, '--policy', policy, '--now', NOW]);
    expect(result.keep.map((k) => [k.id, k.expiresAt])).toEqual([['ours-new', '2026-11-26T02:00:00+09:00']]);
  });

  it('never removes an owned:false snapshot, even one under no rule and older than everything', () => {
    const snapshots = writeJson([
      { id: 'ours', time: '2026-11-24T02:00:00+09:00' },
      { id: 'theirs-old', time: '2020-01-01T00:00:00Z', owned: false, tags: ['legal-hold'] },
    ]);
    const result = planJson(['--snapshots', snapshots, '--policy', dailyOnePolicy, '--now', NOW]);
    expect(result.ignored).toEqual([{ id: 'theirs-old' }]);
    expect(result.keep.map((k) => k.id)).toEqual(['ours']);
    expect(result.remove).toEqual([]);
  });

  it.each([
    { name: 'no keep rules at all', policy: { keep: {} } },
    { name: 'an empty policy document', policy: {} },
    { name: 'only zero counts and zero durations', policy: { keep: { daily: 0, weekly: 0, within: '0d', withinDaily: '0h' } } },
  ])('refuses (exit 3) a policy that keeps nothing: $name', ({ policy }) => {
    expectRefused(plan(['--snapshots', goodSnapshots, '--policy', writeJson(policy), '--now', NOW]), ['keeps nothing']);
  });

  it('refuses (exit 3) a tags-only policy that matches no snapshot: it would remove all', () => {
    const policy = writeJson({ keep: { tags: [['monthly-report']] } });
    expectRefused(plan(['--snapshots', goodSnapshots, '--policy', policy, '--now', NOW]), ['would remove all 3 snapshots']);
  });

  it('does not count owned:false snapshots in "would remove all"', () => {
    const snapshots = writeJson([...threeSnapshots, { id: 'theirs', time: '2026-11-21T02:00:00+09:00', owned: false, tags: ['x'] }]);
    const policy = writeJson({ keep: { tags: [['x']] } });
    expectRefused(plan(['--snapshots', snapshots, '--policy', policy, '--now', NOW]), ['would remove all 3 snapshots']);
  });

  describe('compliance floor via --resource', () => {
    const lowered = (override?: string) =>
      policyFileWith((doc) => {
        doc.resources.databases[0].retention = {
          withinDaily: '30d',
          withinWeekly: '12w',
          withinMonthly: '12m',
          withinYearly: '3y',
          ...(override === undefined ? {} : { complianceOverride: override }),
        };
      });
    const snapshots = writeJson(dailyAt0200Jst('2026-10-01', '2026-11-25'));

    it('refuses (exit 3) app-db lowered to withinYearly: 3y below the 7y databases floor', () => {
      expectRefused(plan(['--snapshots', snapshots, '--resource', 'app-db', '--policy-file', lowered(), '--now', NOW]), ['yearly', '7y', 'compliance floor']);
    });

    it('plans app-db lowered to withinYearly: 3y when a complianceOverride reason is given', () => {
      const result = plan(['--snapshots', snapshots, '--resource', 'app-db', '--policy-file', lowered('approved by legal, ticket LEGAL-123'), '--now', NOW, '--json']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const json = JSON.parse(result.stdout) as PlanJson;
      expect(json.keep.length + json.remove.length).toBe(56);
    });

    it('the unchanged app-db retention meets the floor', () => {
      expect(plan(['--snapshots', snapshots, '--resource', 'app-db', '--now', NOW, '--json']).code).toBe(0);
    });

    it('a cache is not held to the databases floor', () => {
      const policyFile = policyFileWith((doc) => {
        doc.resources.caches[0].retention = { last: 1 };
      });
      expect(plan(['--snapshots', snapshots, '--resource', 'app-redis', '--policy-file', policyFile, '--now', NOW, '--json']).code).toBe(0);
    });
  });

  it('a --policy file can carry its own compliance floor and override', () => {
    const below = writeJson({ keep: { daily: 7 }, compliance: { floor: { daily: '30d' } } });
    expectRefused(plan(['--snapshots', goodSnapshots, '--policy', below, '--now', NOW]), ['daily', '30d']);
    const overridden = writeJson({ keep: { daily: 7 }, compliance: { floor: { daily: '30d' }, override: 'test environment, short history is fine' } });
    expect(plan(['--snapshots', goodSnapshots, '--policy', overridden, '--now', NOW, '--json']).code).toBe(0);
  });

  it('--region secondary plans with the secondary retention of the resource', () => {
    const policyFile = policyFileWith((doc) => {
      doc.resources.databases[0].retention.secondary = { daily: 2, yearly: 7 };
    });
    const snapshots = writeJson(dailyAt0200Jst('2026-11-20', '2026-11-24'));
    const secondary = planJson(['--snapshots', snapshots, '--resource', 'app-db', '--policy-file', policyFile, '--region', 'secondary', '--now', NOW]);
    // daily:2 keeps 24 and 23; yearly:7 keeps 24 for 2026 and, with budget left, the oldest (restic's rule).
    expect(secondary.keep.map((k) => [k.id, k.reasons])).toEqual([
      ['d-2026-11-24', ['daily snapshot', 'yearly snapshot']],
      ['d-2026-11-23', ['daily snapshot']],
      ['d-2026-11-20', ['oldest yearly snapshot']],
    ]);
    const primary = planJson(['--snapshots', snapshots, '--resource', 'app-db', '--policy-file', policyFile, '--region', 'primary', '--now', NOW]);
    expect(primary.keep).toHaveLength(5);
  });
});

describe('retention plan — input sources', () => {
  it('reads the snapshot list from stdin with --snapshots -', () => {
    const text = JSON.stringify(threeSnapshots);
    const fromStdin = planJson(['--snapshots', '-', '--policy', dailyOnePolicy, '--now', NOW], text);
    const fromFile = planJson(['--snapshots', goodSnapshots, '--policy', dailyOnePolicy, '--now', NOW]);
    expect(fromStdin).toEqual(fromFile);
    expect(fromStdin.keep.map((k) => k.id)).toEqual(['c']);
  });

  it('reads a YAML policy file the same as the equivalent JSON', () => {
    const yamlPolicy = writeText(
      ['# preview policy', 'timezone: Asia/Tokyo', 'keep:', '  last: 1', '  daily: 2', '  withinWeekly: 2w', '  tags:', '    - [monthly-report]', ''].join('\n'),
      'policy.yml',
    );
    const jsonPolicy = writeJson({ timezone: 'Asia/Tokyo', keep: { last: 1, daily: 2, withinWeekly: '2w', tags: [['monthly-report']] } });
    const snapshots = writeJson(dailyAt0200Jst('2026-10-01', '2026-11-24'));
    const fromYaml = planJson(['--snapshots', snapshots, '--policy', yamlPolicy, '--now', NOW]);
    expect(fromYaml).toEqual(planJson(['--snapshots', snapshots, '--policy', jsonPolicy, '--now', NOW]));
    expect(fromYaml.keep.map((k) => k.id)).toEqual(['d-2026-11-24', 'd-2026-11-23', 'd-2026-11-22', 'd-2026-11-15']);
  });

  it('accepts the same instants written with different offsets and gives the same plan', () => {
    const tokyo = writeJson(threeSnapshots);
    const other = writeJson([
      { id: 'c', time: '2026-11-23T17:00:00Z' },
      { id: 'b', time: '2026-11-22T12:00:00-05:00' },
      { id: 'a', time: '2026-11-21T22:45:00+05:45' },
    ]);
    expect(planJson(['--snapshots', other, '--policy', dailyOnePolicy, '--now', NOW])).toEqual(planJson(['--snapshots', tokyo, '--policy', dailyOnePolicy, '--now', NOW]));
  });

  it('uses the Io clock when --now is not given', () => {
    const viaClock = run(['retention', 'plan', '--snapshots', goodSnapshots, '--policy', dailyOnePolicy, '--json'], { now: Date.parse(NOW) });
    expect(JSON.parse(viaClock.stdout)).toEqual(planJson(['--snapshots', goodSnapshots, '--policy', dailyOnePolicy, '--now', NOW]));
  });

  it('plans an empty snapshot list as nothing to do', () => {
    expect(planJson(['--snapshots', '-', '--policy', dailyOnePolicy, '--now', NOW], '[]')).toEqual({ keep: [], remove: [], ignored: [] });
  });
});

describe('retention plan — --json output', () => {
  it('has exactly keep/remove/ignored, with keep entries of exactly id, reasons, guards, expiresAt', () => {
    const snapshots = writeJson([
      { id: 'theirs', time: '2026-11-21T20:00:00+09:00', owned: false },
      { id: 'c', time: '2026-11-24T02:00:00+09:00' },
      { id: 'b', time: '2026-11-23T02:00:00+09:00', tags: ['legal-hold'] },
      { id: 'a', time: '2026-11-22T02:00:00+09:00' },
    ]);
    const result = plan(['--snapshots', snapshots, '--policy', dailyOnePolicy, '--now', NOW, '--json']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout.endsWith('\n')).toBe(true);
    expect(JSON.parse(result.stdout)).toStrictEqual({
      keep: [
        { id: 'c', reasons: ['daily snapshot'], guards: ['newest snapshot'], expiresAt: '2026-11-26T02:00:00+09:00' },
        { id: 'b', reasons: [], guards: ['legal hold'], expiresAt: null },
      ],
      remove: [{ id: 'a' }],
      ignored: [{ id: 'theirs' }],
    });
  });

  it('lists keep and remove newest first whatever the input order', () => {
    const shuffled = writeJson([threeSnapshots[1], threeSnapshots[2], threeSnapshots[0]]);
    const policy = writeJson({ keep: { last: 2 } });
    const result = planJson(['--snapshots', shuffled, '--policy', policy, '--now', NOW]);
    expect(result.keep.map((k) => k.id)).toEqual(['c', 'b']);
    expect(result.remove).toEqual([{ id: 'a' }]);
  });

  it('reports the example app-db plan: legal hold, the RDS-made snapshot ignored, 02:00 expiries', () => {
    const result = planJson(['--snapshots', 'examples/snapshots.json', '--resource', 'app-db', '--now', NOW]);
    expect(result.ignored).toEqual([{ id: 'rds:app-db-prod-2026-11-20-17-05' }]);
    expect(result.keep[0]).toEqual({
      id: 'app-db-20261125-0200',
      reasons: ['daily within 30d', 'weekly within 84d', 'monthly within 12m', 'yearly within 7y'],
      guards: ['newest snapshot'],
      expiresAt: '2026-12-25T02:00:00+09:00',
    });
    expect(result.keep.find((k) => k.id === 'app-db-20260214-0200')).toEqual({ id: 'app-db-20260214-0200', reasons: [], guards: ['legal hold'], expiresAt: null });
    for (const k of result.keep) {
      if (k.expiresAt !== null) expect(k.expiresAt).toMatch(/T02:00:00\+09:00$/);
    }
    const ids = [...result.keep, ...result.remove].map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('retention plan — expiry projection, checked by hand', () => {
  const schedule = 'cron(0 2 * * ? *)';

  it('keep daily:3 with daily 02:00 JST snapshots: each kept snapshot goes at a later 02:00 run, the oldest at the next', () => {
    // Kept now: 03-05, 03-04, 03-03. Run 03-06 02:00 adds a snapshot: 06, 05, 04 stay, 03-03 goes.
    // Run 03-07 removes 03-04, run 03-08 removes 03-05.
    const snapshots = writeJson(dailyAt0200Jst('2026-03-01', '2026-03-05'));
    for (const policy of [{ keep: { daily: 3 }, schedule }, { keep: { daily: 3 } }]) {
      const result = planJson(['--snapshots', snapshots, '--policy', writeJson(policy), '--now', '2026-03-05T09:00:00+09:00']);
      expect(result.keep.map((k) => [k.id, k.expiresAt])).toEqual([
        ['d-2026-03-05', '2026-03-08T02:00:00+09:00'],
        ['d-2026-03-04', '2026-03-07T02:00:00+09:00'],
        ['d-2026-03-03', '2026-03-06T02:00:00+09:00'],
      ]);
      expect(result.remove.map((r) => r.id)).toEqual(['d-2026-03-02', 'd-2026-03-01']);
    }
  });

  it('keep daily:2, weekly:2 over ISO weeks: the weekly Sunday snapshot lasts until the week after next begins', () => {
    // 2026-03-01 is a Sunday (ISO week 9), 03-02..03-08 week 10, 03-09..03-15 week 11, 03-16 starts week 12.
    // Now (Tue 03-10): daily keeps 10, 09; weekly keeps 10 (W11) and 08 (W10).
    // 03-11 run: daily 11, 10 → 09 goes. 03-12 run: daily 12, 11; weekly 12 (W11), 08 (W10) → 10 goes.
    // 03-16 run (Monday, W12): weekly 16 (W12), 15 (W11) → 08 goes.
    const snapshots = writeJson(dailyAt0200Jst('2026-03-01', '2026-03-10'));
    const policy = writeJson({ keep: { daily: 2, weekly: 2 }, schedule });
    const result = planJson(['--snapshots', snapshots, '--policy', policy, '--now', '2026-03-10T09:00:00+09:00']);
    expect(result.keep).toEqual([
      { id: 'd-2026-03-10', reasons: ['daily snapshot', 'weekly snapshot'], guards: ['newest snapshot'], expiresAt: '2026-03-12T02:00:00+09:00' },
      { id: 'd-2026-03-09', reasons: ['daily snapshot'], guards: [], expiresAt: '2026-03-11T02:00:00+09:00' },
      { id: 'd-2026-03-08', reasons: ['weekly snapshot'], guards: [], expiresAt: '2026-03-16T02:00:00+09:00' },
    ]);
    expect(result.remove).toHaveLength(7);
  });

  it('withinDaily: 3d keeps what is strictly newer than three days before the newest, each going three days after it was taken', () => {
    // Newest 03-05 02:00 → cutoff 03-02 02:00 (exclusive): keeps 05, 04, 03. 03-03 expires at the 03-06 run.
    const snapshots = writeJson(dailyAt0200Jst('2026-03-01', '2026-03-05'));
    const policy = writeJson({ keep: { withinDaily: '3d' }, schedule });
    const result = planJson(['--snapshots', snapshots, '--policy', policy, '--now', '2026-03-05T09:00:00+09:00']);
    expect(result.keep.map((k) => [k.id, k.reasons, k.expiresAt])).toEqual([
      ['d-2026-03-05', ['daily within 3d'], '2026-03-08T02:00:00+09:00'],
      ['d-2026-03-04', ['daily within 3d'], '2026-03-07T02:00:00+09:00'],
      ['d-2026-03-03', ['daily within 3d'], '2026-03-06T02:00:00+09:00'],
    ]);
  });

  it('an unlimited rule never expires (null in JSON, "never" in the table); a held snapshot shows "held"', () => {
    const snapshots = writeJson([
      { id: 'dec', time: '2025-12-31T02:00:00+09:00' },
      { id: 'held', time: '2025-12-30T02:00:00+09:00', tags: ['legal-hold'] },
      { id: 'jul', time: '2025-07-01T02:00:00+09:00' },
      { id: 'jan24', time: '2024-01-01T02:00:00+09:00' },
    ]);
    const policy = writeJson({ keep: { yearly: -1 }, schedule });
    const args = ['--snapshots', snapshots, '--policy', policy, '--now', '2026-01-01T09:00:00+09:00'];
    const json = planJson(args);
    expect(json.keep).toEqual([
      { id: 'dec', reasons: ['yearly snapshot'], guards: ['newest snapshot'], expiresAt: null },
      { id: 'held', reasons: [], guards: ['legal hold'], expiresAt: null },
      { id: 'jan24', reasons: ['yearly snapshot'], guards: [], expiresAt: null },
    ]);
    expect(json.remove).toEqual([{ id: 'jul' }]);
    const table = plan(args).stdout;
    expect(table).toMatch(/^dec +2025-12-31 02:00 +KEEP +yearly snapshot; guard: newest snapshot +never$/m);
    expect(table).toMatch(/^held +2025-12-30 02:00 +KEEP +guard: legal hold +held$/m);
  });

  it('projects expiries on the policy time zone\'s clock, across a DST change', () => {
    const snapshots = writeJson([
      { id: 'b', time: '2026-03-07T07:00:00Z' },
      { id: 'a', time: '2026-03-06T02:00:00-05:00' },
    ]);
    const policy = writeJson({ timezone: 'America/New_York', keep: { daily: 2 }, schedule });
    const result = planJson(['--snapshots', snapshots, '--policy', policy, '--now', '2026-03-07T09:00:00-05:00']);
    // 2026-03-08 is the US spring-forward day: 02:00 does not exist, and EventBridge Scheduler skips a
    // wall time in the gap. So the next run is 03-09 02:00 EDT (a goes), then 03-10 02:00 EDT (b goes).
    expect(result.keep.map((k) => [k.id, k.expiresAt])).toEqual([
      ['b', '2026-03-10T02:00:00-04:00'],
      ['a', '2026-03-09T02:00:00-04:00'],
    ]);
  });
});

describe('retention plan — human output', () => {
  it('prints the policy line, a table with KEEP and REMOVE rows newest first, and a summary line', () => {
    const snapshots = writeJson([
      { id: 'theirs', time: '2026-11-21T20:00:00+09:00', owned: false },
      { id: 'c', time: '2026-11-24T02:00:00+09:00' },
      { id: 'b', time: '2026-11-23T02:00:00+09:00', tags: ['legal-hold'] },
      { id: 'a', time: '2026-11-22T02:00:00+09:00' },
    ]);
    const result = plan(['--snapshots', snapshots, '--policy', dailyOnePolicy, '--now', NOW]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.replace(/\n$/, '').split('\n');
    expect(lines[0]).toBe(`policy: ${dailyOnePolicy}: keep 1 daily (time zone Asia/Tokyo, now 2026-11-25 09:00)`);
    expect(lines[1]).toMatch(/^ID +TIME \(Asia\/Tokyo\) +ACTION +REASONS +EXPIRES$/);
    expect(lines[2]).toMatch(/^c +2026-11-24 02:00 +KEEP +daily snapshot; guard: newest snapshot +2026-11-26 02:00$/);
    expect(lines[3]).toMatch(/^b +2026-11-23 02:00 +KEEP +guard: legal hold +held$/);
    expect(lines[4]).toMatch(/^a +2026-11-22 02:00 +REMOVE$/);
    expect(lines[5]).toBe('keep 2 (1 only by a guard), remove 1 of 3 snapshots; 1 not ours, ignored');
    expect(lines).toHaveLength(6);
    expect(result.stdout).not.toContain('theirs');
  });

  it('aligns the table columns', () => {
    const result = plan(['--snapshots', goodSnapshots, '--policy', writeJson({ keep: { last: 2 } }), '--now', NOW]);
    const rows = result.stdout.split('\n').slice(1, 5);
    const actionColumn = rows.map((row) => row.search(/ACTION|KEEP|REMOVE/));
    expect(new Set(actionColumn).size).toBe(1);
    expect(result.stdout).toMatch(/^keep 2 \(0 only by a guard\), remove 1 of 3 snapshots$/m);
  });
});

describe('retention plan — the real command', () => {
  const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
  const withoutNpmNoise = (text: string) =>
    text
      .split('\n')
      .filter((line) => line !== '' && !/^npm (warn|notice)/i.test(line))
      .join('\n');

  it('`npx backup-dr retention plan --resource app-db --json` plans the example snapshots', () => {
    const child = spawnSync(npx, ['backup-dr', 'retention', 'plan', '--snapshots', 'examples/snapshots.json', '--resource', 'app-db', '--now', NOW, '--json'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(withoutNpmNoise(child.stderr)).toBe('');
    expect(child.status).toBe(0);
    const json = JSON.parse(child.stdout) as PlanJson;
    expect(Object.keys(json)).toEqual(['keep', 'remove', 'ignored']);
    expect(json.keep[0]?.id).toBe('app-db-20261125-0200');
    expect(json.ignored).toEqual([{ id: 'rds:app-db-prod-2026-11-20-17-05' }]);
    expect(json).toEqual(planJson(['--snapshots', 'examples/snapshots.json', '--resource', 'app-db', '--now', NOW]));
  });

  it('`npx backup-dr retention plan --snapshots -` with broken JSON on stdin exits 2 with one line', () => {
    const child = spawnSync(npx, ['backup-dr', 'retention', 'plan', '--snapshots', '-', '--policy', 'examples/policy.json'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      input: '[{"id": "a", "time": ',
      timeout: 60_000,
    });
    expect(child.status).toBe(2);
    expect(child.stdout).toBe('');
    const lines = withoutNpmNoise(child.stderr).split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^backup-dr: -: not valid JSON/);
  });
});
