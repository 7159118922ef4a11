// The posture verdict's edges, pure (functions/rds/check-db-posture/plan.ts): each threshold exactly at
// and just past its limit, what a finding tells a person to do, and which figures stay null when the
// data to compute them is missing. Written to fail for each mutant of the plan that changes a decision.

import type { DBInstance, DBInstanceAutomatedBackup, DBSnapshot } from '@aws-sdk/client-rds';
import { describe, expect, it } from 'vitest';
import {
  assessPosture,
  assessQuota,
  backlogFindings,
  copyAgeLimit,
  findingRegion,
  missedBackup,
  newestVerifiedCopy,
  orphanFinding,
  type Finding,
  type PostureInput,
} from '../../../functions/rds/check-db-posture/plan.js';
import { copyOf, finalSnapshot, ourTags, PRIMARY, primarySnapshot, scheduledTags, SECONDARY } from '../helpers/rds-fixtures.js';
import { teamPolicy } from '../../helpers/runtime.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const NOW = Date.parse('2026-11-25T09:00:00+09:00');
const policy = teamPolicy();
const db = policy.resources.databases[0]!;
const INSTANCE_ARN = 'arn:aws:rds:ap-northeast-1:123456789012:db:app-db-prod';

const instance: DBInstance = { DBInstanceIdentifier: 'app-db-prod', DBInstanceArn: INSTANCE_ARN, BackupRetentionPeriod: 35, LatestRestorableTime: new Date(NOW - 5 * MIN) };
const replicating = (latest: number | undefined, status = 'replicating'): DBInstanceAutomatedBackup => ({
  DBInstanceArn: INSTANCE_ARN,
  Status: status,
  ...(latest === undefined ? {} : { RestoreWindow: { EarliestTime: new Date(NOW - DAY), LatestTime: new Date(latest) } }),
});
const input = (overrides: Partial<PostureInput> = {}): PostureInput => ({
  db,
  instance,
  replicated: [replicating(NOW - 10 * MIN)],
  newestVerifiedCopy: NOW - 7 * HOUR,
  now: NOW,
  rpoTarget: 15 * MIN,
  copyAgeLimit: 2 * DAY,
  ...overrides,
});
const checks = (findings: readonly Finding[]) => findings.map((f) => `${f.severity} ${f.check}`);
const withDb = (change: (d: Record<string, any>) => void) => teamPolicy((d) => change(d.resources.databases[0])).resources.databases[0]!;

describe('assessPosture: the instance and its automated backups', () => {
  it('finds a healthy instance healthy, with every RPO figure', () => {
    expect(assessPosture(input())).toEqual({ findings: [], figures: { primaryPitrLag: 5 * MIN, secondaryPitrLag: 10 * MIN, newestVerifiedCopyAge: 7 * HOUR } });
  });

  it('reports a missing instance as the only finding, telling which policy entry to fix, with only the copy age as a figure', () => {
    expect(assessPosture(input({ instance: null }))).toEqual({
      findings: [{ severity: 'critical', check: 'instance', summary: 'DB instance app-db-prod not found', action: 'Fix instanceId of "app-db" in backup-policy.yml, or restore the instance.' }],
      figures: { primaryPitrLag: null, secondaryPitrLag: null, newestVerifiedCopyAge: 7 * HOUR },
    });
    expect(assessPosture(input({ instance: null, newestVerifiedCopy: null })).figures.newestVerifiedCopyAge).toBeNull();
  });

  it('calls automated backups that are off critical, gives the command that turns them on, and reports no PITR lag', () => {
    const { findings, figures } = assessPosture(input({ instance: { ...instance, BackupRetentionPeriod: 0 } }));
    expect(findings[0]).toEqual({
      severity: 'critical',
      check: 'automated-backups',
      summary: 'automated backups are OFF on app-db-prod: no point-in-time recovery',
      action: 'aws rds modify-db-instance --db-instance-identifier app-db-prod --backup-retention-period 35 --apply-immediately',
    });
    // LatestRestorableTime is stale when backups are off: it says nothing about PITR.
    expect(figures.primaryPitrLag).toBeNull();
    expect(checks(findings)).not.toContain('critical rpo-primary');
  });

  it('treats an instance without a retention period as backups off', () => {
    const { BackupRetentionPeriod: _omitted, ...unknown } = instance;
    expect(checks(assessPosture(input({ instance: unknown })).findings)).toEqual(['critical automated-backups']);
  });

  it.each([
    { days: 34, findings: ['warning automated-backups'] },
    { days: 35, findings: [] },
    { days: 36, findings: [] },
  ])('with a retention of $days days against the policy\'s 35: $findings', ({ days, findings }) => {
    const result = assessPosture(input({ instance: { ...instance, BackupRetentionPeriod: days } }));
    expect(checks(result.findings)).toEqual(findings);
    if (findings.length > 0) {
      expect(result.findings[0]).toMatchObject({
        summary: 'automated backup retention is 34 days on app-db-prod, policy wants 35',
        action: 'aws rds modify-db-instance --db-instance-identifier app-db-prod --backup-retention-period 35 --apply-immediately',
      });
    }
  });

  it.each([
    { lag: 15 * MIN, finding: false },
    { lag: 15 * MIN + 1, finding: true },
  ])('calls a primary PITR lag of $lag ms against a 15 min target a finding: $finding', ({ lag, finding }) => {
    const { findings, figures } = assessPosture(input({ instance: { ...instance, LatestRestorableTime: new Date(NOW - lag) } }));
    expect(figures.primaryPitrLag).toBe(lag);
    expect(checks(findings)).toEqual(finding ? ['critical rpo-primary'] : []);
    if (finding) {
      expect(findings[0]).toMatchObject({ summary: 'PITR lags 15 min behind in the primary region (target 15 min)', action: expect.stringContaining('aws rds describe-events') });
    }
  });

  it('has no primary PITR figure when RDS reports no latest restorable time', () => {
    const { LatestRestorableTime: _omitted, ...noTime } = instance;
    const { findings, figures } = assessPosture(input({ instance: noTime }));
    expect(figures.primaryPitrLag).toBeNull();
    expect(findings).toEqual([]);
  });
});

