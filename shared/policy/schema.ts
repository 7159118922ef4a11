// The schema of backup-policy.yml: what is protected, when, kept how long, where copies go, and the
// recovery objectives they are measured against. Strict: an unknown key is an error naming its path.

import { z } from 'zod';
import { parseScheduleExpression } from '../schedule/expression.js';
import {
  complianceFloor,
  keepRules,
  objectiveDuration,
  region,
  retentionDuration,
  timeZone,
} from './fields.js';

const resourceName = z
  .string()
  .regex(/^[a-z](?!.*--)[a-z0-9-]{0,38}[a-z0-9]$/, { error: 'must be 2-40 lowercase letters, digits or single dashes, starting with a letter' });

const scheduleExpression = z.string().superRefine((text, ctx) => {
  try {
    parseScheduleExpression(text, '');
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
  }
});

/** Retention of one resource: restic's rules, optionally different for the copies in the secondary region. */
const retention = keepRules.extend({
  secondary: keepRules.optional(),
  /** A written reason that allows this resource to go below the compliance floor. */
  complianceOverride: z.string().min(10, { error: 'give a reason of at least 10 characters' }).optional(),
});

const objectives = z.strictObject({ rpo: objectiveDuration, rto: objectiveDuration });

/** What a restored database must show to pass (checked by validate-restore against the restore). */
const validation = z
  .strictObject({
    /** Schemas whose tables are expected; `tables` narrows it (schema.table), empty = every table the source has. */
    schemas: z.array(z.string().min(1)).min(1).default(['public']),
    tables: z.array(z.string().regex(/^[^.\s]+\.[^.\s]+$/, { error: 'must be schema.table' })).default([]),
    rowCounts: z
      .strictObject({
        /** captured: the counts recorded when the snapshot was taken; live: the live source now, within `tolerance`. */
        mode: z.enum(['captured', 'live']).default('captured'),
        /** Allowed relative difference (0.01 = 1 %); captured counts must match exactly unless set. */
        tolerance: z.number().min(0).max(1).default(0),
      })
      .prefault({}),
    /** bt_index_check on every B-tree index when the amcheck extension is available. */
    amcheck: z.boolean().default(true),
    /** A query returning one timestamp: the newest data, which must be within the RPO of the restore point. */
    freshness: z.strictObject({ query: z.string().min(1) }).optional(),
    /** SQL whose first column of the first row must equal `expect` (compared as text). */
    assertions: z
      .array(z.strictObject({ name: z.string().min(1), sql: z.string().min(1), expect: z.union([z.string(), z.number(), z.boolean(), z.null()]) }))
      .default([]),
    statementTimeout: objectiveDuration.prefault('60s'),
  })
  .prefault({});

/** Where and how a restore test runs (the temporary instance's network and credentials). */
const restoreTest = z.strictObject({
  /** Weekly by default (Sunday 04:00 in the policy's time zone). */
  schedule: scheduleExpression.default('cron(0 4 ? * SUN *)'),
  snapshot: z.enum(['latest', 'random-within-30d']).default('latest'),
  region: z.enum(['primary', 'secondary']).default('primary'),
  /** The smallest class the engine allows; the restore only has to prove the data. */
  instanceClass: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, { error: 'must be an RDS instance class such as db.t4g.micro' }).default('db.t4g.micro'),
  subnetGroup: z.string().min(1).optional(),
  securityGroups: z.array(z.string().regex(/^sg-[0-9a-f]+$/, { error: 'must be a security group id (sg-…)' })).default([]),
  /** Secrets Manager secret {username, password} of the source's master user (a restore keeps it). */
  credentialsSecret: z.string().min(1),
  /** The database to validate; absent: the restored instance's initial database (RDS DBName), else "postgres". */
  database: z.string().min(1).optional(),
  /** Give up waiting for the restored instance after this long. */
  timeout: objectiveDuration.prefault('3h'),
});

/** The monthly point-in-time restore in the secondary region from the replicated automated backups. */
const pitrTest = z.strictObject({
  schedule: scheduleExpression.default('cron(0 5 1 * ? *)'),
  /** Restore to now minus this (the cross-region RPO under test). */
  restoreTo: objectiveDuration.prefault('15min'),
  subnetGroup: z.string().min(1).optional(),
  securityGroups: z.array(z.string().regex(/^sg-[0-9a-f]+$/, { error: 'must be a security group id (sg-…)' })).default([]),
});

const database = z.strictObject({
  name: resourceName,
  instanceId: z.string().regex(/^[a-zA-Z][a-zA-Z0-9-]{0,62}$/, { error: 'must be an RDS DB instance identifier' }),
  engine: z.enum(['postgres']).default('postgres'),
  schedule: scheduleExpression,
  retention,
  automatedBackups: z
    .strictObject({
      retentionDays: z.number().int().min(1).max(35).default(35),
      replicateToSecondary: z.boolean().default(true),
      enforce: z.boolean().default(false),
    })
    .prefault({}),
  objectives: objectives.optional(),
  restoreTest: restoreTest.optional(),
  pitrTest: pitrTest.optional(),
  validation,
});

const cache = z.strictObject({
  name: resourceName,
  replicationGroupId: z.string().regex(/^[a-zA-Z][a-zA-Z0-9-]{0,39}$/, { error: 'must be an ElastiCache replication group id' }),
  schedule: scheduleExpression,
  retention,
  exportBucket: z.string().min(3).optional(),
  objectives: objectives.optional(),
});

