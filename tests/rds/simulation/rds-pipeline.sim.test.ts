// 400 simulated days of the RDS pipeline: the real Lambda handlers (take → copy → verify → prune, and
// the posture check) against the stateful RDS stand-in, on a shared clock, with faults injected at
// random for 365 days and then switched off. Asserts the invariants the pipeline promises.

import type { Context } from 'aws-lambda';
import { KmsStandIn } from '../../../sandbox/aws/kms-standin.js';
import { serviceKeyAlias } from '../../../shared/contracts.js';
import { lambdaContext } from '../../../sandbox/lambda-context.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as postureHandler } from '../../../functions/rds/check-db-posture/handler.js';
import { handler as copyHandler } from '../../../functions/rds/copy-db-snapshots/handler.js';
import { handler as pruneHandler } from '../../../functions/rds/prune-db-snapshots/handler.js';
import { handler as replicateHandler } from '../../../functions/rds/replicate-db-backups/handler.js';
import type { PruneDecision } from '../../../functions/rds/prune-db-snapshots/prune-db-snapshots.js';
import { handler as takeHandler } from '../../../functions/rds/take-db-snapshot/handler.js';
import { handler as verifyHandler } from '../../../functions/rds/verify-db-snapshots/handler.js';
import { createClock, DAY_MS, MINUTE_MS } from '../../../sandbox/aws/clock.js';
import { RdsStandIn } from '../../../sandbox/aws/rds-standin.js';
import { RunFailed } from '../../../shared/errors.js';
import type { RegionRole } from '../../../shared/policy/load.js';
import { log, logger, metrics, setRuntime } from '../../../shared/runtime/lambda.js';
import { planRetention } from '../../../shared/retention/plan.js';
import { retentionPolicyFor } from '../../../shared/policy/load.js';
import { RecordingAlerts, teamPolicy } from '../../helpers/runtime.js';

const PRIMARY = 'ap-northeast-1';
const SECONDARY = 'ap-southeast-1';
const KEY_ARN = 'arn:aws:kms:ap-southeast-1:123456789012:key/1111-2222';
const DAYS = 400;
const FAULT_DAYS = { first: 5, last: 369 };
const START = Date.parse('2026-01-01T00:00:00+09:00');
const context = lambdaContext('simulation');

const FAULTS = ['throttle-take', 'throttle-copy', 'throttle-verify', 'throttle-prune', 'copy-limit', 'stuck-copies', 'skip-take', 'skip-copy', 'skip-verify', 'skip-prune'] as const;
type Fault = (typeof FAULTS)[number];