describe('assessPosture: replication to the secondary region', () => {
  it('measures the cross-region lag from the latest restore window of the active replications', () => {
    const { figures } = assessPosture(input({ replicated: [replicating(NOW - 40 * MIN), replicating(NOW - 12 * MIN), replicating(NOW - MIN, 'retained')] }));
    expect(figures.secondaryPitrLag).toBe(12 * MIN);
  });

  it.each([
    { name: 'no restore window yet', replicated: [replicating(undefined)] },
    { name: 'a restore window without a latest time', replicated: [{ DBInstanceArn: INSTANCE_ARN, Status: 'replicating', RestoreWindow: { EarliestTime: new Date(NOW - DAY) } }] },
  ])('has no cross-region figure with $name, and no finding', ({ replicated }) => {
    const { findings, figures } = assessPosture(input({ replicated }));
    expect(figures.secondaryPitrLag).toBeNull();
    expect(findings).toEqual([]);
  });

  it.each([
    { lag: 15 * MIN, finding: false },
    { lag: 15 * MIN + 1, finding: true },
  ])('calls a cross-region lag of $lag ms against a 15 min target a finding: $finding', ({ lag, finding }) => {
    const { findings } = assessPosture(input({ replicated: [replicating(NOW - lag)] }));
    expect(checks(findings)).toEqual(finding ? ['critical rpo-secondary'] : []);
    if (finding) {
      expect(findings[0]).toMatchObject({ summary: 'cross-region PITR lags 15 min behind (target 15 min)', action: expect.stringContaining('aws rds describe-db-instance-automated-backups') });
    }
  });

  it('calls missing replication critical, and says how to start it', () => {
    const { findings, figures } = assessPosture(input({ replicated: [] }));
    expect(figures.secondaryPitrLag).toBeNull();
    expect(findings).toEqual([
      {
        severity: 'critical',
        check: 'replication',
        summary: 'automated backups of app-db-prod are not replicated to the secondary region: no cross-region PITR',
        action: expect.stringContaining('aws rds start-db-instance-automated-backups-replication'),
      },
    ]);
  });

  it('only warns about missing replication that replicate-db-backups will start (enforce: true)', () => {
    const enforced = withDb((d) => { d.automatedBackups.enforce = true; });
    expect(assessPosture(input({ db: enforced, replicated: [] })).findings).toEqual([
      {
        severity: 'warning',
        check: 'replication',
        summary: 'automated-backup replication of app-db-prod is off; replicate-db-backups starts it (enforce: true)',
        action: expect.stringContaining('replicate-db-backups'),
      },
    ]);
  });

  it('calls missing replication critical even when enforced, while automated backups are off (nothing to replicate)', () => {
    const enforced = withDb((d) => { d.automatedBackups.enforce = true; });
    const { findings } = assessPosture(input({ db: enforced, replicated: [], instance: { ...instance, BackupRetentionPeriod: 0 } }));
    expect(checks(findings)).toEqual(['critical automated-backups', 'critical replication']);
  });

  it('does not ask for replication the policy does not want', () => {
    const local = withDb((d) => { d.automatedBackups.replicateToSecondary = false; });
    expect(assessPosture(input({ db: local, replicated: [] })).findings).toEqual([]);
  });
});