const bucket = z.strictObject({
  name: resourceName,
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: 'must be an S3 bucket name' }),
  replicaBucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: 'must be an S3 bucket name' }),
  archiveBucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: 'must be an S3 bucket name' }).optional(),
  versioning: z.literal(true, { error: 'versioning must stay enabled (the policy keeps all versions)' }).default(true),
  lifecycle: z
    .strictObject({
      infrequentAccessAfter: retentionDuration.optional(),
      glacierAfter: retentionDuration.optional(),
      deepArchiveAfter: retentionDuration.optional(),
    })
    .prefault({}),
  objectives: objectives.optional(),
});

const configuration = z
  .strictObject({
    name: resourceName,
    ssmParameterPaths: z.array(z.string().startsWith('/', { error: 'an SSM path starts with "/"' })).default([]),
    secrets: z.array(z.string().min(1)).default([]),
    schedule: scheduleExpression,
    onChange: z.boolean().default(true),
    retention,
    objectives: objectives.optional(),
  })
  .refine((c) => c.ssmParameterPaths.length + c.secrets.length > 0, {
    error: 'name at least one SSM parameter path or secret',
    path: ['ssmParameterPaths'],
  });

/** KMS keys (alias or ARN) per region role; a role without one can only handle unencrypted data. */
const kmsKey = z.string().regex(/^(alias\/[a-zA-Z0-9/_-]+|arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[a-zA-Z0-9/_-]+|[0-9a-f-]{36})$/, {
  error: 'must be a KMS key alias (alias/…), key ARN or key id',
});
const regionKeys = z.strictObject({
  primary: kmsKey.optional(),
  secondary: kmsKey.optional(),
  archive: kmsKey.optional(),
});

export const policySchema = z
  .strictObject({
    version: z.literal(1, { error: 'the only policy version is 1' }),
    name: resourceName,
    timezone: timeZone.default('Asia/Tokyo'),
    regions: z
      .strictObject({ primary: region, secondary: region, archive: region.optional() })
      .refine((r) => new Set([r.primary, r.secondary, r.archive].filter(Boolean)).size === [r.primary, r.secondary, r.archive].filter(Boolean).length, {
        error: 'primary, secondary and archive must be different regions',
      }),
    kms: regionKeys.prefault({}),
    tags: z
      .strictObject({
        owner: z.string().min(1).default('backup-dr:owner'),
        legalHold: z.string().min(1).default('legal-hold'),
      })
      .prefault({}),
    /** Minimum history per resource kind; a resource may go below it only with a complianceOverride. */
    compliance: z
      .strictObject({
        databases: complianceFloor.optional(),
        caches: complianceFloor.optional(),
        configuration: complianceFloor.optional(),
      })
      .prefault({}),
    rds: z
      .strictObject({
        manualSnapshotQuota: z.number().int().positive().default(100),
        quotaWarningRatio: z.number().gt(0).lte(1).default(0.8),
        /** Cross-region copies in flight at once per destination region (AWS allows 20). */
        maxCopiesInFlight: z.number().int().min(1).max(20).default(20),
        /** A copy still `creating` after this long is a verification failure. */
        copyStuckAfter: objectiveDuration.prefault('12h'),
        /** Daily prune and posture check times (policy time zone). */
        pruneSchedule: scheduleExpression.default('cron(30 5 * * ? *)'),
        postureSchedule: scheduleExpression.default('cron(0 9 * * ? *)'),
        /** Fallback runs of the copy and verify reconcilers, besides the RDS events that trigger them. */
        reconcileSchedule: scheduleExpression.default('rate(1 hour)'),
      })
      .prefault({}),
    dryRun: z.boolean().default(false),
    objectives: z.strictObject({
      database: objectives,
      application: objectives,
      redis: objectives,
      media: objectives,
      regionFailover: objectives,
    }),
    resources: z.strictObject({
      databases: z.array(database).default([]),
      caches: z.array(cache).default([]),
      buckets: z.array(bucket).default([]),
      configuration: z.array(configuration).default([]),
    }),
    alerts: z
      .strictObject({
        emails: z.array(z.email()).default([]),
        slackWebhookSecret: z.string().min(1).optional(),
      })
      .prefault({}),
  })
  .superRefine((policy, ctx) => {
    const seen = new Map<string, string>();
    for (const [kind, list] of Object.entries(policy.resources)) {
      list.forEach((resource: { name: string }, index: number) => {
        const earlier = seen.get(resource.name);
        if (earlier !== undefined) {
          ctx.addIssue({ code: 'custom', path: ['resources', kind, index, 'name'], message: `"${resource.name}" is already used by ${earlier}` });
        }
        seen.set(resource.name, `resources.${kind}[${index}]`);
      });
    }
    if (policy.regions.archive !== undefined && policy.kms.archive === undefined && policy.resources.buckets.some((b) => b.archiveBucket !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['kms', 'archive'], message: 'an archive bucket needs a KMS key in the archive region' });
    }
  });

export type Policy = z.output<typeof policySchema>;
export type DatabaseResource = Policy['resources']['databases'][number];
export type CacheResource = Policy['resources']['caches'][number];
export type BucketResource = Policy['resources']['buckets'][number];
export type ConfigurationResource = Policy['resources']['configuration'][number];
export type ResourceRetention = DatabaseResource['retention'];
