// The posture of one media bucket, pure (README, "Media: the posture of the buckets"): its live settings
// as S3 returned them, compared with what the policy requires of its side — the source (primary):
// versioning, a replication rule to the replica with Replication Time Control, metrics and delete
// markers, and one to the archive without delete markers when the policy has one, the lifecycle
// transitions and noncurrent expiry the policy says, SSE-KMS with the region's key, every public access
// block on, bucket-owner enforced, a policy denying requests without TLS; the replica and the archive
// copy: the same but replication and transitions (the replica's noncurrent expiry too). Every
// difference is a finding; so is a setting that could not be read (access denied: the posture is unknown).

import type { LifecycleRule, OwnershipControls, PublicAccessBlockConfiguration, ReplicationConfiguration, ReplicationRule, ServerSideEncryptionRule } from '@aws-sdk/client-s3';
import { deniesWithoutTls, namesBucket, ownershipProblem, policyStatements, publicAccessProblem, wholeBucket, type Reading } from '../../../shared/aws/bucket-settings.js';
import type { ExpectedTransition } from '../../../shared/media/protection.js';

export type { Reading };

export interface BucketSettings {
  /** GetBucketVersioning's Status (undefined: never enabled). */
  readonly versioning: Reading<string | undefined>;
  readonly replication: Reading<ReplicationConfiguration>;
  readonly lifecycle: Reading<readonly LifecycleRule[]>;
  readonly encryption: Reading<readonly ServerSideEncryptionRule[]>;
  readonly publicAccess: Reading<PublicAccessBlockConfiguration>;
  readonly ownership: Reading<OwnershipControls>;
  /** The bucket policy's JSON text. */
  readonly policy: Reading<string>;
}

export type Side = 'source' | 'replica' | 'archive';

export interface ExpectedPosture {
  readonly resource: string;
  readonly bucket: string;
  readonly side: Side;
  readonly region: string;
  /** This stack manages the bucket (drift from the template) or another stack owns it. */
  readonly managed: boolean;
  /** How the policy names the key (for messages). */
  readonly keyName: string;
  /** Every way S3 may report that key in the default encryption: name, alias ARN, key id, key ARN. */
  readonly keyIds: readonly string[];
  /** Source only: where it must replicate. */
  readonly replication?: { readonly replica: string; readonly archive?: string };
  /** Source only: the transitions the policy says, in order. */
  readonly transitions?: readonly ExpectedTransition[];
  /** Days after which replaced versions are removed (undefined: kept, not checked). */
  readonly noncurrentDays?: number;
}

export type Check = 'bucket' | 'unreadable' | 'versioning' | 'replication' | 'lifecycle' | 'encryption' | 'public-access' | 'ownership' | 'tls-only';

export interface Finding {
  readonly severity: 'critical' | 'warning';
  readonly check: Check;
  readonly summary: string;
  readonly action: string;
}

/** Each setting: its check, the API that reads it, the IAM action that allows that, how grave a drift is. */
export const SETTING_OF: Readonly<Record<keyof BucketSettings, { check: Check; call: string; permission: string; severity: Finding['severity'] }>> = {
  versioning: { check: 'versioning', call: 'GetBucketVersioning', permission: 's3:GetBucketVersioning', severity: 'critical' },
  replication: { check: 'replication', call: 'GetBucketReplication', permission: 's3:GetReplicationConfiguration', severity: 'critical' },
  lifecycle: { check: 'lifecycle', call: 'GetBucketLifecycleConfiguration', permission: 's3:GetLifecycleConfiguration', severity: 'warning' },
  encryption: { check: 'encryption', call: 'GetBucketEncryption', permission: 's3:GetEncryptionConfiguration', severity: 'critical' },
  publicAccess: { check: 'public-access', call: 'GetPublicAccessBlock', permission: 's3:GetBucketPublicAccessBlock', severity: 'critical' },
  ownership: { check: 'ownership', call: 'GetBucketOwnershipControls', permission: 's3:GetBucketOwnershipControls', severity: 'warning' },
  policy: { check: 'tls-only', call: 'GetBucketPolicy', permission: 's3:GetBucketPolicy', severity: 'critical' },
};