describe('assessPosture: the newest verified copy', () => {
  it.each([
    { age: 2 * DAY, findings: [] },
    { age: 2 * DAY + 1, findings: ['critical copies'] },
  ])('calls a copy $age ms old against a two-day limit: $findings', ({ age, findings }) => {
    const result = assessPosture(input({ newestVerifiedCopy: NOW - age }));
    expect(result.figures.newestVerifiedCopyAge).toBe(age);
    expect(checks(result.findings)).toEqual(findings);
  });

  it('says how old a stale copy is, against the limit, and what to check', () => {
    expect(assessPosture(input({ newestVerifiedCopy: NOW - 79 * HOUR })).findings).toEqual([
      {
        severity: 'critical',
        check: 'copies',
        summary: 'newest verified copy in the secondary region is 79.0 h old (limit 48.0 h)',
        action: 'Backups or copies have stalled: check take-db-snapshot, copy-db-snapshots and verify-db-snapshots alerts and logs.',
      },
    ]);
  });

  it('warns when there is no verified copy yet', () => {
    expect(assessPosture(input({ newestVerifiedCopy: null })).findings).toEqual([
      { severity: 'warning', check: 'copies', summary: 'no verified snapshot copy in the secondary region yet', action: expect.stringContaining('first day after deployment') },
    ]);
  });
});

describe('assessQuota', () => {
  it.each([
    { used: 80, max: 100, expected: null },
    { used: 81, max: 100, expected: 'warning' },
    { used: 99, max: 100, expected: 'warning' },
    { used: 100, max: 100, expected: 'critical' },
    { used: 101, max: 100, expected: 'critical' },
    { used: 5, max: 0, expected: null },
  ])('$used of $max at a 0.8 warning ratio: $expected', ({ used, max, expected }) => {
    expect(assessQuota(PRIMARY, used, max, 0.8)?.severity ?? null).toBe(expected);
  });

  it('names the region, the count and the share, and what to do', () => {
    expect(assessQuota(SECONDARY, 87, 100, 0.8)).toEqual({
      severity: 'warning',
      check: 'quota',
      summary: '87 of 100 manual DB snapshots used in ap-southeast-1 (87 %)',
      action: expect.stringContaining('request a quota increase'),
    });
  });
});

