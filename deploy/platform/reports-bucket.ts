// Packaging time only: the reports bucket of a region — restore-test evidence (the audit log of the
// restore tests, 5 years), validate-restore's full validation reports (kept like the evidence) and
// snapshot manifests (the primary's replicated to the secondary's, platform/replication.ts) — and how
// the functions' statements and environment name it. Its name is deterministic (shared/contracts.ts),
// so one region knows the other's without a cross-region lookup.

import { REPORT_PREFIX, reportsBucketName } from '../../shared/contracts.js';
import { ACCOUNT, getAtt, LOGICAL_ID, PackagingError, PARTITION, ref, sub, type CfnValue, type Statement } from '../core/cloudformation.js';
import type { Context, Contribution } from '../core/contribution.js';
import { manifestReplication } from './replication.js';

/** Retention of the reports bucket (the evidence is the audit log of the restore tests). */
export const REPORT_RETENTION = {
  evidenceArchiveAfterDays: 365,
  evidenceArchiveClass: 'GLACIER',
  evidenceExpireAfterDays: 1825,
  manifestsExpireAfterDays: 400,
  /** A superseded manifest (the same snapshot captured again) is kept only briefly. */
  manifestsNoncurrentExpireAfterDays: 30,
  /** The Slack notifier's fold state, as it was before its latest rewrite. */
  slackFoldsNoncurrentExpireAfterDays: 1,
  /** The posture checks' memory, as it was before its latest daily rewrite. */
  postureNoncurrentExpireAfterDays: 7,
  /** The readiness report (rewritten daily) and the primary watch's state (rewritten every 5 minutes during an outage). */
  readinessNoncurrentExpireAfterDays: 30,
  /** The delayed escalation's record of an incident: needed only while that incident's executions run (at most the 7-day wait and an hour). */
  escalationsExpireAfterDays: 30,
  escalationsNoncurrentExpireAfterDays: 1,
  /**
   * A recovery runbook's pending approval (its task token, plan and expiry): useless once the execution
   * stopped waiting, at most recovery.approvalTimeout (7 d at the most) after it was written.
   */
  approvalsExpireAfterDays: 30,
  approvalsNoncurrentExpireAfterDays: 1,
  /**
   * switch-endpoint's record of each switch (the value it replaced: how to switch back): kept like the
   * manifests, beyond a year of looking back at a recovery; a superseded version a month.
   */
  endpointsExpireAfterDays: 400,
  endpointsNoncurrentExpireAfterDays: 30,
} as const;

/** The reports bucket's name in one region, as a CloudFormation Fn::Sub text. */
export const reportsBucketSub = (stage: string, region: string): string => reportsBucketName(stage, ACCOUNT, region);

/** Objects under one prefix of this region's reports bucket. */
export const reportsObjects = (prefix: string): CfnValue => sub(`arn:${PARTITION}:s3:::\${${LOGICAL_ID.reportsBucket}}/${prefix}*`);

/** This region's reports bucket itself (ListBucket). */
export const reportsBucketArn = (): CfnValue => getAtt(LOGICAL_ID.reportsBucket);

/** The service key, used through S3 in this region (the bucket's SSE-KMS). */
export const serviceKeyViaS3 = (ctx: Context, actions: readonly string[]): Statement => ({
  Effect: 'Allow',
  Action: actions,
  Resource: [getAtt(LOGICAL_ID.key)],
  Condition: { StringEquals: { 'kms:ViaService': `s3.${ctx.region}.amazonaws.com` } },
});

/**
 * A posture check's memory of the findings it last alerted (shared/alerts/posture-memory.ts): read and
 * conditionally written under posture/, ListBucket so that a memory not yet written is a 404, and the
 * service key through S3 (the bucket's SSE-KMS).
 */
export const postureMemoryStatements = (ctx: Context): Statement[] => [
  { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: [reportsObjects(REPORT_PREFIX.posture)] },
  { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [reportsBucketArn()] },
  serviceKeyViaS3(ctx, ['kms:GenerateDataKey', 'kms:Decrypt']),
];

/** Refuses a stage that cannot be part of the bucket's name in `region`. */
export function checkBucketName(stage: string, region: string): void {
  if (!/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(stage)) {
    throw new PackagingError(`stage "${stage}" cannot be part of an S3 bucket name (the reports bucket): use lowercase letters, digits and dashes`);
  }
  const name = reportsBucketSub(stage, region);
  const length = name.replace(ACCOUNT, '123456789012').length;
  if (length > 63) {
    throw new PackagingError(`stage "${stage}" is too long: the reports bucket name ${name} would have ${length} characters (S3 allows 63)`);
  }
}

/** Kept like the evidence they belong to: Glacier after a year (over 128 KB), deleted after 5 years. */
function keptLikeEvidence(id: string, prefix: string) {
  const r = REPORT_RETENTION;
  return {
    Id: id,
    Status: 'Enabled',
    Prefix: prefix,
    Transitions: [{ StorageClass: r.evidenceArchiveClass, TransitionInDays: r.evidenceArchiveAfterDays }],
    ExpirationInDays: r.evidenceExpireAfterDays,
    NoncurrentVersionTransitions: [{ StorageClass: r.evidenceArchiveClass, TransitionInDays: r.evidenceArchiveAfterDays }],
    NoncurrentVersionExpiration: { NoncurrentDays: r.evidenceExpireAfterDays },
    AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
  };
}

