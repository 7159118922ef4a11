// Which versions of one configuration's bundle a prune removes, pure (README, "Configuration"): each S3
// version of config/<name>/bundle.json is one backup, made at its `captured-at` (the metadata the backup
// writes), and the configuration's retention — restic's rules, the same engine and compliance floors as
// the database's — decides, plus the guards: the current version (S3's IsLatest) is never removed, nor the
// newest backup, nor a version whose capture time cannot be read. Legal holds are object tags, read only
// for what the plan would remove (functions/config/prune-configuration-bundles): they change no other
// decision, since a hold is a guard, not a keep rule.

import type { RegionRole } from '../policy/resources.js';
import { retentionPolicyFor } from '../policy/resources.js';
import type { Policy } from '../policy/schema.js';
import { planRetention, type PlannedSnapshot, type RetentionPlan } from '../retention/plan.js';

type Configuration = Policy['resources']['configuration'][number];

/** One stored version of a bundle (delete markers are not backups: never listed here, never removed). */
export interface BundleVersion {
  readonly versionId: string;
  /** `captured-at` of the version's metadata, epoch ms; null when absent or not a time. */
  readonly capturedAt: number | null;
  /** S3's current version of the key. */
  readonly isLatest: boolean;
}

export interface BundleCandidate extends PlannedSnapshot {
  readonly version: BundleVersion;
}

export const CURRENT_VERSION_GUARD = 'current version';
export const UNKNOWN_CAPTURE_GUARD = 'capture time unknown: never deleted';

/** `captured-at` as the backup writes it (ISO-8601 UTC), or null. */
export function captureTime(metadata: Readonly<Record<string, string>> | undefined): number | null {
  const text = metadata?.['captured-at'];
  if (text === undefined || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return null;
  const time = Date.parse(text);
  return Number.isNaN(time) ? null : time;
}

export interface BundlePruneInput {
  readonly policy: Policy;
  readonly role: RegionRole;
  readonly configuration: Configuration;
  readonly versions: readonly BundleVersion[];
  readonly now: number;
}

export function planBundlePrune(input: BundlePruneInput): RetentionPlan<BundleCandidate> {
  const { policy, role, configuration } = input;
  const known: BundleCandidate[] = [];
  const unknown: BundleCandidate[] = [];
  for (const version of input.versions) {
    const candidate = { id: version.versionId, time: version.capturedAt ?? 0, version };
    (version.capturedAt === null ? unknown : known).push(candidate);
  }
  const plan = planRetention(known, retentionPolicyFor(policy, { kind: 'configuration', name: configuration.name, retention: configuration.retention }, role), {
    now: input.now,
    legalHoldTags: [policy.tags.legalHold],
    extraGuards: [(c) => (c.version.isLatest ? CURRENT_VERSION_GUARD : null)],
  });
  if (unknown.length === 0) return plan;
  return {
    ...plan,
    keep: [...plan.keep, ...unknown.map((snapshot) => ({ snapshot, reasons: [], guards: snapshot.version.isLatest ? [UNKNOWN_CAPTURE_GUARD, CURRENT_VERSION_GUARD] : [UNKNOWN_CAPTURE_GUARD] }))],
  };
}