describe('copyAgeLimit and newestVerifiedCopy', () => {
  it('allows twice the backup interval: two days for a daily schedule, two hours for an hourly one', () => {
    expect(copyAgeLimit(db, 'Asia/Tokyo', NOW)).toBe(2 * DAY);
    expect(copyAgeLimit({ ...db, schedule: 'rate(1 hour)' }, 'Asia/Tokyo', NOW)).toBe(2 * HOUR);
  });

  it('falls back to two days for a schedule without a next run', () => {
    expect(copyAgeLimit({ ...db, schedule: 'cron(0 2 * * ? 2020)' }, 'Asia/Tokyo', NOW)).toBe(2 * DAY);
  });

  const source = (day: string) => primarySnapshot(`backup-dr-app-db-202611${day}-0200`, `2026-11-${day}T02:00:00+09:00`);
  const verified = (day: string, extra: Partial<DBSnapshot> = {}) => copyOf(source(day), `2026-11-${day}T03:00:00+09:00`, { Status: 'available', ...extra }, { 'backup-dr:verified-at': `2026-11-${day}T04:00:00+09:00` });

  it('is when the data of the newest verified copy of this database was taken, not when it was copied', () => {
    const copies = [verified('21'), verified('23'), verified('22')];
    expect(newestVerifiedCopy(db, copies)).toBe(Date.parse('2026-11-23T02:00:00+09:00'));
  });

  it('ignores copies that are not verified, and copies of other databases', () => {
    const other = copyOf(primarySnapshot('backup-dr-other-db-20261124-0200', '2026-11-24T02:00:00+09:00', {}, ourTags('other-db')), '2026-11-24T03:00:00+09:00', {}, { 'backup-dr:verified-at': 'x' });
    const unverified = copyOf(source('24'), '2026-11-24T03:00:00+09:00');
    const failed = verified('24', { Status: 'failed' });
    expect(newestVerifiedCopy(db, [verified('20'), other, unverified, failed])).toBe(Date.parse('2026-11-20T02:00:00+09:00'));
    expect(newestVerifiedCopy(db, [other, unverified])).toBeNull();
  });

  it('counts copies only: not a replaced instance\'s final snapshot in the secondary, whatever tags the instance handed it', () => {
    const final = finalSnapshot('bdr-rec-app-db-202611230300', '2026-11-24T12:00:00+09:00', SECONDARY, {}, { 'backup-dr:verified-at': '2026-11-24T13:00:00Z' });
    expect(newestVerifiedCopy(db, [verified('21'), final])).toBe(Date.parse('2026-11-21T02:00:00+09:00'));
    expect(newestVerifiedCopy(db, [final])).toBeNull();
  });

  it('counts a verified copy whose time RDS reports not at all as taken at the epoch: as old as can be', () => {
    const timeless = verified('22', { OriginalSnapshotCreateTime: undefined, SnapshotCreateTime: undefined });
    expect(newestVerifiedCopy(db, [timeless])).toBe(0);
    expect(newestVerifiedCopy(db, [timeless, verified('21')])).toBe(Date.parse('2026-11-21T02:00:00+09:00'));
  });

  it('falls back to the copy\'s own create time when RDS reports no original time', () => {
    const copy = verified('22', { OriginalSnapshotCreateTime: undefined });
    expect(newestVerifiedCopy(db, [copy])).toBe(Date.parse('2026-11-22T03:00:00+09:00'));
  });
});