/** Deterministic pseudo-random numbers (a seeded LCG), so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

const jst = (day: number, hhmm: string) => START + day * DAY_MS + (Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3))) * MINUTE_MS;

describe('400 days of the RDS pipeline against the stand-in', () => {
  const clock = createClock(START);
  const rds = new RdsStandIn({ clock, pageSize: 40 });
  const kms = new KmsStandIn(rds.kmsKeys);
  const alerts = new RecordingAlerts();
  const policy = teamPolicy((d) => { d.resources.databases[0].automatedBackups.enforce = true; });
  const injected: { day: number; fault: Fault; at: number; due?: boolean }[] = [];
  const maxManualSnapshots = { [PRIMARY]: 0, [SECONDARY]: 0 };
  const lastPrune: Partial<Record<RegionRole, { at: number; decisions: PruneDecision[] }>> = {};
  const unexpected: string[] = [];

  async function invoke(role: RegionRole, name: string, handler: (event: unknown, ctx: Context) => Promise<unknown>, event: unknown = {}): Promise<unknown> {
    setRuntime({ stage: 'test', policy, role, region: policy.regions[role], alerts, logger, log, metrics, now: () => clock.now() });
    try {
      return await handler(event, context);
    } catch (error) {
      // Failures are expected under faults; each must already have reached the alerts (checked below).
      if (!(error instanceof Error)) unexpected.push(`${name}: ${String(error)}`);
      else if (!(error instanceof RunFailed) && !/Throttl|Rate exceeded/i.test(`${error.name} ${error.message}`)) unexpected.push(`${name}: ${error.name}: ${error.message}`);
      return error;
    }
  }

  function countManual(region: string): number {
    return rds.snapshots(region).filter((s) => s.type === 'manual').length;
  }

  beforeAll(async () => {
    rds.install();
    rds.addInstance(PRIMARY, { id: 'app-db-prod', backupRetentionPeriod: 35 });
    rds.addKmsKey(SECONDARY, serviceKeyAlias('test'), KEY_ARN); // the secondary deployment's own key (the team's policy names none)
    kms.install();
    const next = random(20261125);

    for (let day = 0; day < DAYS; day += 1) {
      const faultToday: Fault | null = day >= FAULT_DAYS.first && day <= FAULT_DAYS.last && next() < 0.12 ? (FAULTS[Math.floor(next() * FAULTS.length)] ?? null) : null;
      if (faultToday !== null) injected.push({ day, fault: faultToday, at: jst(day, '00:00') });
      const skip = (job: 'take' | 'copy' | 'verify' | 'prune') => faultToday === `skip-${job}`;
      const steps: { at: string; run: () => Promise<void> }[] = [
        { at: '00:30', run: async () => { if (!skip('copy')) await invoke('primary', 'copy', copyHandler); } },
        { at: '01:15', run: async () => { if (!skip('verify')) await invoke('secondary', 'verify', verifyHandler); } },
        {
          at: '02:00',
          run: async () => {
            if (skip('take')) return;
            if (faultToday === 'throttle-take') rds.faults.throttle('DescribeDBInstances', 3);
            const event = { scheduledTime: new Date(clock.now()).toISOString(), resources: ['app-db'] };
            const outcome = await invoke('primary', 'take', takeHandler, event);
            if (outcome instanceof Error) {
              clock.advance(MINUTE_MS); // Lambda's asynchronous retry (maximumRetryAttempts: 1)
              await invoke('primary', 'take-retry', takeHandler, event);
            }
          },
        },
        {
          at: '02:25', // RDS "manual snapshot created" event → copy
          run: async () => {
            if (skip('copy')) return;
            if (faultToday === 'throttle-copy') rds.faults.throttle('DescribeDBSnapshots', 1);
            if (faultToday === 'copy-limit') rds.faults.failNext('CopyDBSnapshot', 'SnapshotQuotaExceededFault', 'Cannot copy more than 20 snapshots across regions');
            if (faultToday === 'stuck-copies') rds.faults.stickCopies(SECONDARY, clock.now() + 30 * 60 * MINUTE_MS);
            await invoke('primary', 'copy', copyHandler);
          },
        },
        {
          at: '03:45', // RDS "copy completed" event in the secondary → verify
          run: async () => {
            if (skip('verify')) return;
            if (faultToday === 'throttle-verify') rds.faults.throttle('DescribeDBSnapshots', 1);
            await invoke('secondary', 'verify', verifyHandler);
          },
        },
        { at: '04:30', run: async () => { if (!skip('copy')) await invoke('primary', 'copy', copyHandler); } },
        { at: '05:15', run: async () => { if (!skip('verify')) await invoke('secondary', 'verify', verifyHandler); } },
        {
          at: '05:30',
          run: async () => {
            if (skip('prune')) return;
            if (faultToday === 'throttle-prune') rds.faults.throttle('DescribeDBSnapshots', 1);
            for (const role of ['primary', 'secondary'] as const) {
              const result = await invoke(role, `prune-${role}`, pruneHandler);
              if (!(result instanceof Error)) lastPrune[role] = { at: clock.now(), decisions: (result as { decisions: PruneDecision[] }).decisions };
            }
          },
        },
        // Both on the posture schedule: replicate-db-backups starts what posture would report (enforce: true).
        { at: '09:00', run: async () => { await invoke('primary', 'replicate', replicateHandler); await invoke('primary', 'posture', postureHandler); } },
        ...['08:30', '12:30', '16:30', '20:30'].map((at) => ({ at, run: async () => { if (!skip('copy')) await invoke('primary', 'copy', copyHandler); } })),
        ...['09:15', '13:15', '17:15', '21:15'].map((at) => ({ at, run: async () => { if (!skip('verify')) await invoke('secondary', 'verify', verifyHandler); } })),
      ].sort((a, b) => a.at.localeCompare(b.at));
      for (const step of steps) {
        const at = jst(day, step.at);
        if (at > clock.now()) clock.set(at);
        await step.run();
      }
      rds.faults.clear(); // a fault that was not consumed today does not linger
      maxManualSnapshots[PRIMARY] = Math.max(maxManualSnapshots[PRIMARY], countManual(PRIMARY));
      maxManualSnapshots[SECONDARY] = Math.max(maxManualSnapshots[SECONDARY], countManual(SECONDARY));
      if (day % 20 === 0) rds.mock.resetHistory();
    }
  }, 600_000);

  afterAll(() => {
    rds.restore();
    kms.restore();
    setRuntime(undefined);
  });

  const history = () => rds.history;
  const ours = (region: string) => rds.snapshots(region).filter((s) => s.type === 'manual' && s.tags.some((t) => t.Key === 'backup-dr:owner'));

  it('injected every kind of fault, and nothing failed in a way that was not a handled fault', () => {
    expect(new Set(injected.map((f) => f.fault))).toEqual(new Set(FAULTS));
    expect(unexpected).toEqual([]);
  });

  it('took one snapshot for every day its job ran', () => {
    const created = history().filter((h) => h.region === PRIMARY && h.action === 'create').map((h) => h.id);
    const skipped = injected.filter((f) => f.fault === 'skip-take').length;
    expect(new Set(created).size).toBe(DAYS - skipped);
  });

  it('copied every snapshot to the secondary region once the faults stopped', () => {
    const created = new Set(history().filter((h) => h.region === PRIMARY && h.action === 'create').map((h) => h.id));
    const copied = new Set(history().filter((h) => h.region === SECONDARY && h.action === 'copy').map((h) => h.id));
    expect([...created].filter((id) => !copied.has(id))).toEqual([]);
  });

  it('never deleted a primary snapshot before its copy was verified', () => {
    const verifiedAt = new Map<string, number>();
    for (const h of history()) {
      if (h.region === SECONDARY && h.action === 'tag' && h.detail?.includes('backup-dr:verified-at=') && !verifiedAt.has(h.id)) verifiedAt.set(h.id, h.at);
    }
    const deletions = history().filter((h) => h.region === PRIMARY && h.action === 'delete');
    expect(deletions.length).toBeGreaterThan(300);
    for (const d of deletions) {
      expect(verifiedAt.get(d.id), `${d.id} deleted at ${new Date(d.at).toISOString()}`).toBeLessThan(d.at);
    }
  });

  it('never exceeded the manual-snapshot quota, and never met it', () => {
    expect(maxManualSnapshots[PRIMARY]).toBeLessThanOrEqual(80);
    expect(maxManualSnapshots[SECONDARY]).toBeLessThanOrEqual(80);
    expect(alerts.published.filter((a) => /quota/i.test(a.summary) && a.kind !== 'posture')).toEqual([]);
  });

  it.each(['primary', 'secondary'] as const)('leaves in the %s region exactly what the retention engine keeps plus what a guard holds, each with its reason', (role) => {
    const region = policy.regions[role];
    const last = lastPrune[role];
    expect(last).toBeDefined();
    const decision = last?.decisions.find((d) => d.resource === 'app-db');
    const kept = new Map(decision?.kept.map((k) => [k.id, k]));
    const actual = ours(region).filter((s) => s.createTime <= (last?.at ?? 0) || s.originalCreateTime <= (last?.at ?? 0));
    expect(actual.map((s) => s.id).sort()).toEqual([...kept.keys()].sort());
    for (const k of kept.values()) expect(k.reasons.length + k.guards.length, k.id).toBeGreaterThan(0);
    // The policy part equals the engine applied once to every snapshot ever taken: pruning day by day
    // (with faults and catch-up) kept exactly what a single plan over the whole history keeps.
    const everTaken = history().filter((h) => h.region === PRIMARY && h.action === 'create' && h.at <= (last?.at ?? 0)).map((h) => ({ id: h.id, time: h.at }));
    const ideal = planRetention(everTaken, retentionPolicyFor(policy, { kind: 'databases', name: 'app-db', retention: policy.resources.databases[0]!.retention }, role), { now: last?.at ?? 0 });
    const byPolicy = [...kept.values()].filter((k) => k.reasons.length > 0).map((k) => k.id).sort();
    expect(byPolicy).toEqual(ideal.keep.filter((k) => k.reasons.length > 0).map((k) => k.snapshot.id).sort());
    const guardOnly = [...kept.values()].filter((k) => k.reasons.length === 0);
    expect(guardOnly.every((k) => k.guards.length > 0)).toBe(true);
  });

  it('raised an alert for every injected fault', () => {
    const after = (f: { at: number }, predicate: (a: (typeof alerts.published)[number]) => boolean) =>
      alerts.published.some((a) => a.at >= f.at && a.at < f.at + 2 * DAY_MS && predicate(a));
    const expectations: Record<Fault, (a: (typeof alerts.published)[number]) => boolean> = {
      'throttle-take': (a) => a.kind === 'backup-failed',
      'throttle-copy': (a) => a.kind === 'function-error' && a.source === 'copy-db-snapshots',
      'throttle-verify': (a) => a.kind === 'function-error' && a.source === 'verify-db-snapshots',
      'throttle-prune': (a) => a.kind === 'function-error' && a.source === 'prune-db-snapshots',
      'copy-limit': (a) => a.kind === 'copy-deferred',
      'stuck-copies': (a) => a.kind === 'verification-failed' && a.summary.includes('still "creating"'),
      'skip-take': (a) => a.details?.check === 'missed-backup',
      'skip-copy': (a) => a.details?.check === 'copy-backlog',
      'skip-verify': (a) => a.details?.check === 'copy-backlog',
      'skip-prune': (a) => a.details?.check === 'prune-backlog',
    };
    const silent = injected.filter((f) => !after(f, expectations[f.fault]));
    // A skipped prune on a day when nothing was due to be removed is unobservable and harmless.
    const harmful = silent.filter((f) => f.fault !== 'skip-prune');
    expect(harmful.map((f) => `day ${f.day}: ${f.fault}`)).toEqual([]);
    expect(silent.length).toBeLessThan(injected.filter((f) => f.fault === 'skip-prune').length + 1);
  });

  it('is quiet once the faults stop: no critical alert in the last three weeks', () => {
    const quietFrom = START + (DAYS - 21) * DAY_MS;
    expect(alerts.published.filter((a) => a.at >= quietFrom && a.severity === 'critical')).toEqual([]);
  });
});