function fix(expected: ExpectedPosture): string {
  return expected.managed
    ? 'This stack sets it: redeploy it (npm run package, then osls deploy in that region) and check CloudTrail for who changed the bucket.'
    : `Another stack owns ${expected.bucket}: it must declare this (README, "Media": the snippet for a bucket another stack owns); check CloudTrail for who changed it.`;
}

const finding = (expected: ExpectedPosture, check: Check, severity: Finding['severity'], problem: string): Finding => ({
  severity,
  check,
  summary: `${expected.side} bucket ${expected.bucket} of ${expected.resource}: ${problem}`,
  action: fix(expected),
});

function replicationProblems(expected: ExpectedPosture, config: ReplicationConfiguration): string[] {
  const wanted = expected.replication;
  if (wanted === undefined) return [];
  const rules = (config.Rules ?? []).filter((r) => r.Status === 'Enabled' && wholeBucket(r));
  const to = (bucket: string): ReplicationRule | undefined => rules.find((r) => namesBucket(r.Destination?.Bucket, bucket));
  const problems: string[] = [];
  const replica = to(wanted.replica);
  if (replica === undefined) {
    problems.push(`no enabled whole-bucket replication rule to the replica ${wanted.replica}`);
  } else {
    if (replica.Destination?.ReplicationTime?.Status !== 'Enabled') problems.push('replicates to the replica without Replication Time Control (no 15-minute guarantee)');
    if (replica.Destination?.Metrics?.Status !== 'Enabled') problems.push('replicates to the replica without replication metrics (no late-replication events)');
    if (replica.DeleteMarkerReplication?.Status !== 'Enabled') problems.push('does not replicate delete markers to the replica (a point-in-time restore from it would bring deleted objects back)');
    if (replica.SourceSelectionCriteria?.SseKmsEncryptedObjects?.Status !== 'Enabled') problems.push('does not replicate SSE-KMS objects to the replica (SseKmsEncryptedObjects off: every object of ours stays behind)');
  }
  if (wanted.archive !== undefined) {
    const archive = to(wanted.archive);
    if (archive === undefined) problems.push(`no enabled whole-bucket replication rule to the archive ${wanted.archive}`);
    else {
      if (archive.DeleteMarkerReplication?.Status === 'Enabled') problems.push('replicates delete markers to the archive (a delete in production would reach it)');
      if (archive.SourceSelectionCriteria?.SseKmsEncryptedObjects?.Status !== 'Enabled') problems.push('does not replicate SSE-KMS objects to the archive');
    }
  }
  return problems;
}

function lifecycleProblems(expected: ExpectedPosture, rules: readonly LifecycleRule[]): string[] {
  const active = rules.filter((r) => r.Status === 'Enabled' && wholeBucket(r));
  const problems: string[] = [];
  for (const t of expected.transitions ?? []) {
    if (!active.some((r) => (r.Transitions ?? []).some((live) => live.StorageClass === t.storageClass && live.Days === t.days))) {
      problems.push(`no transition to ${t.storageClass} after ${t.days} days`);
    }
  }
  if (expected.noncurrentDays !== undefined && !active.some((r) => r.NoncurrentVersionExpiration?.NoncurrentDays === expected.noncurrentDays)) {
    problems.push(`no rule removes replaced versions after ${expected.noncurrentDays} days`);
  }
  // Current objects are never expired by the policy (it keeps them); a rule that does deletes data.
  const expiring = rules.filter((r) => r.Status === 'Enabled' && (r.Expiration?.Days !== undefined || r.Expiration?.Date !== undefined));
  if (expiring.length > 0) problems.push(`rule ${expiring.map((r) => r.ID ?? '(no id)').join(', ')} expires current objects`);
  return problems;
}

