// The verdict on a copy at its edges, pure (functions/rds/verify-db-snapshots/plan.ts): which states
// are "in flight", when a still queue turns into "stuck", how a recorded progress tag is read, what is
// compared with the source, and the one alert a failed copy raises.

import type { DBSnapshot } from '@aws-sdk/client-rds';
import { describe, expect, it } from 'vitest';
import { progressTag, queueProgressAt, recordedProgress, verificationFailedAlert, verifyCopy, type VerifyInput } from '../../../functions/rds/verify-db-snapshots/plan.js';
import { copyOf, primarySnapshot, SECONDARY_KEY_ARN } from '../helpers/rds-fixtures.js';
import { teamPolicy } from '../../helpers/runtime.js';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-11-25T08:00:00+09:00');
const src = primarySnapshot('backup-dr-app-db-20261125-0200', '2026-11-24T17:00:00Z');
const good = copyOf(src, '2026-11-24T18:00:00Z');
const tagged = (copy: DBSnapshot, tags: Record<string, string>): DBSnapshot => ({ ...copy, TagList: [...(copy.TagList ?? []), ...Object.entries(tags).map(([Key, Value]) => ({ Key, Value }))] });
const iso = (ms: number) => new Date(ms).toISOString();
const verdict = (copy: DBSnapshot, overrides: Partial<VerifyInput> = {}) =>
  verifyCopy({ copy, source: src, expectedKeyArn: SECONDARY_KEY_ARN, now: NOW, lastProgressAt: NOW - HOUR, stuckAfter: 12 * HOUR, ...overrides });

describe('copies in flight', () => {
  it.each(['creating', 'copying', 'pending'])('waits for a copy that is %s', (status) => {
    expect(verdict({ ...good, Status: status, PercentProgress: 40 })).toEqual({ state: 'pending', reason: `copy is ${status} (40 %)` });
  });

  it.each(['failed', 'incompatible-restore', 'deleting'])('fails a copy that is %s: it will not become available', (status) => {
    expect(verdict({ ...good, Status: status })).toEqual({ state: 'failed', problems: [`copy is in state "${status}"`] });
  });

  it('fails a copy RDS reports without a status', () => {
    const { Status: _none, ...noStatus } = good;
    expect(verdict(noStatus)).toEqual({ state: 'failed', problems: ['copy is in state "unknown"'] });
  });

  it('reads a copy in flight without a progress figure as at 0 %', () => {
    const { PercentProgress: _none, ...copy } = { ...good, Status: 'creating' };
    expect(verdict(copy)).toEqual({ state: 'pending', reason: 'copy is creating (0 %)' });
    expect(verdict(copy, { lastProgressAt: NOW - 20 * HOUR })).toEqual({ state: 'failed', problems: ['copy still "creating" at 0 %: its queue has not moved for 20 h'] });
  });

  it('calls a queue stuck only once it has been still for longer than the limit', () => {
    const copy = { ...good, Status: 'creating', PercentProgress: 10 };
    expect(verdict(copy, { lastProgressAt: NOW - 12 * HOUR })).toMatchObject({ state: 'pending' });
    expect(verdict(copy, { lastProgressAt: NOW - 12 * HOUR - 1 })).toMatchObject({ state: 'failed' });
  });
});

describe('comparing a copy with its source', () => {
  it('accepts any key when none is expected, as long as the copy is encrypted', () => {
    expect(verdict({ ...good, KmsKeyId: 'arn:aws:kms:ap-southeast-1:123456789012:key/other' }, { expectedKeyArn: undefined })).toEqual({ state: 'verified' });
    expect(verdict({ ...good, Encrypted: false }, { expectedKeyArn: undefined })).toEqual({ state: 'failed', problems: ['copy is not encrypted'] });
  });

  it('names a missing key on an encrypted copy', () => {
    expect(verdict({ ...good, KmsKeyId: undefined })).toEqual({ state: 'failed', problems: [`copy is encrypted with (none), expected ${SECONDARY_KEY_ARN}`] });
  });

  it('fails a copy of another engine', () => {
    expect(verdict({ ...good, Engine: 'mysql' })).toEqual({ state: 'failed', problems: ['engine differs: copy has mysql, source has postgres'] });
  });

  it('lists every difference, in order', () => {
    expect(verdict({ ...good, Engine: 'mysql', AllocatedStorage: 20, Encrypted: false })).toEqual({
      state: 'failed',
      problems: ['copy is not encrypted', 'engine differs: copy has mysql, source has postgres', 'allocated storage differs: copy has 20, source has 100'],
    });
  });

  it('compares the original creation time with the source\'s own when the source reports none', () => {
    const { OriginalSnapshotCreateTime: _none, ...sourceWithout } = src;
    expect(verdict(good, { source: sourceWithout })).toEqual({ state: 'verified' });
    const { OriginalSnapshotCreateTime: _also, ...copyWithout } = good;
    expect(verdict(copyWithout, { source: sourceWithout })).toEqual({ state: 'verified' });
    expect(verdict(copyWithout)).toEqual({ state: 'failed', problems: ['original snapshot create time differs: copy has undefined, source has 2026-11-24T17:00:00.000Z'] });
  });
});

