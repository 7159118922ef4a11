// What a prune decides, pure: the guarded plan over one database's snapshots in one region
// (shared/rds/retention.ts — each DR guard alone, on both sides) and what the run does with it
// (functions/rds/prune-db-snapshots/plan.ts — delete or only report, and the alert when it cannot).

import type { DBSnapshot } from '@aws-sdk/client-rds';
import { describe, expect, it } from 'vitest';
import { pruneActions, pruneFailureAlert } from '../../../functions/rds/prune-db-snapshots/plan.js';
import { RetentionRefused } from '../../../shared/errors.js';
import { HELD_ELSEWHERE_GUARD, planPrune, QUARANTINE_GUARD, UNKNOWN_TIME_GUARD, type PrunePlanInput } from '../../../shared/rds/retention.js';
import { copyOf, ourTags, primarySnapshot } from '../helpers/rds-fixtures.js';
import { teamPolicy } from '../../helpers/runtime.js';

const NOW = Date.parse('2026-11-25T05:30:00+09:00');
/** Keep the last two snapshots (below the 7-year floor, so with an override). */
const policy = teamPolicy((d) => { d.resources.databases[0].retention = { last: 2, complianceOverride: 'test fixture with short retention' }; });
const db = policy.resources.databases[0]!;
const day = (n: number) => `backup-dr-app-db-202611${String(n).padStart(2, '0')}-0200`;
const original = (n: number, overrides: Partial<DBSnapshot> = {}, extraTags: Record<string, string> = {}) =>
  primarySnapshot(day(n), `2026-11-${String(n).padStart(2, '0')}T02:00:00+09:00`, overrides, ourTags('app-db', extraTags));
const verified = (s: DBSnapshot, overrides: Partial<DBSnapshot> = {}, extraTags: Record<string, string> = {}) =>
  copyOf(s, new Date((s.SnapshotCreateTime?.getTime() ?? 0) + 3_600_000).toISOString(), { Status: 'available', ...overrides }, { 'backup-dr:verified-at': '2026-11-25T04:00:00Z', ...extraTags });
const unverified = (s: DBSnapshot, overrides: Partial<DBSnapshot> = {}) => copyOf(s, new Date((s.SnapshotCreateTime?.getTime() ?? 0) + 3_600_000).toISOString(), { Status: 'available', ...overrides });

/** Five daily originals (20–24); the policy keeps 24 and 23 and removes 22, 21, 20. */
const originals = [24, 23, 22, 21, 20].map((n) => original(n));
const plan = (input: Partial<PrunePlanInput> & Pick<PrunePlanInput, 'role' | 'mine' | 'counterparts'>) => planPrune({ policy, db, now: NOW, ...input });
const shape = (p: ReturnType<typeof planPrune>) => ({
  remove: p.remove.map((r) => r.snapshot.id),
  guarded: Object.fromEntries(p.keep.filter((k) => k.reasons.length === 0).map((k) => [k.snapshot.id, k.guards])),
});

