// The daily posture check (plan.ts judges): automated backups on with enough retention, their
// cross-region replication, RPO figures in both regions, the age of the newest verified copy, a
// scheduled snapshot that never appeared, backlogs of the reconcilers, and manual-snapshot quota use in
// both regions, and the rotation of the KMS key each region's backups use (key-rotation.ts). Findings become alerts, each once and again only when it changes
// (shared/alerts/posture-memory.ts); nothing is changed.

import type { KMSClient } from '@aws-sdk/client-kms';
import { DescribeAccountAttributesCommand, type RDSClient } from '@aws-sdk/client-rds';
import type { AlertSink } from '../../../shared/alerts/alert.js';
import { publishPosture, type PostureAlerting, type PostureScope } from '../../../shared/alerts/posture-memory.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { describeInstance, replicatedBackupsOf } from '../../../shared/rds/automated-backups.js';
import { listOwnedSnapshots } from '../../../shared/rds/snapshots.js';
import type { Log } from '../../../shared/runtime/log.js';
import { keyRotationFinding } from './key-rotation.js';
import { assessPosture, assessQuota, backlogFindings, copyAgeLimit, findingRegion, missedBackup, newestVerifiedCopy, orphanFinding, type Finding, type PostureFigures } from './plan.js';

export interface PostureDeps extends PostureAlerting {
  readonly policy: Policy;
  readonly primary: RDSClient;
  readonly secondary: RDSClient;
  /** The KMS client of a region, and the stage (names the service key where the policy names no kms.<role>). */
  readonly kms: (region: string) => KMSClient;
  readonly stage: string;
  readonly alerts: AlertSink;
  readonly log: Log;
  readonly now: () => number;
}

export interface PostureReport {
  readonly databases: readonly { resource: string; figures: PostureFigures; findings: readonly Finding[] }[];
  readonly quota: readonly { region: string; used: number; max: number; ours: number }[];
}

async function quotaOf(rds: RDSClient): Promise<{ used: number; max: number }> {
  const attributes = await rds.send(new DescribeAccountAttributesCommand({}));
  const quota = attributes.AccountQuotas?.find((q) => q.AccountQuotaName === 'ManualSnapshots');
  return { used: quota?.Used ?? 0, max: quota?.Max ?? 0 };
}

/** The resource a key-rotation finding is about: the region's backup key. */
export const KMS_KEY_RESOURCE = 'backup-key';

export async function checkDbPosture(deps: PostureDeps): Promise<PostureReport> {
  const { policy } = deps;
  const now = deps.now();
  const ownership = { ownerTag: policy.tags.owner, policyName: policy.name };
  const copies = await listOwnedSnapshots(deps.secondary, ownership);
  const primaryOwned = await listOwnedSnapshots(deps.primary, ownership);
  const databases: PostureReport['databases'][number][] = [];
  const alerts: { region: string; resource: string; finding: Finding }[] = [];

  for (const db of policy.resources.databases) {
    const instance = await describeInstance(deps.primary, db.instanceId);
    const replicated = instance?.DBInstanceArn === undefined ? [] : await replicatedBackupsOf(deps.secondary, policy.regions.primary, db.instanceId);
    const verdict = assessPosture({
      db,
      instance,
      replicated,
      newestVerifiedCopy: newestVerifiedCopy(db, copies),
      now,
      rpoTarget: policy.objectives.database.rpo,
      copyAgeLimit: copyAgeLimit(db, policy.timezone, now),
    });
    const missed = missedBackup(db, primaryOwned, policy.timezone, now);
    const findings = [...verdict.findings, ...(missed === null ? [] : [missed]), ...backlogFindings(policy, db, primaryOwned, copies, now)];
    for (const finding of findings) alerts.push({ region: findingRegion(policy, finding), resource: db.name, finding });
    databases.push({ resource: db.name, figures: verdict.figures, findings });
  }

  const quota: PostureReport['quota'][number][] = [];
  for (const [region, rds, ours] of [
    [policy.regions.primary, deps.primary, primaryOwned.length],
    [policy.regions.secondary, deps.secondary, copies.length],
  ] as const) {
    const { used, max } = await quotaOf(rds);
    quota.push({ region, used, max, ours });
    const finding = assessQuota(region, used, max, policy.rds.quotaWarningRatio);
    if (finding !== null) alerts.push({ region, resource: 'rds-quota', finding });
    const orphans = orphanFinding(policy, region, region === policy.regions.primary ? primaryOwned : copies, max);
    if (orphans !== null) alerts.push({ region, resource: 'orphaned-snapshots', finding: orphans });
  }

  for (const role of ['primary', 'secondary'] as const) {
    const region = policy.regions[role];
    const rotation = await keyRotationFinding(deps.kms(region), policy, deps.stage, role);
    if (rotation !== null) alerts.push({ region, resource: KMS_KEY_RESOURCE, finding: rotation });
  }

  // Every scope checked, with or without findings: one without any now resolves what it had.
  const scopes = new Map<string, PostureScope & { findings: PostureScope['findings'][number][] }>();
  const scopeOf = (region: string, resource: string) => {
    const id = `${region}|${resource}`;
    if (!scopes.has(id)) scopes.set(id, { region, resource, findings: [] });
    return scopes.get(id)!;
  };
  for (const { region, resource, finding } of alerts) {
    scopeOf(region, resource).findings.push({ severity: finding.severity, kind: 'posture', resource, region, summary: finding.summary, action: finding.action, source: 'check-db-posture', at: now, details: { check: finding.check } });
  }
  for (const region of [policy.regions.primary, policy.regions.secondary]) {
    for (const resource of [...policy.resources.databases.map((db) => db.name), 'rds-quota', 'orphaned-snapshots', KMS_KEY_RESOURCE]) scopeOf(region, resource);
  }
  await publishPosture(deps, 'rds', 'check-db-posture', [...scopes.values()], now);
  return { databases, quota };
}