describe('recorded progress', () => {
  it('reads "<percent>@<time>"', () => {
    expect(recordedProgress(tagged(good, { 'backup-dr:copy-progress': '40@2026-11-25T00:00:00.000Z' }))).toEqual({ percent: 40, at: Date.parse('2026-11-25T00:00:00.000Z') });
  });

  it.each([
    { name: 'no tag', value: undefined },
    { name: 'text before the percent', value: 'x40@2026-11-25T00:00:00.000Z' },
    { name: 'more text after the time', value: '40@2026-11-25T00:00:00.000Z\nmore' },
    { name: 'no time', value: '40@' },
    { name: 'a time that is not one', value: '40@yesterday' },
    { name: 'no percent', value: '@2026-11-25T00:00:00.000Z' },
  ])('reads a tag with $name as no record', ({ value }) => {
    expect(recordedProgress(value === undefined ? good : tagged(good, { 'backup-dr:copy-progress': value }))).toBeNull();
  });

  it('records progress the first time a copy is seen, even at 0 %', () => {
    const { PercentProgress: _none, ...copy } = { ...good, Status: 'pending' };
    expect(progressTag(copy, NOW)).toBe(`0@${iso(NOW)}`);
    expect(progressTag(tagged(copy, { 'backup-dr:copy-progress': `0@${iso(NOW - HOUR)}` }), NOW)).toBeNull();
  });
});

describe('when a copy\'s queue last moved', () => {
  const inFlight = (id: string, percent: number, tags: Record<string, string>, status = 'creating'): DBSnapshot =>
    tagged({ ...good, DBSnapshotIdentifier: id, Status: status, PercentProgress: percent, SnapshotCreateTime: undefined }, tags);

  it('starts the clock of a copy never seen before when it was requested (our tag), not now', () => {
    const copy = inFlight('c', 0, { 'backup-dr:copy-started-at': iso(NOW - 20 * HOUR) });
    expect(queueProgressAt(copy, [], NOW)).toBe(NOW - 20 * HOUR);
  });

  it('falls back to RDS\'s create time, then to now, for a copy without our request tag', () => {
    expect(queueProgressAt({ ...good, Status: 'creating', SnapshotCreateTime: new Date(NOW - 5 * HOUR) }, [], NOW)).toBe(NOW - 5 * HOUR);
    expect(queueProgressAt(inFlight('c', 0, {}), [], NOW)).toBe(NOW);
  });

  it('takes the later of the recorded progress and the request for a copy whose progress did not change', () => {
    const copy = inFlight('c', 30, { 'backup-dr:copy-progress': `30@${iso(NOW - 9 * HOUR)}`, 'backup-dr:copy-started-at': iso(NOW - 20 * HOUR) });
    expect(queueProgressAt(copy, [], NOW)).toBe(NOW - 9 * HOUR);
    const requestedAfter = inFlight('c', 30, { 'backup-dr:copy-progress': `30@${iso(NOW - 9 * HOUR)}`, 'backup-dr:copy-started-at': iso(NOW - 2 * HOUR) });
    expect(queueProgressAt(requestedAfter, [], NOW)).toBe(NOW - 2 * HOUR);
  });

  it('counts only the copies of the same instance that are in flight or verified, not failed or unverified ones', () => {
    const queued = inFlight('q', 0, { 'backup-dr:copy-started-at': iso(NOW - 20 * HOUR), 'backup-dr:copy-progress': `0@${iso(NOW - 20 * HOUR)}` });
    const failed = inFlight('f', 60, { 'backup-dr:copy-progress': `40@${iso(NOW - 2 * HOUR)}` }, 'failed');
    const available = inFlight('a', 100, { 'backup-dr:copy-progress': `40@${iso(NOW - 2 * HOUR)}` }, 'available');
    expect(queueProgressAt(queued, [failed, available], NOW)).toBe(NOW - 20 * HOUR);
    const moving = inFlight('m', 60, { 'backup-dr:copy-progress': `40@${iso(NOW - 2 * HOUR)}` }, 'copying');
    expect(queueProgressAt(queued, [failed, moving], NOW)).toBe(NOW);
    const done = tagged(good, { 'backup-dr:verified-at': iso(NOW - 3 * HOUR) });
    expect(queueProgressAt(queued, [done, tagged(good, { 'backup-dr:verified-at': 'not a time' })], NOW)).toBe(NOW - 3 * HOUR);
  });
});

describe('the alert for a copy that failed verification', () => {
  const policy = teamPolicy();

  it('names the copy, its first problem, the region, and how to get a new copy', () => {
    expect(verificationFailedAlert(policy, good, src.DBSnapshotArn, ['allocated storage differs: copy has 20, source has 100', 'engine differs'], NOW)).toEqual({
      severity: 'critical',
      kind: 'verification-failed',
      resource: 'app-db',
      region: 'ap-southeast-1',
      summary: 'copy backup-dr-app-db-20261125-0200 failed verification: allocated storage differs: copy has 20, source has 100',
      action:
        'Do not count on this copy. Delete it (aws rds delete-db-snapshot --region ap-southeast-1 --db-snapshot-identifier backup-dr-app-db-20261125-0200); copy-db-snapshots makes a new one on its next run. Its source stays protected from pruning until a copy verifies.',
      source: 'verify-db-snapshots',
      at: NOW,
      details: { copy: good.DBSnapshotArn, source: src.DBSnapshotArn, problems: 'allocated storage differs: copy has 20, source has 100; engine differs' },
    });
  });

  it('still alerts for a copy RDS describes with little: no id, ARN, resource tag, source or problem', () => {
    const bare: DBSnapshot = { Status: 'failed' };
    expect(verificationFailedAlert(policy, bare, undefined, [], NOW)).toMatchObject({
      resource: 'unknown',
      summary: 'copy  failed verification: ',
      details: { copy: '', source: null, problems: '' },
    });
    expect(verificationFailedAlert(policy, { ...bare, DBSnapshotIdentifier: 'c-1' }, undefined, [], NOW).details).toEqual({ copy: 'c-1', source: null, problems: '' });
  });
});