describe('planPrune in the primary region', () => {
  it('removes what the policy removes once each copy is verified, keeping the rest by the policy', () => {
    expect(shape(plan({ role: 'primary', mine: originals, counterparts: originals.map((s) => verified(s)) }))).toEqual({ remove: [day(22), day(21), day(20)], guarded: {} });
  });

  it.each([
    { name: 'no copy', copy: () => null },
    { name: 'a copy not verified yet', copy: (s: DBSnapshot) => unverified(s) },
    { name: 'a verified copy that is being deleted', copy: (s: DBSnapshot) => verified(s, { Status: 'deleting' }) },
    { name: 'a verified copy that failed', copy: (s: DBSnapshot) => verified(s, { Status: 'failed' }) },
    { name: 'a copy tagged both verified and failed', copy: (s: DBSnapshot) => verified(s, {}, { 'backup-dr:verification-failed': '2026-11-25T05:00:00Z' }) },
  ])('keeps an original with $name in the secondary region', ({ copy }) => {
    const counterparts = originals.map((s) => (s === originals[3] ? copy(s) : verified(s))).filter((c): c is DBSnapshot => c !== null);
    expect(shape(plan({ role: 'primary', mine: originals, counterparts }))).toEqual({ remove: [day(22), day(20)], guarded: { [day(21)]: ['copy in the secondary region not verified yet'] } });
  });

  it('finds the copy of an original by RDS\'s source field when our copy-of tag is missing', () => {
    const counterparts = originals.map((s) => {
      const c = verified(s);
      return { ...c, TagList: (c.TagList ?? []).filter((t) => t.Key !== 'backup-dr:copy-of') };
    });
    expect(shape(plan({ role: 'primary', mine: originals, counterparts })).remove).toEqual([day(22), day(21), day(20)]);
  });

  it.each(['creating', 'failed', undefined])('keeps an original that is not available (%s), whatever its copy', (status) => {
    const mine = originals.map((s) => (s === originals[3] ? { ...s, Status: status } : s));
    expect(shape(plan({ role: 'primary', mine, counterparts: originals.map((s) => verified(s)) }))).toEqual({
      remove: [day(22), day(20)],
      guarded: { [day(21)]: [`not available yet (${status ?? 'unknown'})`] },
    });
  });

  it('keeps an original under legal hold, and its counterpart\'s hold holds it too', () => {
    const mine = originals.map((s) => (s === originals[2] ? original(22, {}, { 'legal-hold': 'case-1' }) : s));
    const counterparts = originals.map((s) => (s === originals[3] ? verified(s, {}, { 'Legal-Hold': 'false' }) : verified(s)));
    expect(shape(plan({ role: 'primary', mine, counterparts }))).toEqual({
      remove: [day(20)],
      guarded: { [day(22)]: ['legal hold'], [day(21)]: [HELD_ELSEWHERE_GUARD] },
    });
  });

  it('does not let a hold on another snapshot, or on a copy of another source, hold this one', () => {
    const heldOther = copyOf(primarySnapshot('backup-dr-other-db-x', '2026-11-21T02:00:00+09:00', {}, ourTags('other-db')), '2026-11-21T03:00:00+09:00', {}, { 'legal-hold': 'x' });
    expect(shape(plan({ role: 'primary', mine: originals, counterparts: [...originals.map((s) => verified(s)), heldOther] })).remove).toEqual([day(22), day(21), day(20)]);
  });

  it('keeps a snapshot whose creation time is unknown, and plans the rest without it', () => {
    const timeless = { ...original(19), SnapshotCreateTime: undefined, OriginalSnapshotCreateTime: undefined };
    const result = plan({ role: 'primary', mine: [...originals, timeless], counterparts: [...originals, timeless].map((s) => verified(s)) });
    expect(shape(result)).toEqual({ remove: [day(22), day(21), day(20)], guarded: { [day(19)]: [UNKNOWN_TIME_GUARD] } });
    expect(result.keep.at(-1)).toEqual({ snapshot: expect.objectContaining({ id: day(19), time: 0, snapshot: timeless }), reasons: [], guards: [UNKNOWN_TIME_GUARD] });
  });

  it('dates a snapshot still being created by our created-at tag', () => {
    const creating = { ...original(25), Status: 'creating', SnapshotCreateTime: undefined, OriginalSnapshotCreateTime: undefined, TagList: ourTags('app-db', { 'backup-dr:created-at': '2026-11-25T02:00:00+09:00' }) };
    const result = plan({ role: 'primary', mine: [creating, ...originals], counterparts: originals.map((s) => verified(s)) });
    // The newest now: it takes one of the policy's two places, and 23 goes.
    expect(result.keep[0]).toMatchObject({ snapshot: { id: day(25), time: Date.parse('2026-11-25T02:00:00+09:00') }, reasons: ['last snapshot'] });
    expect(shape(result).remove).toEqual([day(23), day(22), day(21), day(20)]);
  });

  it('gives every candidate its id, time and tags as the engine reads them', () => {
    const result = plan({ role: 'primary', mine: [original(24, {}, { 'legal-hold': '' })], counterparts: [] });
    expect(result.keep[0]?.snapshot).toEqual({ id: day(24), time: Date.parse('2026-11-24T02:00:00+09:00'), tags: expect.arrayContaining(['backup-dr:owner=backup-dr', 'legal-hold']), snapshot: expect.anything() });
    const anonymous = plan({ role: 'primary', mine: [{ ...original(24), DBSnapshotIdentifier: undefined }], counterparts: [] });
    expect(anonymous.keep[0]?.snapshot.id).toBe('');
  });

  it('applies the databases\' compliance floor itself: a retention below it without an override is refused', () => {
    // A parsed policy cannot hold such a retention; a plan must not depend on that.
    const below = { ...db, retention: { daily: 3 } } as typeof db;
    const unchecked = { ...policy, resources: { ...policy.resources, databases: [below] } };
    expect(() => planPrune({ policy: unchecked, db: below, role: 'primary', mine: originals, counterparts: [], now: NOW })).toThrow(/yearly snapshots must be kept for at least 7y \(compliance floor\)/);
  });

  it('refuses a policy that would remove every snapshot', () => {
    const tagsOnly = teamPolicy((d) => { d.resources.databases[0].retention = { tags: [['never']], complianceOverride: 'test fixture with tag-only retention' }; });
    expect(() => planPrune({ policy: tagsOnly, db: tagsOnly.resources.databases[0]!, role: 'primary', mine: originals, counterparts: [], now: NOW })).toThrow(RetentionRefused);
  });
});

