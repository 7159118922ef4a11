// The posture of a region's cache export bucket, pure (README, "Posture checks: alert once per change"):
// its settings as S3 returned them against what deploy/components/redis/exports.ts gives it — the bucket
// policy still grants ElastiCache's snapshot principal of the region every action exports (primary) or
// seeding (secondary) need, on the bucket and on its objects (shared/redis/export-bucket.ts), with no
// deny taking any back, and still denies every request without TLS; object ownership bucket-owner
// enforced (ACLs off: an object ElastiCache wrote stays readable and replicable); every public access
// block on; and in the primary an enabled replication rule covering the exports, to the secondary's
// export bucket, with Replication Time Control and without delete markers. Conditions on a grant are
// not judged. A setting that cannot be read is a finding too: the posture is unknown.

import type { OwnershipControls, PublicAccessBlockConfiguration, ReplicationConfiguration, ReplicationRule } from '@aws-sdk/client-s3';
import { actionMatches, asList, deniesWithoutTls, namesBucket, ownershipProblem, policyStatements, publicAccessProblem, resourceMatches, wholeBucket, type PolicyStatement, type Reading } from '../../../shared/aws/bucket-settings.js';
import { PREFIX } from '../../../shared/contracts.js';
import { BUCKET_LEVEL_ACTIONS, elastiCacheSnapshotPrincipal, ELASTICACHE_EXPORT_GRANT } from '../../../shared/redis/export-bucket.js';
import type { Finding } from './plan.js';

export interface ExportBucketSettings {
  /** GetBucketPolicy's JSON text. */
  readonly policy: Reading<string>;
  readonly ownership: Reading<OwnershipControls>;
  readonly publicAccess: Reading<PublicAccessBlockConfiguration>;
  /** The primary's only. */
  readonly replication?: Reading<ReplicationConfiguration>;
}

export interface ExportBucketExpectation {
  readonly role: 'primary' | 'secondary';
  readonly region: string;
  readonly bucket: string;
  /** The secondary's export bucket, where the primary's must replicate. */
  readonly peerBucket: string;
}

/** What each setting is read by and needs in IAM, for a finding that it could not be read. */
const READ_BY = {
  policy: { check: 'export-grant', call: 'GetBucketPolicy', permission: 's3:GetBucketPolicy' },
  ownership: { check: 'object-ownership', call: 'GetBucketOwnershipControls', permission: 's3:GetBucketOwnershipControls' },
  publicAccess: { check: 'public-access', call: 'GetPublicAccessBlock', permission: 's3:GetBucketPublicAccessBlock' },
  replication: { check: 'replication', call: 'GetBucketReplication', permission: 's3:GetReplicationConfiguration' },
} as const satisfies Record<keyof ExportBucketSettings, { check: Finding['check']; call: string; permission: string }>;

const REDEPLOY = 'Redeploy the stack (npm run package, then deploy in this region) to restore it; check CloudTrail for who changed the export bucket.';