describe('missedBackup: the dead man\'s switch', () => {
  const at0200 = Date.parse('2026-11-25T02:00:00+09:00');
  const taken = (scheduledIso: string, resource = 'app-db') => primarySnapshot(`backup-dr-${resource}-x`, scheduledIso, {}, scheduledTags(resource, scheduledIso));
  const onlyTag = (key: string, iso: string) => primarySnapshot('backup-dr-app-db-x', iso, {}, ourTags('app-db', { [key]: new Date(iso).toISOString() }));

  it('reports the latest scheduled run without a snapshot, in the policy\'s time zone, and how to take one now', () => {
    expect(missedBackup(db, [taken('2026-11-24T02:00:00+09:00')], 'Asia/Tokyo', NOW)).toEqual({
      severity: 'critical',
      check: 'missed-backup',
      summary: 'no snapshot of app-db-prod for the run scheduled at 2026-11-25 02:00 (Asia/Tokyo)',
      action: 'Check the take-db-snapshot schedule, its logs and earlier alerts; take one now by invoking take-db-snapshot with {"resources":["app-db"]}.',
    });
  });

  it.each([
    { name: 'its scheduled-at tag', snapshot: () => onlyTag('backup-dr:scheduled-at', '2026-11-25T02:00:00+09:00') },
    { name: 'its created-at tag', snapshot: () => onlyTag('backup-dr:created-at', '2026-11-25T02:00:00+09:00') },
    { name: 'a later created-at tag', snapshot: () => onlyTag('backup-dr:created-at', '2026-11-25T02:07:00+09:00') },
  ])('counts the run as covered by a snapshot whose $name is at or after it', ({ snapshot }) => {
    expect(missedBackup(db, [snapshot()], 'Asia/Tokyo', NOW)).toBeNull();
  });

  it.each([
    { name: 'a scheduled-at tag before it', snapshot: () => onlyTag('backup-dr:scheduled-at', '2026-11-25T01:59:59+09:00') },
    { name: 'a created-at tag before it', snapshot: () => onlyTag('backup-dr:created-at', '2026-11-25T01:59:59+09:00') },
    { name: 'no time tags', snapshot: () => primarySnapshot('backup-dr-app-db-x', '2026-11-25T02:00:00+09:00') },
    { name: 'a snapshot of another database', snapshot: () => taken('2026-11-25T02:00:00+09:00', 'other-db') },
  ])('does not count the run as covered by $name', ({ snapshot }) => {
    expect(missedBackup(db, [snapshot()], 'Asia/Tokyo', NOW)?.check).toBe('missed-backup');
  });

  it('does not count the run as covered by a replaced instance\'s final snapshot (tier final), whose created-at is the recovery\'s', () => {
    // A recovery planned at 02:30, replaced with a short keep-until: its final snapshot carries created-at 02:30, after the missed 02:00 run.
    const final = finalSnapshot('bdr-rec-app-db-202611250230', '2026-11-25T02:30:00+09:00');
    expect(missedBackup(db, [final], 'Asia/Tokyo', NOW)?.check).toBe('missed-backup');
  });

  it('gives a run an hour of grace before calling it missed', () => {
    expect(missedBackup(db, [], 'Asia/Tokyo', at0200 + 59 * MIN)?.summary).toContain('2026-11-24 02:00');
    expect(missedBackup(db, [], 'Asia/Tokyo', at0200 + 61 * MIN)?.summary).toContain('2026-11-25 02:00');
  });

  // A snapshot RDS created and then marked failed once counted as the run's backup: the dead man's switch
  // stayed silent, and nothing else heard it (copy-backlog looks at available snapshots only).
  it('does not count a snapshot that failed as the run\'s backup, and names it', () => {
    const failed = primarySnapshot('backup-dr-app-db-20261125-0200', '2026-11-25T02:00:00+09:00', { Status: 'failed' }, scheduledTags('app-db', '2026-11-25T02:00:00+09:00'));
    const finding = missedBackup(db, [failed], 'Asia/Tokyo', NOW);
    expect(finding?.check).toBe('missed-backup');
    expect(finding?.summary).toContain('failed: backup-dr-app-db-20261125-0200');
    // A second snapshot of the same run that did not fail (taken by hand after the alert) covers it.
    const retaken = primarySnapshot('backup-dr-app-db-20261125-0900', '2026-11-25T09:00:00+09:00', {}, scheduledTags('app-db', '2026-11-25T02:00:00+09:00'));
    expect(missedBackup(db, [failed, retaken], 'Asia/Tokyo', NOW)).toBeNull();
  });

  it('reports nothing when no run was due in the last three days', () => {
    const yearly = { ...db, schedule: 'cron(0 2 1 1 ? *)' };
    expect(missedBackup(yearly, [], 'Asia/Tokyo', NOW)).toBeNull();
    expect(missedBackup(yearly, [], 'Asia/Tokyo', Date.parse('2027-01-02T09:00:00+09:00'))?.summary).toContain('2027-01-01 02:00');
  });
});