describe('planPrune in the secondary region', () => {
  const copies = originals.map((s) => verified(s));

  it('prunes copies by the policy, judged by when their data was taken', () => {
    expect(shape(plan({ role: 'secondary', mine: copies, counterparts: originals }))).toEqual({ remove: [day(22), day(21), day(20)], guarded: {} });
  });

  it('never removes the newest verified copy, and only the newest', () => {
    const mine = copies.map((c, i) => (i < 3 ? { ...c, TagList: (c.TagList ?? []).filter((t) => t.Key !== 'backup-dr:verified-at') } : c));
    expect(shape(plan({ role: 'secondary', mine, counterparts: originals }))).toEqual({ remove: [day(22), day(20)], guarded: { [day(21)]: ['newest verified copy'] } });
  });

  it('does not count a failed or deleting copy as the newest verified one', () => {
    const mine = copies.map((c, i) => (i === 2 ? { ...c, Status: 'deleting' } : i < 2 ? unverified(originals[i]!) : c));
    expect(shape(plan({ role: 'secondary', mine, counterparts: originals }))).toEqual({
      remove: [day(20)],
      guarded: { [day(22)]: ['not available yet (deleting)'], [day(21)]: ['newest verified copy'] },
    });
  });

  it('holds a copy whose source carries the legal hold, and only that copy', () => {
    const counterparts = originals.map((s) => (s === originals[3] ? original(21, {}, { 'LEGAL-HOLD': '' }) : s));
    expect(shape(plan({ role: 'secondary', mine: copies, counterparts }))).toEqual({ remove: [day(22), day(20)], guarded: { [day(21)]: [HELD_ELSEWHERE_GUARD] } });
  });

  it('holds every copy of a source when one of them carries the hold', () => {
    const second = { ...verified(originals[3]!, {}, { 'legal-hold': 'x' }), DBSnapshotIdentifier: 'backup-dr-app-db-20261121-0200-again' };
    const result = plan({ role: 'secondary', mine: [...copies, second], counterparts: originals });
    expect(shape(result).guarded).toEqual({ [day(21)]: [HELD_ELSEWHERE_GUARD], 'backup-dr-app-db-20261121-0200-again': ['legal hold'] });
  });

  it('reports a copy\'s own hold as a legal hold, not as its counterpart\'s', () => {
    const mine = copies.map((c, i) => (i === 3 ? verified(originals[3]!, {}, { 'legal-hold': 'x' }) : c));
    const counterparts = originals.map((s) => (s === originals[3] ? original(21, {}, { 'legal-hold': 'y' }) : s));
    expect(shape(plan({ role: 'secondary', mine, counterparts })).guarded).toEqual({ [day(21)]: ['legal hold'] });
  });

  it('uses the secondary retention when the policy gives one', () => {
    const withSecondary = teamPolicy((d) => { d.resources.databases[0].retention = { last: 2, secondary: { last: 4 }, complianceOverride: 'test fixture with short retention' }; });
    const result = planPrune({ policy: withSecondary, db: withSecondary.resources.databases[0]!, role: 'secondary', mine: copies, counterparts: originals, now: NOW });
    expect(shape(result).remove).toEqual([day(20)]);
    const primary = planPrune({ policy: withSecondary, db: withSecondary.resources.databases[0]!, role: 'primary', mine: originals, counterparts: copies, now: NOW });
    expect(shape(primary).remove).toEqual([day(22), day(21), day(20)]);
  });
});

