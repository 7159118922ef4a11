// Verifies the cross-region copies in the secondary region: each available copy is compared with its
// source and tagged verified (with the time) or alerted once as a failure; a copy stuck in "creating"
// past the policy's limit is a failure too, and is verified after all if it later completes intact.
// A copy in flight is judged by whether its queue moves (progress is recorded in a tag), not by its age.
// Runs where the copies are: the secondary region.

import { AddTagsToResourceCommand, RemoveTagsFromResourceCommand, type DBSnapshot, type RDSClient } from '@aws-sdk/client-rds';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { AlertSink } from '../../../shared/alerts/alert.js';
import { keyArn } from '../../../shared/aws/kms-keys.js';
import { TAG, TIER } from '../../../shared/contracts.js';
import { RunFailed } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import { databaseOfSnapshotId } from '../../../shared/rds/naming.js';
import { copySourceArn, describeSnapshot, hasVerdict, listOwnedSnapshots, tierOf } from '../../../shared/rds/snapshots.js';
import type { Log } from '../../../shared/runtime/log.js';
import { tagValue } from '../../../shared/tags.js';
import { progressTag, queueProgressAt, verificationFailedAlert, verifyCopy } from './plan.js';

export interface VerifyDeps {
  readonly policy: Policy;
  readonly source: RDSClient;
  readonly target: RDSClient;
  /** KMS in the secondary region, to resolve the key's alias to the ARN RDS reports. */
  readonly kms: KMSClient;
  /** The key copies must be encrypted with (alias, id or ARN). */
  readonly key: string;
  readonly alerts: AlertSink;
  readonly log: Log;
  readonly now: () => number;
}

export interface VerifyReport {
  readonly verified: readonly string[];
  readonly pending: readonly string[];
  readonly failed: readonly string[];
}

export async function verifyDbSnapshots(deps: VerifyDeps): Promise<VerifyReport> {
  const { policy } = deps;
  const ownership = { ownerTag: policy.tags.owner, policyName: policy.name };
  // Copies that failed before are looked at again (a stuck copy may complete) but alerted only once.
  const all = (await listOwnedSnapshots(deps.target, ownership)).filter((c) => tierOf(c) === TIER.copy);
  const copies = all.filter((c) => !hasVerdict(c));
  const expectedKeyArn = await keyArn(deps.kms, deps.key);
  const report = { verified: [] as string[], pending: [] as string[], failed: [] as string[] };

  for (const copy of copies) {
    const id = copy.DBSnapshotIdentifier ?? '';
    const sourceArn = copySourceArn(copy);
    const source = copy.Status === 'available' && sourceArn !== undefined ? await describeSnapshot(deps.source, sourceArn) : null;
    const sameInstance = all.filter((c) => c !== copy && c.DBInstanceIdentifier === copy.DBInstanceIdentifier);
    const lastProgressAt = queueProgressAt(copy, sameInstance, deps.now());
    const verdict = verifyCopy({ copy, source, expectedKeyArn, now: deps.now(), lastProgressAt, stuckAfter: policy.rds.copyStuckAfter });
    if (verdict.state === 'pending') {
      const progress = progressTag(copy, deps.now());
      if (progress !== null) await tag(deps.target, copy, TAG.copyProgress, progress);
      report.pending.push(id);
      continue;
    }
    const at = new Date(deps.now()).toISOString();
    const failedBefore = tagValue(copy.TagList, TAG.verificationFailed) !== undefined;
    if (verdict.state === 'verified') {
      await tag(deps.target, copy, TAG.verifiedAt, at);
      if (failedBefore) await deps.target.send(new RemoveTagsFromResourceCommand({ ResourceName: copy.DBSnapshotArn, TagKeys: [TAG.verificationFailed] }));
      deps.log.info('copy verified', { snapshotId: id, region: policy.regions.secondary, recovered: failedBefore });
      report.verified.push(id);
      continue;
    }
    if (failedBefore) {
      report.pending.push(id);
      continue;
    }
    await tag(deps.target, copy, TAG.verificationFailed, at);
    deps.log.warn('copy verification failed', { snapshotId: id, problems: verdict.problems });
    report.failed.push(id);
    await deps.alerts.publish(verificationFailedAlert(policy, copy, sourceArn, verdict.problems, deps.now()));
  }
  if (report.failed.length > 0) {
    // Per database (a copy's id names it, as its source's does), so each database's alarm sees its own.
    const databases = policy.resources.databases.map((db) => db.name);
    throw new RunFailed(`${report.failed.length} copies failed verification: ${report.failed.join(', ')}`, report.failed.map((id) => ({ resource: databaseOfSnapshotId(id, databases) ?? id, error: 'verification-failed' })));
  }
  return report;
}

async function tag(rds: RDSClient, snapshot: DBSnapshot, key: string, value: string): Promise<void> {
  await rds.send(new AddTagsToResourceCommand({ ResourceName: snapshot.DBSnapshotArn, Tags: [{ Key: key, Value: value }] }));
}