describe('backlogFindings', () => {
  const original = (hoursOld: number, overrides: Partial<DBSnapshot> = {}, id = `backup-dr-app-db-h${hoursOld}`) =>
    primarySnapshot(id, new Date(NOW - hoursOld * HOUR).toISOString(), overrides, scheduledTags('app-db', new Date(NOW - hoursOld * HOUR).toISOString()));
  const verifiedCopyOf = (s: DBSnapshot) => copyOf(s, new Date((s.SnapshotCreateTime?.getTime() ?? 0) + HOUR).toISOString(), {}, { 'backup-dr:verified-at': 'x' });

  it.each([
    { name: 'six hours old exactly', snapshot: () => original(6), backlog: false },
    { name: 'just over six hours old', snapshot: () => original(6.01), backlog: true },
    { name: 'days old but not available', snapshot: () => original(30, { Status: 'creating' }), backlog: false },
  ])('a snapshot $name without a verified copy is a copy backlog: $backlog', ({ snapshot, backlog }) => {
    const newest = original(1);
    const findings = backlogFindings(policy, db, [newest, snapshot()], [verifiedCopyOf(newest)], NOW);
    expect(findings.some((f) => f.check === 'copy-backlog')).toBe(backlog);
  });

  it('names how many snapshots lack a verified copy and the oldest of them, as a warning', () => {
    const snapshots = [original(1), original(8, {}, 'backup-dr-app-db-b'), original(30, {}, 'backup-dr-app-db-oldest'), original(9, {}, 'backup-dr-app-db-c')];
    const findings = backlogFindings(policy, db, snapshots, [verifiedCopyOf(snapshots[0]!)], NOW);
    expect(findings.filter((f) => f.check === 'copy-backlog')).toEqual([
      {
        severity: 'warning',
        check: 'copy-backlog',
        summary: '3 snapshot(s) older than 6 h have no verified copy in ap-southeast-1 (oldest backup-dr-app-db-oldest)',
        action: expect.stringContaining('rds.maxCopiesInFlight'),
      },
    ]);
  });

  it('names the first listed of equally old snapshots, and one without an id by nothing', () => {
    const twin = (id: string) => original(10, {}, id);
    expect(backlogFindings(policy, db, [twin('backup-dr-app-db-first'), twin('backup-dr-app-db-second')], [], NOW)[0]?.summary).toMatch(/\(oldest backup-dr-app-db-first\)$/);
    expect(backlogFindings(policy, db, [{ ...original(10), DBSnapshotIdentifier: undefined }], [], NOW)[0]?.summary).toMatch(/\(oldest \)$/);
  });

  it('does not count as past its retention a copy whose source in the primary is under legal hold', () => {
    const days = Array.from({ length: 40 }, (_, i) => primarySnapshot(`backup-dr-app-db-d${i}`, new Date(NOW - (i * DAY + 7 * HOUR)).toISOString(), {}, scheduledTags('app-db', new Date(NOW - (i * DAY + 7 * HOUR)).toISOString())));
    const copies = days.map(verifiedCopyOf);
    const secondaryDue = (originals: DBSnapshot[]) => backlogFindings(policy, db, originals, copies, NOW).find((f) => f.check === 'prune-backlog' && f.summary.includes(SECONDARY))?.summary;
    const before = secondaryDue(days);
    // Hold every original: the copies are held through their sources, so nothing is due in the secondary.
    const held = days.map((s) => ({ ...s, TagList: [...(s.TagList ?? []), { Key: 'legal-hold', Value: 'case-7' }] }));
    expect(before).toMatch(/^\d+ snapshot\(s\) in ap-southeast-1/);
    expect(secondaryDue(held)).toBeUndefined();
  });

  it('does not count a snapshot whose copy is verified, nor a copy of another database', () => {
    const mine = original(10);
    const other = copyOf(primarySnapshot('backup-dr-other-db-x', new Date(NOW - 10 * HOUR).toISOString(), {}, ourTags('other-db')), new Date(NOW - 9 * HOUR).toISOString(), {}, { 'backup-dr:verified-at': 'x' });
    expect(backlogFindings(policy, db, [mine], [verifiedCopyOf(mine)], NOW)).toEqual([]);
    // A verified copy of another database whose copy-of names this snapshot's ARN does not count.
    const impostor = { ...other, TagList: [...(other.TagList ?? []).filter((t) => t.Key !== 'backup-dr:copy-of'), { Key: 'backup-dr:copy-of', Value: mine.DBSnapshotArn ?? '' }] };
    expect(backlogFindings(policy, db, [mine], [impostor], NOW).map((f) => f.check)).toEqual(['copy-backlog']);
  });

  it('reports snapshots past their retention in each region, saying whether dry run is on', () => {
    const days = Array.from({ length: 45 }, (_, i) => primarySnapshot(`backup-dr-app-db-d${i}`, new Date(NOW - (i * DAY + 7 * HOUR)).toISOString(), {}, scheduledTags('app-db', new Date(NOW - (i * DAY + 7 * HOUR)).toISOString())));
    const copies = days.map(verifiedCopyOf);
    const findings = backlogFindings(policy, db, days, copies, NOW).filter((f) => f.check === 'prune-backlog');
    expect(findings).toHaveLength(2);
    const [primary, secondary] = findings;
    expect(primary).toMatchObject({ severity: 'warning', summary: expect.stringMatching(/^\d+ snapshot\(s\) in ap-northeast-1 are past their retention but still exist$/), action: 'Check that prune-db-snapshots runs in ap-northeast-1 and its alerts (dryRun is false).' });
    expect(secondary).toMatchObject({ severity: 'warning', summary: expect.stringMatching(/ in ap-southeast-1 are past/), action: 'Check that prune-db-snapshots runs in ap-southeast-1 and its alerts (dryRun is false).' });
    expect(primary?.summary).toBe(secondary?.summary.replace(SECONDARY, PRIMARY));
    // The primary judges its originals against their copies: without verified copies nothing is due there.
    const unverified = backlogFindings(policy, db, days, days.map((s) => copyOf(s, new Date(NOW).toISOString())), NOW).filter((f) => f.check === 'prune-backlog');
    expect(unverified.map((f) => f.summary)).toEqual([expect.stringContaining(SECONDARY)]);
  });

  it('leaves a refused plan to prune-db-snapshots: no finding, no error', () => {
    const tagsOnly = teamPolicy((d) => { d.resources.databases[0].retention = { tags: [['never']], complianceOverride: 'test fixture: tags only' }; });
    const snapshot = original(1);
    expect(backlogFindings(tagsOnly, tagsOnly.resources.databases[0]!, [snapshot], [verifiedCopyOf(snapshot)], NOW)).toEqual([]);
  });
});