describe('pruneActions', () => {
  // Planned inside each test, not when the file loads: Stryker counts code run at load as "static".
  const planned = () => plan({ role: 'primary', mine: originals, counterparts: originals.map((s) => verified(s)) });

  it('deletes what the plan removes, and keeps the rest with their reasons and guards', () => {
    const result = planned();
    expect(pruneActions(result, false)).toEqual({
      delete: result.remove,
      wouldDelete: [],
      kept: [
        { id: day(24), reasons: ['last snapshot'], guards: ['newest snapshot'] },
        { id: day(23), reasons: ['last snapshot'], guards: [] },
      ],
    });
  });

  it('in a dry run, only reports what it would delete', () => {
    const actions = pruneActions(planned(), true);
    expect(actions.delete).toEqual([]);
    expect(actions.wouldDelete.map((r) => [r.snapshot.id, r.reasons])).toEqual([day(22), day(21), day(20)].map((id) => [id, ['not kept by any rule']]));
  });
});

describe('pruneFailureAlert', () => {
  it('calls a refusal by a guard a refusal: nothing deleted, fix the policy', () => {
    expect(pruneFailureAlert('app-db', 'ap-northeast-1', new RetentionRefused('the policy would remove all 6 snapshots'), NOW)).toEqual({
      severity: 'critical',
      kind: 'prune-refused',
      resource: 'app-db',
      region: 'ap-northeast-1',
      summary: 'prune refused: the policy would remove all 6 snapshots',
      action: 'Nothing was deleted. Fix the retention of this resource in backup-policy.yml (npx backup-dr policy check) and redeploy.',
      source: 'prune-db-snapshots',
      at: NOW,
      details: { error: 'RetentionRefused', message: 'the policy would remove all 6 snapshots' },
    });
  });

  it('calls any other error a failed prune, naming it, with its message cut to 500 characters', () => {
    const error = Object.assign(new Error('y'.repeat(700)), { name: 'TimeoutError' });
    expect(pruneFailureAlert('app-db', 'ap-southeast-1', error, NOW)).toEqual({
      severity: 'critical',
      kind: 'prune-failed',
      resource: 'app-db',
      region: 'ap-southeast-1',
      summary: 'prune failed: TimeoutError',
      action: 'Nothing more was deleted for this resource. Read the prune-db-snapshots logs; the next daily run retries. Watch the manual-snapshot quota meanwhile.',
      source: 'prune-db-snapshots',
      at: NOW,
      details: { error: 'TimeoutError', message: 'y'.repeat(500) },
    });
  });
});

describe('planPrune and an anomaly quarantine', () => {
  const QUARANTINE = { 'backup-dr:quarantine': '2026-11-25T03:00:00Z' };

  it.each([
    { side: 'the original', quarantineOriginal: true },
    { side: 'its copy', quarantineOriginal: false },
  ])('keeps a snapshot the policy removes, and its counterpart, when $side is quarantined', ({ quarantineOriginal }) => {
    const target = originals[3]!;
    const mine = originals.map((s) => (s === target && quarantineOriginal ? original(21, {}, QUARANTINE) : s));
    const copies = mine.map((s) => (s.DBSnapshotIdentifier === day(21) && !quarantineOriginal ? verified(s, {}, QUARANTINE) : verified(s)));
    const expected = { remove: [day(22), day(20)], guarded: { [day(21)]: [QUARANTINE_GUARD] } };
    expect(shape(plan({ role: 'primary', mine, counterparts: copies }))).toEqual(expected);
    // In the secondary: the copy of the 21st is kept for the quarantine, the copies of the 22nd and 20th go.
    const copyId = (n: number) => copies[24 - n]?.DBSnapshotIdentifier ?? '';
    expect(shape(plan({ role: 'secondary', mine: copies, counterparts: mine }))).toEqual({ remove: [copyId(22), copyId(20)], guarded: { [copyId(21)]: [QUARANTINE_GUARD] } });
  });

  it('does not let a quarantine of another database or of another source hold this one', () => {
    const stranger = original(21, { DBSnapshotArn: 'arn:aws:rds:ap-northeast-1:123456789012:snapshot:someone-else' }, QUARANTINE);
    const counterparts = [...originals.map((s) => verified(s)), verified(stranger)];
    expect(shape(plan({ role: 'primary', mine: originals, counterparts })).remove).toEqual([day(22), day(21), day(20)]);
  });
});