/** The partition an S3 ARN of a region carries. */
const partitionOf = (region: string) => (region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws');

const principalNames = (statement: PolicyStatement, service: string): boolean => asList((statement.Principal as { Service?: unknown } | undefined)?.Service).includes(service);

/**
 * The actions of the grant the policy no longer gives, each with where it lacks it: not allowed to the
 * principal on the bucket (bucket-level actions) or its objects, or denied to it there without a condition.
 */
function missingGrants(expected: ExportBucketExpectation, statements: readonly PolicyStatement[]): string[] {
  const service = elastiCacheSnapshotPrincipal(expected.region);
  const bucketArn = `arn:${partitionOf(expected.region)}:s3:::${expected.bucket}`;
  const covers = (statement: PolicyStatement, action: string, arn: string) =>
    asList(statement.Action).some((a) => typeof a === 'string' && actionMatches(a, action)) && asList(statement.Resource).some((r) => typeof r === 'string' && resourceMatches(r, arn));
  const allows = statements.filter((s) => s.Effect === 'Allow' && principalNames(s, service) && s.NotAction === undefined && s.NotResource === undefined);
  const denies = statements.filter((s) => s.Effect === 'Deny' && s.Condition === undefined && (s.Principal === '*' || asList((s.Principal as { AWS?: unknown } | undefined)?.AWS).includes('*') || principalNames(s, service)));
  return ELASTICACHE_EXPORT_GRANT[expected.role].actions.flatMap((action) => {
    const arn = BUCKET_LEVEL_ACTIONS.has(action) ? bucketArn : `${bucketArn}/*`;
    const where = BUCKET_LEVEL_ACTIONS.has(action) ? 'the bucket' : 'its objects';
    if (denies.some((s) => covers(s, action, arn))) return [`${action} on ${where} (denied)`];
    return allows.some((s) => covers(s, action, arn)) ? [] : [`${action} on ${where}`];
  });
}

function policyFindings(expected: ExportBucketExpectation, reading: { value: string } | { absent: string }): Finding[] {
  const what = expected.role === 'primary' ? 'exports fail' : 'a cluster cannot be seeded from an export here';
  if ('absent' in reading) {
    return [
      { severity: 'critical', check: 'export-grant', summary: `the export bucket ${expected.bucket} has no bucket policy: ElastiCache is granted nothing, ${what}`, action: REDEPLOY },
      { severity: 'warning', check: 'tls-only', summary: `the export bucket ${expected.bucket} has no bucket policy: requests without TLS are accepted`, action: REDEPLOY },
    ];
  }
  const statements = policyStatements(reading.value);
  if (statements === null) return [{ severity: 'critical', check: 'export-grant', summary: `the bucket policy of the export bucket ${expected.bucket} is not JSON`, action: REDEPLOY }];
  const findings: Finding[] = [];
  const missing = missingGrants(expected, statements);
  if (missing.length > 0) {
    findings.push({
      severity: 'critical',
      check: 'export-grant',
      summary: `the export bucket ${expected.bucket} no longer grants ${elastiCacheSnapshotPrincipal(expected.region)} ${missing.join(', ')}: ${what}`,
      action: REDEPLOY,
    });
  }
  if (!statements.some((s) => deniesWithoutTls(s, expected.bucket))) {
    findings.push({ severity: 'warning', check: 'tls-only', summary: `the bucket policy of the export bucket ${expected.bucket} no longer denies requests without TLS (aws:SecureTransport false)`, action: REDEPLOY });
  }
  return findings;
}

/** Rules that replicate every export: the whole bucket, or a prefix every export key starts with. */
const coversExports = (rule: ReplicationRule): boolean => {
  if (wholeBucket(rule)) return true;
  const filter = rule.Filter;
  const onlyPrefix = filter !== undefined && filter.Tag === undefined && filter.And === undefined;
  return (rule.Prefix ?? '') === '' && onlyPrefix && `${PREFIX.snapshot}-`.startsWith(filter.Prefix ?? '');
};

function replicationProblem(expected: ExportBucketExpectation, reading: { value: ReplicationConfiguration } | { absent: string }): string | null {
  if ('absent' in reading) return 'has no replication configuration: exports no longer reach the secondary region';
  const enabled = (reading.value.Rules ?? []).filter((r) => r.Status === 'Enabled');
  if (enabled.length === 0) return 'has no enabled replication rule: exports no longer reach the secondary region';
  const toPeer = enabled.filter((r) => namesBucket(r.Destination?.Bucket, expected.peerBucket));
  if (toPeer.length === 0) return `replicates to ${enabled.map((r) => r.Destination?.Bucket ?? '(no destination)').join(', ')}, not to ${expected.peerBucket}: exports no longer reach the secondary's export bucket`;
  const rule = toPeer.find(coversExports);
  if (rule === undefined) return `replicates to ${expected.peerBucket} only what its filter selects, not every export`;
  if (rule.Destination?.ReplicationTime?.Status !== 'Enabled') return 'replicates without Replication Time Control: no 15-minute guarantee and no replication metrics';
  if (rule.DeleteMarkerReplication?.Status === 'Enabled') return `replicates delete markers to ${expected.peerBucket}: pruning the primary's exports would hide the secondary's`;
  return null;
}

/** Every finding of the export bucket: one per setting that could not be read, and one per drift. */
export function assessExportBucket(expected: ExportBucketExpectation, settings: ExportBucketSettings): Finding[] {
  const findings: Finding[] = [];
  const bucket = `the export bucket ${expected.bucket}`;
  for (const [setting, reading] of Object.entries(settings) as [keyof ExportBucketSettings, Reading<unknown> | undefined][]) {
    if (reading === undefined || !('unreadable' in reading)) continue;
    const { check, call, permission } = READ_BY[setting];
    findings.push({ severity: 'warning', check, summary: `${call} of ${bucket} failed with ${reading.unreadable}: its ${check} posture is unknown`, action: `check-cache-posture's role must be allowed ${permission} on ${expected.bucket} (redeploy); other errors: see its logs.` });
  }
  const readable = <T>(reading: Reading<T> | undefined): reading is { value: T } | { absent: string } => reading !== undefined && !('unreadable' in reading);
  if (readable(settings.policy)) findings.push(...policyFindings(expected, settings.policy));
  if (readable(settings.ownership)) {
    const problem = 'absent' in settings.ownership ? 'object ownership is unset, not BucketOwnerEnforced (ACLs still apply)' : ownershipProblem(settings.ownership.value);
    if (problem !== null) findings.push({ severity: 'critical', check: 'object-ownership', summary: `${bucket}: ${problem}: an export ElastiCache writes may not be the bucket's to read or replicate`, action: REDEPLOY });
  }
  if (readable(settings.publicAccess)) {
    const problem = 'absent' in settings.publicAccess ? 'has no public access block' : publicAccessProblem(settings.publicAccess.value);
    if (problem !== null) findings.push({ severity: 'critical', check: 'public-access', summary: `${bucket}: ${problem}: the cache data in it could be made public`, action: REDEPLOY });
  }
  if (expected.role === 'primary' && readable(settings.replication)) {
    const problem = replicationProblem(expected, settings.replication);
    if (problem !== null) findings.push({ severity: 'critical', check: 'replication', summary: `${bucket} ${problem}`, action: 'Redeploy the stack (npm run package, then deploy) to restore the replication rule; check CloudTrail for who changed it.' });
  }
  return findings;
}
