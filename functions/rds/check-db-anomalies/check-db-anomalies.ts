// Compares the manifest of each new snapshot with the one before it (plan.ts judges), once per snapshot
// (a record under anomalies/ says it was judged), and on an anomaly quarantines the earlier backups of
// the database in both regions and alerts. Also releases a quarantine on an operator's request. Runs in
// the primary region, outside the VPC (it reads S3 and tags snapshots; it never connects to a database).

import { AddTagsToResourceCommand, RemoveTagsFromResourceCommand, type DBSnapshot, type RDSClient } from '@aws-sdk/client-rds';
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { AlertSink } from '../../../shared/alerts/alert.js';
import { allPages } from '../../../shared/aws/pages.js';
import { anomalyRecordKey, REPORT_PREFIX, TAG } from '../../../shared/contracts.js';
import { InvalidInput } from '../../../shared/errors.js';
import type { DatabaseResource, Policy } from '../../../shared/policy/schema.js';
import { getManifest } from '../../../shared/rds/manifests.js';
import { listOwnedSnapshots } from '../../../shared/rds/snapshots.js';
import type { Log } from '../../../shared/runtime/log.js';
import { anomalyAlert, compareManifests, quarantined, quarantineTargets, releaseAlert, type Anomaly } from './plan.js';

export interface AnomalyDeps {
  readonly policy: Policy;
  readonly s3: S3Client;
  /** The primary's reports bucket, where manifests are captured. */
  readonly bucket: string;
  readonly rds: { readonly primary: RDSClient; readonly secondary: RDSClient };
  readonly alerts: AlertSink;
  readonly log: Log;
  readonly now: () => number;
}

export interface Judged {
  readonly resource: string;
  readonly snapshotId: string;
  readonly previousId: string | null;
  readonly anomalies: readonly Anomaly[];
  readonly quarantined: number;
}

/** How many of the newest manifests a run looks at (a backlog is worked off over several runs). */
const WINDOW = 10;

async function keysUnder(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  return allPages(async (token) => {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token === undefined ? {} : { ContinuationToken: token }) }));
    return { items: (page.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [o.Key])), marker: page.IsTruncated === true ? page.NextContinuationToken : undefined };
  });
}

/** Snapshot ids of the manifests of `db`, oldest first (the ids end in the scheduled time: they sort by it). */
async function manifestIds(deps: AnomalyDeps, db: DatabaseResource): Promise<string[]> {
  const prefix = `${REPORT_PREFIX.manifests}${db.name}/`;
  return (await keysUnder(deps.s3, deps.bucket, prefix)).filter((k) => k.endsWith('.json')).map((k) => k.slice(prefix.length, -'.json'.length)).sort();
}

async function tagAll(rds: RDSClient, snapshots: readonly DBSnapshot[], value: string): Promise<void> {
  for (const s of snapshots) await rds.send(new AddTagsToResourceCommand({ ResourceName: s.DBSnapshotArn, Tags: [{ Key: TAG.quarantine, Value: value }] }));
}

async function judgeDatabase(deps: AnomalyDeps, db: DatabaseResource): Promise<Judged[]> {
  const ids = (await manifestIds(deps, db)).slice(-WINDOW - 1);
  const judged = new Set((await keysUnder(deps.s3, deps.bucket, `${REPORT_PREFIX.anomalies}${db.name}/`)).map((k) => k.split('/').at(-1)?.replace(/\.json$/, '')));
  const results: Judged[] = [];
  for (let i = 1; i < ids.length; i += 1) {
    const previousId = ids[i - 1] as string;
    const snapshotId = ids[i] as string;
    if (judged.has(snapshotId)) continue;
    const [before, after] = [await getManifest(deps.s3, deps.bucket, db.name, previousId), await getManifest(deps.s3, deps.bucket, db.name, snapshotId)];
    if (before === null || after === null) continue;
    const anomalies = compareManifests(before, after, db.anomalies);
    let count = 0;
    if (anomalies.length > 0) {
      const ownership = { ownerTag: deps.policy.tags.owner, policyName: deps.policy.name };
      const at = new Date(deps.now()).toISOString();
      for (const [role, rds] of [['primary', deps.rds.primary], ['secondary', deps.rds.secondary]] as const) {
        const targets = quarantineTargets(db, await listOwnedSnapshots(rds, ownership), after.capturedAt);
        await tagAll(rds, targets, at);
        count += targets.length;
        deps.log.warn('quarantined snapshots before an anomaly', { resource: db.name, role, snapshots: targets.map((t) => t.DBSnapshotIdentifier) });
      }
      await deps.alerts.publish(anomalyAlert(deps.policy, db, snapshotId, previousId, anomalies, count, deps.now()));
    }
    // Written last: a run that failed before here judges the pair again (tagging twice is harmless).
    await deps.s3.send(
      new PutObjectCommand({
        Bucket: deps.bucket,
        Key: anomalyRecordKey(db.name, snapshotId),
        Body: JSON.stringify({ snapshotId, previousId, judgedAt: new Date(deps.now()).toISOString(), anomalies, quarantined: count }),
        ContentType: 'application/json',
      }),
    );
    results.push({ resource: db.name, snapshotId, previousId, anomalies, quarantined: count });
  }
  return results;
}

export async function checkDbAnomalies(deps: AnomalyDeps): Promise<Judged[]> {
  const results: Judged[] = [];
  for (const db of deps.policy.resources.databases) if (db.anomalies.enabled) results.push(...(await judgeDatabase(deps, db)));
  return results;
}

/** Removes the quarantine tag from every snapshot of ours of `resource`, in both regions, and says so. */
export async function releaseQuarantine(deps: AnomalyDeps, resource: string, reason: string): Promise<{ released: number }> {
  const db = deps.policy.resources.databases.find((d) => d.name === resource);
  if (db === undefined) throw new InvalidInput('release.resource', `no database "${resource}" in the policy`);
  const ownership = { ownerTag: deps.policy.tags.owner, policyName: deps.policy.name };
  let released = 0;
  for (const rds of [deps.rds.primary, deps.rds.secondary]) {
    for (const s of quarantined(db, await listOwnedSnapshots(rds, ownership))) {
      await rds.send(new RemoveTagsFromResourceCommand({ ResourceName: s.DBSnapshotArn, TagKeys: [TAG.quarantine] }));
      released += 1;
    }
  }
  deps.log.warn('quarantine released', { resource, released, reason });
  await deps.alerts.publish(releaseAlert(deps.policy, db, released, reason, deps.now()));
  return { released };
}