function encryptionProblem(expected: ExpectedPosture, rules: readonly ServerSideEncryptionRule[]): string | null {
  const byDefault = rules[0]?.ApplyServerSideEncryptionByDefault;
  if (byDefault === undefined) return 'no default encryption';
  if (byDefault.SSEAlgorithm !== 'aws:kms' && byDefault.SSEAlgorithm !== 'aws:kms:dsse') return `default encryption is ${byDefault.SSEAlgorithm ?? 'unset'}, not SSE-KMS with ${expected.keyName}`;
  const key = byDefault.KMSMasterKeyID;
  if (key === undefined) return `SSE-KMS with the AWS-managed aws/s3 key, not ${expected.keyName}`;
  if (!expected.keyIds.includes(key)) return `SSE-KMS with ${key}, not ${expected.keyName}`;
  return null;
}

function tlsProblem(bucket: string, text: string): string | null {
  const statements = policyStatements(text);
  if (statements === null) return 'its bucket policy is not JSON';
  return statements.some((s) => deniesWithoutTls(s, bucket)) ? null : 'its bucket policy does not deny every request without TLS (aws:SecureTransport false) on the bucket and its objects';
}

/** Every finding for one bucket: a missing bucket alone, else one per unreadable setting and per drift. */
export function assessBucketPosture(expected: ExpectedPosture, settings: BucketSettings): Finding[] {
  const readings = Object.entries(settings) as [keyof BucketSettings, Reading<unknown>][];
  if (readings.some(([, r]) => 'unreadable' in r && r.unreadable === 'NoSuchBucket')) {
    return [finding(expected, 'bucket', 'critical', `does not exist in ${expected.region}`)];
  }
  const findings: Finding[] = [];
  for (const [setting, reading] of readings) {
    const { check, call, permission, severity } = SETTING_OF[setting];
    if ('unreadable' in reading) {
      findings.push({
        ...finding(expected, 'unreadable', 'critical', `${call} failed with ${reading.unreadable}: its ${check} posture is unknown`),
        action: `check-media-posture's role must be allowed ${permission} on ${expected.bucket}${expected.managed ? '' : ', and the bucket policy of the stack that owns it must not deny it'}; other errors: see its logs.`,
      });
      continue;
    }
    const problems = problemsOf(expected, setting, reading);
    for (const problem of problems) findings.push(finding(expected, check, severity, problem));
  }
  return findings;
}

function problemsOf(expected: ExpectedPosture, setting: keyof BucketSettings, reading: { value: unknown } | { absent: string }): string[] {
  const absent = 'absent' in reading;
  const one = (problem: string | null) => (problem === null ? [] : [problem]);
  switch (setting) {
    case 'versioning': {
      const status = absent ? undefined : (reading.value as string | undefined);
      return status === 'Enabled' ? [] : [`versioning is ${status ?? 'never enabled'}, not Enabled (no version to restore)`];
    }
    case 'replication':
      if (expected.replication === undefined) return [];
      return absent ? ['has no replication configuration: nothing reaches the replica'] : replicationProblems(expected, reading.value as ReplicationConfiguration);
    case 'lifecycle':
      if (expected.transitions === undefined && expected.noncurrentDays === undefined) return [];
      if (absent) return (expected.transitions?.length ?? 0) === 0 && expected.noncurrentDays === undefined ? [] : ['has no lifecycle configuration'];
      return lifecycleProblems(expected, reading.value as readonly LifecycleRule[]);
    case 'encryption':
      return absent ? ['has no default encryption'] : one(encryptionProblem(expected, reading.value as readonly ServerSideEncryptionRule[]));
    case 'publicAccess':
      return absent ? ['has no public access block'] : one(publicAccessProblem(reading.value as PublicAccessBlockConfiguration));
    case 'ownership':
      return absent ? ['has no ownership controls (ACLs apply, objects may belong to their writers)'] : one(ownershipProblem(reading.value as OwnershipControls));
    case 'policy':
      return absent ? ['has no bucket policy: requests without TLS are accepted'] : one(tlsProblem(expected.bucket, reading.value as string));
  }
}