function reportsBucket(ctx: Context) {
  const r = REPORT_RETENTION;
  return {
    Type: 'AWS::S3::Bucket',
    DeletionPolicy: 'Retain',
    UpdateReplacePolicy: 'Retain',
    Properties: {
      BucketName: sub(reportsBucketSub(ctx.stage, ctx.region)),
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: getAtt(LOGICAL_ID.key) }, BucketKeyEnabled: true }],
      },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LifecycleConfiguration: {
        // S3's default: objects under 128 KB are not transitioned (most evidence records: they stay in
        // S3 Standard, cheaper than Glacier's per-object overhead); larger ones go to Glacier at 365 d.
        TransitionDefaultMinimumObjectSize: 'all_storage_classes_128K',
        Rules: [
          keptLikeEvidence('evidence-5-years', REPORT_PREFIX.evidence),
          keptLikeEvidence('validation-reports-5-years', REPORT_PREFIX.validation),
          keptLikeEvidence('media-restore-listings-5-years', REPORT_PREFIX.mediaRestores),
          {
            Id: 'manifests-400-days',
            Status: 'Enabled',
            Prefix: REPORT_PREFIX.manifests,
            ExpirationInDays: r.manifestsExpireAfterDays,
            NoncurrentVersionExpiration: { NoncurrentDays: r.manifestsNoncurrentExpireAfterDays },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
          },
          // The media replication check's daily reports, and its state (rewritten daily: old versions go soon).
          {
            Id: 'replication-checks-400-days',
            Status: 'Enabled',
            Prefix: REPORT_PREFIX.replication,
            ExpirationInDays: r.manifestsExpireAfterDays,
            NoncurrentVersionExpiration: { NoncurrentDays: r.manifestsNoncurrentExpireAfterDays },
          },
          // The Slack notifier's fold state: one small object per alert, rewritten on every repeat. The
          // current versions stay (an expired one would leave a delete marker its conditional writes
          // would have to reckon with; a stale state is harmless), the versions it replaced go after a day.
          {
            Id: 'slack-fold-state-old-versions',
            Status: 'Enabled',
            Prefix: REPORT_PREFIX.slackFolds,
            NoncurrentVersionExpiration: { NoncurrentDays: r.slackFoldsNoncurrentExpireAfterDays },
          },
          // The posture checks' memory: one small object per component, region and resource, rewritten
          // daily; the current versions stay (like the fold state), the replaced ones go after a week.
          {
            Id: 'posture-memory-old-versions',
            Status: 'Enabled',
            Prefix: REPORT_PREFIX.posture,
            NoncurrentVersionExpiration: { NoncurrentDays: r.postureNoncurrentExpireAfterDays },
          },
          // The failover readiness report and the primary watch's state (secondary): the current ones stay,
          // the month of reports before them is the readiness history.
          {
            Id: 'readiness-old-versions',
            Status: 'Enabled',
            Prefix: REPORT_PREFIX.readiness,
            NoncurrentVersionExpiration: { NoncurrentDays: r.readinessNoncurrentExpireAfterDays },
          },
          // The delayed escalation's records, one per incident (an alarm and when it went to ALARM): no
          // execution writes an incident's key again after its wait, so they go after a month.
          {
            Id: 'escalation-records-30-days',
            Status: 'Enabled',
            Prefix: REPORT_PREFIX.escalations,
            ExpirationInDays: r.escalationsExpireAfterDays,
            NoncurrentVersionExpiration: { NoncurrentDays: r.escalationsNoncurrentExpireAfterDays },
          },
          // The recovery runbooks' approval records: a task token is useless after recovery.approvalTimeout (7 d at most).
          {
            Id: 'approval-records-30-days',
            Status: 'Enabled',
            Prefix: REPORT_PREFIX.approvals,
            ExpirationInDays: r.approvalsExpireAfterDays,
            NoncurrentVersionExpiration: { NoncurrentDays: r.approvalsNoncurrentExpireAfterDays },
          },
          // switch-endpoint's undo records (the endpoint value each switch replaced): 400 days, like the manifests.
          {
            Id: 'endpoint-records-400-days',
            Status: 'Enabled',
            Prefix: REPORT_PREFIX.endpoints,
            ExpirationInDays: r.endpointsExpireAfterDays,
            NoncurrentVersionExpiration: { NoncurrentDays: r.endpointsNoncurrentExpireAfterDays },
          },
        ],
      },
      ...manifestReplication(ctx).bucketProperties,
    },
  } as const;
}

export const reports: Contribution = {
  component: 'platform',
  name: 'platform/reports-bucket',
  resources: (ctx) => ({
    Resources: {
      // Retained on stack deletion: the evidence is the audit log.
      [LOGICAL_ID.reportsBucket]: reportsBucket(ctx),
      ...manifestReplication(ctx).resources,
      [LOGICAL_ID.reportsBucketPolicy]: {
        Type: 'AWS::S3::BucketPolicy',
        Properties: {
          Bucket: ref(LOGICAL_ID.reportsBucket),
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'DenyWithoutTls',
                Effect: 'Deny',
                Principal: '*',
                Action: 's3:*',
                Resource: [getAtt(LOGICAL_ID.reportsBucket), sub(`\${${LOGICAL_ID.reportsBucket}.Arn}/*`)],
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              },
            ],
          },
        },
      },
    },
    Outputs: {
      ReportsBucketName: {
        Description: `Restore-test evidence (${REPORT_PREFIX.evidence}), validation reports (${REPORT_PREFIX.validation}) and snapshot manifests (${REPORT_PREFIX.manifests}) of this region`,
        Value: ref(LOGICAL_ID.reportsBucket),
      },
    },
  }),
};
