// Prunes one region's configuration bundles by each configuration's retention (shared/config/retention.ts):
// the versions of config/<name>/bundle.json in this region's config bucket — the primary's own, the
// secondary's replicas; each deployment prunes its own bucket, and deleting a version is never replicated.
// Every version is HEADed for its `captured-at` (one request per version a day: exact where LastModified
// is not — a replica's is when it was replicated); a version the plan removes is read for a legal-hold
// tag (the policy's tag key, any value, any case, as shared/tags.ts reads holds; the buckets have no
// Object Lock, so there is no S3 Object Legal Hold to read) and then permanently deleted with its
// VersionId. Delete markers are left alone: removing one would bring a deleted bundle back. Nothing outside
// the configured bundle keys is listed or touched. Dry run only reports. A version already gone is not an
// error (a retried run); a configuration whose prune fails alerts and the run fails after the others.

import { DeleteObjectCommand, GetObjectTaggingCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { AlertSink } from '../../../shared/alerts/alert.js';
import { pruneFailureAlert } from '../../../shared/alerts/prune.js';
import { captureTime, planBundlePrune, type BundleVersion } from '../../../shared/config/retention.js';
import { configBundleKey } from '../../../shared/contracts.js';
import { errorMessage, errorName, InvalidInput, RunFailed } from '../../../shared/errors.js';
import { versionEntries } from '../../../shared/media/version-listing.js';
import type { RegionRole } from '../../../shared/policy/resources.js';
import type { Policy } from '../../../shared/policy/schema.js';
import type { Log } from '../../../shared/runtime/log.js';
import { isUnderHold } from '../../../shared/tags.js';

type Configuration = Policy['resources']['configuration'][number];

export const SOURCE = 'prune-configuration-bundles';

export interface PruneBundlesDeps {
  readonly policy: Policy;
  readonly role: RegionRole;
  /** S3 in this region, and this region's config bucket. */
  readonly s3: S3Client;
  readonly bucket: string;
  readonly region: string;
  readonly alerts: AlertSink;
  readonly log: Log;
  readonly now: () => number;
}

export interface PruneBundlesRun {
  /** Only report (the policy's dryRun, or the run's own). */
  readonly dryRun: boolean;
  /** The configurations of the run (absent: every one of the policy). */
  readonly resources?: readonly string[];
}

export interface BundlePruneDecision {
  readonly resource: string;
  readonly key: string;
  /** Version ids deleted now (or found already gone). */
  readonly deleted: readonly string[];
  readonly wouldDelete: readonly string[];
  readonly kept: readonly { readonly id: string; readonly reasons: readonly string[]; readonly guards: readonly string[] }[];
}

const GONE = new Set(['NotFound', 'NoSuchKey', 'NoSuchVersion']);

export async function pruneConfigurationBundles(deps: PruneBundlesDeps, run: PruneBundlesRun): Promise<BundlePruneDecision[]> {
  const all = deps.policy.resources.configuration;
  const unknown = (run.resources ?? []).filter((n) => !all.some((c) => c.name === n));
  if (unknown.length > 0) throw new InvalidInput('resources', `no configuration named ${unknown.map((u) => `"${u}"`).join(', ')} in the policy`);
  const configurations = run.resources === undefined ? all : all.filter((c) => run.resources!.includes(c.name));
  const decisions: BundlePruneDecision[] = [];
  const failures: { resource: string; error: string }[] = [];
  for (const configuration of configurations) {
    try {
      decisions.push(await pruneBundle(deps, configuration, run.dryRun));
    } catch (error) {
      failures.push({ resource: configuration.name, error: errorName(error) });
      deps.log.error('configuration bundle prune failed', { resource: configuration.name, region: deps.region, error: errorName(error), message: errorMessage(error) });
      await deps.alerts.publish(pruneFailureAlert(configuration.name, deps.region, error, deps.now(), SOURCE));
    }
  }
  if (failures.length > 0) throw new RunFailed(`configuration bundle prune failed for ${failures.map((f) => f.resource).join(', ')}`, failures);
  return decisions;
}

async function pruneBundle(deps: PruneBundlesDeps, configuration: Configuration, dryRun: boolean): Promise<BundlePruneDecision> {
  const key = configBundleKey(configuration.name);
  // Everything is read before anything is deleted.
  const versions = await bundleVersions(deps, key);
  const plan = planBundlePrune({ policy: deps.policy, role: deps.role, configuration, versions, now: deps.now() });
  const kept = plan.keep.map((k) => ({ id: k.snapshot.id, reasons: k.reasons, guards: k.guards }));
  const removals: string[] = [];
  for (const { snapshot } of plan.remove) {
    if (await isHeld(deps, key, snapshot.id)) kept.push({ id: snapshot.id, reasons: [], guards: ['legal hold'] });
    else removals.push(snapshot.id);
  }
  if (dryRun) {
    for (const versionId of removals) deps.log.info('dry run: would delete bundle version', { resource: configuration.name, region: deps.region, versionId });
    return { resource: configuration.name, key, deleted: [], wouldDelete: removals, kept };
  }
  const deleted: string[] = [];
  for (const versionId of removals) {
    try {
      // With VersionId: that version is deleted for good (no delete marker), the current one untouched.
      await deps.s3.send(new DeleteObjectCommand({ Bucket: deps.bucket, Key: key, VersionId: versionId }));
      deps.log.info('deleted bundle version', { resource: configuration.name, region: deps.region, versionId });
    } catch (error) {
      if (!GONE.has(errorName(error))) throw error;
      deps.log.info('bundle version already gone', { resource: configuration.name, region: deps.region, versionId });
    }
    deleted.push(versionId);
  }
  return { resource: configuration.name, key, deleted, wouldDelete: [], kept };
}

/** The versions of the bundle key (ListObjectVersions by its prefix, paged; other keys and delete markers left out), each with its capture time. */
async function bundleVersions(deps: PruneBundlesDeps, key: string): Promise<BundleVersion[]> {
  const versions: BundleVersion[] = [];
  for await (const { key: listed, entry } of versionEntries({ s3: deps.s3, bucket: deps.bucket }, key)) {
    if (listed !== key || entry.deleteMarker) continue;
    let metadata: Record<string, string> | undefined;
    try {
      metadata = (await deps.s3.send(new HeadObjectCommand({ Bucket: deps.bucket, Key: key, VersionId: entry.versionId }))).Metadata;
    } catch (error) {
      // Deleted since the listing (a concurrent run): nothing left to decide about.
      if (GONE.has(errorName(error))) continue;
      throw error;
    }
    versions.push({ versionId: entry.versionId, capturedAt: captureTime(metadata), isLatest: entry.isLatest });
  }
  return versions;
}

async function isHeld(deps: PruneBundlesDeps, key: string, versionId: string): Promise<boolean> {
  try {
    const tags = await deps.s3.send(new GetObjectTaggingCommand({ Bucket: deps.bucket, Key: key, VersionId: versionId }));
    return isUnderHold(tags.TagSet, deps.policy.tags.legalHold);
  } catch (error) {
    // Gone: nothing to hold (the delete then finds it gone too).
    if (GONE.has(errorName(error))) return false;
    throw error;
  }
}