describe('findingRegion', () => {
  it.each([
    ['rpo-secondary', SECONDARY],
    ['copies', SECONDARY],
    ['replication', SECONDARY],
    ['rpo-primary', PRIMARY],
    ['automated-backups', PRIMARY],
    ['missed-backup', PRIMARY],
    ['copy-backlog', PRIMARY],
    ['instance', PRIMARY],
  ])('files a %s finding under %s', (check, region) => {
    expect(findingRegion(policy, { severity: 'warning', check, summary: '', action: '' })).toBe(region);
  });
});

describe('orphanFinding', () => {
  const orphan = (id: string, resource: string | undefined, iso: string | undefined) => {
    const tags = ourTags(resource ?? 'x').filter((t) => resource !== undefined || t.Key !== 'backup-dr:resource');
    const s = primarySnapshot(id, iso ?? '2026-01-01T00:00:00Z', {}, tags);
    return iso === undefined ? { ...s, SnapshotCreateTime: undefined, OriginalSnapshotCreateTime: undefined } : s;
  };

  it('finds nothing when every snapshot belongs to a database of the policy', () => {
    expect(orphanFinding(policy, PRIMARY, [primarySnapshot('backup-dr-app-db-x', '2026-11-01T02:00:00+09:00')], 100)).toBeNull();
  });

  it('names the databases (sorted, once each), the oldest snapshot and its time, and the share of the quota', () => {
    const owned = [
      primarySnapshot('backup-dr-app-db-x', '2020-01-01T02:00:00+09:00'),
      orphan('backup-dr-zeta-db-1', 'zeta-db', '2026-03-01T02:00:00+09:00'),
      orphan('backup-dr-old-db-2', 'old-db', '2026-01-05T02:00:00+09:00'),
      orphan('backup-dr-old-db-1', 'old-db', '2025-12-31T02:00:00+09:00'),
      orphan('backup-dr-timeless', 'old-db', undefined),
      orphan('untagged-1', undefined, '2026-02-01T02:00:00+09:00'),
    ];
    expect(orphanFinding(policy, SECONDARY, owned, 200)).toEqual({
      severity: 'warning',
      check: 'orphaned-snapshots',
      summary: '5 snapshot(s) of ours in ap-southeast-1 belong to no database of the policy ((untagged), old-db, zeta-db); oldest backup-dr-old-db-1 from 2025-12-31 02:00 (3 % of the manual-snapshot quota)',
      action: expect.stringContaining('aws rds delete-db-snapshot --region ap-southeast-1'),
    });
  });

  it('names the first listed of equally old orphans, and one without an id by nothing', () => {
    const first = orphan('backup-dr-old-db-a', 'old-db', '2026-01-01T02:00:00+09:00');
    const second = orphan('backup-dr-old-db-b', 'old-db', '2026-01-01T02:00:00+09:00');
    expect(orphanFinding(policy, PRIMARY, [first, second], 0)?.summary).toContain('; oldest backup-dr-old-db-a from');
    expect(orphanFinding(policy, PRIMARY, [{ ...first, DBSnapshotIdentifier: undefined }], 0)?.summary).toContain('; oldest  from 2026-01-01 02:00');
  });

  it('leaves out the quota share when the quota is unknown, and the time when none is known', () => {
    expect(orphanFinding(policy, PRIMARY, [orphan('backup-dr-timeless', 'old-db', undefined)], 0)?.summary).toBe(
      '1 snapshot(s) of ours in ap-northeast-1 belong to no database of the policy (old-db); oldest backup-dr-timeless',
    );
  });

  it('tells a person that they are never deleted automatically and how to bring the database back', () => {
    expect(orphanFinding(policy, PRIMARY, [orphan('backup-dr-old-db-1', 'old-db', '2026-01-01T02:00:00+09:00')], 100)?.action).toMatch(/^They are never deleted automatically\. Put the database back into resources\.databases/);
  });
});
