// The schema of backup-policy.yml: what is protected, when, kept how long, where copies go, and the
// recovery objectives they are measured against. Strict: an unknown key is an error naming its path.
// Written with zod/mini (functional API): it is parsed at every Lambda cold start.

import * as z from 'zod/mini';
import { TAG } from '../contracts.js';
import { parseScheduleExpression } from '../schedule/expression.js';
import { cacheFailover, databaseFailover, endpointTarget, recovery } from './recovery.js';
import { complianceFloor, keepRules, objectiveDuration, region, retentionDuration, timeZone } from './fields.js';

const nonEmpty = () => z.string().check(z.minLength(1));

/** How long an alarm may stay unresolved before it escalates (alerts.escalation.unresolved.after): a sensible range for a Step Functions Wait. */
export const UNRESOLVED_AFTER = { minMs: 5 * 60_000, maxMs: 7 * 86_400_000 } as const;
const pattern = (re: RegExp, error: string) => z.string().check(z.regex(re, { error }));
const withDefault = <T extends z.core.SomeType>(schema: T, value: z.core.output<T>) => z._default(schema, value as never);

const resourceName = pattern(/^[a-z](?!.*--)[a-z0-9-]{0,38}[a-z0-9]$/, 'must be 2-40 lowercase letters, digits or single dashes, starting with a letter');

const scheduleExpression = z.string().check(
  z.superRefine((text: string, ctx) => {
    try {
      parseScheduleExpression(text, '');
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error), input: text });
    }
  }),
);

/** Retention of one resource: restic's rules, optionally different for the copies in the secondary region. */
const retention = z.extend(keepRules, {
  secondary: z.optional(keepRules),
  /** A written reason that allows this resource to go below the compliance floor. */
  complianceOverride: z.optional(z.string().check(z.minLength(10, { error: 'give a reason of at least 10 characters' }))),
});

const objectives = z.strictObject({ rpo: objectiveDuration, rto: objectiveDuration });

/**
 * How long a scheduled snapshot may take, from its request until it is available — AWS Backup calls it a
 * backup's completion window; longer sets off the resource's backup-duration alarm (README, "Alarms").
 */
const backupWindow = z.prefault(
  objectiveDuration.check(z.refine((ms: number) => ms >= 300_000 && ms <= 86_400_000, { error: 'must be between 5min and 24h' })),
  '2h',
);
const securityGroups = withDefault(z.array(pattern(/^sg-[0-9a-f]+$/, 'must be a security group id (sg-…)')), []);
const bucketName = pattern(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name');

/** What a restored database must show to pass (checked by validate-restore against the restore). */
const validation = z.prefault(
  z.strictObject({
    /**
     * Schemas a manifest and a restore test cover (tables, schema fingerprint, content); absent: every
     * schema but the system ones. `tables` narrows the tables (schema.table); empty = every table.
     */
    schemas: z.optional(z.array(nonEmpty()).check(z.minLength(1, { error: 'name at least one schema, or leave schemas out to cover every schema but the system ones' }))),
    tables: withDefault(z.array(pattern(/^[^.\s]+\.[^.\s]+$/, 'must be schema.table')), []),
    /**
     * Tables only ever appended to (audit logs, payments, ledgers): every row up to the key captured with
     * the snapshot must come back exactly — all their buckets are compared, none may differ.
     */
    appendOnly: withDefault(z.array(pattern(/^[^.\s]+\.[^.\s]+$/, 'must be schema.table')), []),
    /**
     * Content fingerprints: each table's rows in primary-key order, hashed in PostgreSQL per key-range
     * bucket (`buckets` per table, one per million rows beyond that). Tables over `sampleAbove` rows are
     * compared on `sampleBuckets` buckets chosen from the snapshot's id; append-only and smaller tables in
     * full. Hashing stops at `timeBudget` on each side (capture and restore). `tolerance`: the share of a
     * table's unchanged buckets that may differ after a restore (append-only tables: none). A table
     * without a primary key is hashed whole up to `keylessRows` rows, else not compared.
     */
    content: z.prefault(
      z.strictObject({
        buckets: withDefault(z.int().check(z.gte(1), z.lte(1024)), 64),
        sampleBuckets: withDefault(z.int().check(z.gte(1), z.lte(1024)), 16),
        sampleAbove: withDefault(z.int().check(z.gte(0)), 1_000_000),
        timeBudget: z.prefault(
          objectiveDuration.check(z.refine((ms: number) => ms > 0 && ms <= 600_000, { error: 'must be more than 0 and at most 10min (the functions stop at 15 min)' })),
          '5min',
        ),
        tolerance: withDefault(z.number().check(z.gte(0), z.lte(0.5, { error: 'must be at most 0.5: a table with more than half of its buckets changed is a wholesale change' })), 0),
        keylessRows: withDefault(z.int().check(z.gte(0)), 100_000),
      }),
      {},
    ),
    rowCounts: z.prefault(
      z.strictObject({
        /** captured: the counts recorded when the snapshot was taken; live: the live source now, within `tolerance`. */
        mode: withDefault(z.enum(['captured', 'live']), 'captured'),
        /**
         * Allowed relative difference (0.01 = 1 %) beyond the range the manifests captured just before and
         * just after the snapshot bracket; 0: the restored count must lie within that range.
         */
        tolerance: withDefault(z.number().check(z.gte(0), z.lte(1)), 0),
      }),
      {},
    ),
    /** bt_index_check on every B-tree index when the amcheck extension is available. */
    amcheck: withDefault(z.boolean(), true),
    /**
     * How fresh the restored data must be: `table` (schema.table) and `column` (timestamptz, timestamp or
     * date) — validate-restore asks for the newest value at or before the restore point and counts the
     * rows dated after it — or, as before, a `query` returning one timestamp (it cannot tell either).
     */
    freshness: z.optional(
      z
        .strictObject({
          table: z.optional(pattern(/^[^.\s]+\.[^.\s]+$/, 'must be schema.table')),
          column: z.optional(nonEmpty()),
          query: z.optional(nonEmpty()),
        })
        .check(
          z.superRefine((f, ctx) => {
            const named = f.table !== undefined || f.column !== undefined;
            if (named && f.query !== undefined) ctx.addIssue({ code: 'custom', path: ['query'], message: 'give either table and column, or query, not both', input: f });
            else if (!named && f.query === undefined) ctx.addIssue({ code: 'custom', path: ['table'], message: 'give table and column (or a query)', input: f });
            else if (named && f.table === undefined) ctx.addIssue({ code: 'custom', path: ['table'], message: 'column needs its table (schema.table)', input: f });
            else if (named && f.column === undefined) ctx.addIssue({ code: 'custom', path: ['column'], message: 'table needs the column that dates its rows', input: f });
          }),
        ),
    ),
    /** SQL whose first column of the first row must equal `expect` (compared as text). */
    assertions: withDefault(z.array(z.strictObject({ name: nonEmpty(), sql: nonEmpty(), expect: z.union([z.string(), z.number(), z.boolean(), z.null()]) })), []),
    statementTimeout: z.prefault(objectiveDuration, '60s'),
  }),
  {},
);

/**
 * The network and credentials of a restore in the secondary region: subnet groups and security groups
 * are per region, and the credentials secret must be readable there (a replica secret keeps its name).
 */
const secondaryRestore = z.strictObject({
  subnetGroup: z.optional(nonEmpty()),
  securityGroups,
  /** Default: the primary's `credentialsSecret` name (a replicated secret has the same name). */
  credentialsSecret: z.optional(nonEmpty()),
});

/** Where and how a restore test runs (the temporary instance's network and credentials). */
const restoreTest = z.strictObject({
  /** Weekly by default (Sunday 04:00 in the policy's time zone). */
  schedule: withDefault(scheduleExpression, 'cron(0 4 ? * SUN *)'),
  snapshot: withDefault(z.enum(['latest', 'random-within-30d']), 'latest'),
  region: withDefault(z.enum(['primary', 'secondary']), 'primary'),
  /** The smallest class the engine allows; the restore only has to prove the data. */
  instanceClass: withDefault(pattern(/^db\.[a-z0-9]+\.[a-z0-9]+$/, 'must be an RDS instance class such as db.t4g.micro'), 'db.t4g.micro'),
  subnetGroup: z.optional(nonEmpty()),
  securityGroups,
  /** Secrets Manager secret {username, password} of the source's master user (a restore keeps it). */
  credentialsSecret: nonEmpty(),
  /** The database to validate; absent: the restored instance's initial database (RDS DBName), else "postgres". */
  database: z.optional(nonEmpty()),
  /** Give up waiting for the restored instance after this long. */
  timeout: z.prefault(objectiveDuration, '3h'),
  /** The settings for restores in the secondary region (`region: secondary`, or a test started there). */
  secondary: z.optional(secondaryRestore),
}).check(
  z.refine((r) => r.region !== 'secondary' || r.secondary !== undefined, {
    error: 'a restore test in the secondary region needs restoreTest.secondary (its subnet group, security groups and credentials secret there: ids are per region)',
    path: ['secondary'],
  }),
);

/** The monthly point-in-time restore in the secondary region from the replicated automated backups. */
const pitrTest = z.strictObject({
  schedule: withDefault(scheduleExpression, 'cron(0 5 1 * ? *)'),
  /** Restore to now minus this (the cross-region RPO under test). */
  restoreTo: z.prefault(objectiveDuration, '15min'),
  subnetGroup: z.optional(nonEmpty()),
  securityGroups,
  /** The master credentials secret in the secondary region (default: restoreTest.secondary's, else restoreTest's name). */
  credentialsSecret: z.optional(nonEmpty()),
});

const database = z.strictObject({
  name: resourceName,
  instanceId: pattern(/^[a-zA-Z][a-zA-Z0-9-]{0,62}$/, 'must be an RDS DB instance identifier'),
  engine: withDefault(z.enum(['postgres']), 'postgres'),
  schedule: scheduleExpression,
  backupWindow,
  retention,
  automatedBackups: z.prefault(
    z.strictObject({
      retentionDays: withDefault(z.int().check(z.gte(1), z.lte(35)), 35),
      replicateToSecondary: withDefault(z.boolean(), true),
      enforce: withDefault(z.boolean(), false),
    }),
    {},
  ),
  objectives: z.optional(objectives),
  restoreTest: z.optional(restoreTest),
  pitrTest: z.optional(pitrTest),
  validation,
  /** How region-failover brings it up in the secondary region (README, "Recovery runbooks"). */
  failover: z.optional(databaseFailover),
  /** Where the application finds it: what a recovery rewrites after approval. */
  endpoint: z.optional(endpointTarget),
  /**
   * Anomalies between consecutive manifests (data corruption, mass deletion, a breach): found, alerted,
   * and the backups before them quarantined — kept by prune like a legal hold until released.
   */
  anomalies: z.prefault(
    z.strictObject({
      enabled: withDefault(z.boolean(), true),
      /** A table that lost more than this share of its rows between two backups (0.2 = 20 %). */
      shrinkRatio: withDefault(z.number().check(z.gt(0), z.lte(1)), 0.2),
      /** Tables below this many rows in the earlier manifest are not judged by shrinkage (noise). */
      minRows: withDefault(z.int().check(z.gte(0)), 100),
    }),
    {},
  ),
});

/** A key that must exist: "key" (database 0) or "<db>:key" — e.g. "0:config:feature-flags". */
const requiredKey = pattern(/^(?:\d{1,2}:)?.+$/s, 'must be a key, or <database>:<key>');

/**
 * What a restored cache must show to pass (README, "Redis: proving the data"). A manifest captured with
 * each snapshot records, per logical database, the key count and a sample of `sampleKeys` keys chosen
 * from the snapshot's id (type, expiry, a hash of the value); a restore is judged against it.
 */
const cacheValidation = z.prefault(
  z.strictObject({
    /** Keys sampled per logical database (the whole keyspace is scanned to choose them). */
    sampleKeys: withDefault(z.int().check(z.minimum(0), z.maximum(100_000)), 200),
    /**
     * A collection with more elements than this (or a string longer, in bytes) is compared by its size,
     * not its content: fetching it whole would cost more than it proves.
     */
    maxElements: withDefault(z.int().check(z.minimum(1)), 10_000),
    /** Share by which a restored database's key count may differ from the count captured (writes and expiries between the capture and the snapshot). */
    keyCountTolerance: withDefault(z.number().check(z.minimum(0), z.maximum(1)), 0.01),
    /** Share of the sampled keys that may be missing or differ (a cache changes between the capture and the snapshot). */
    sampleTolerance: withDefault(z.number().check(z.minimum(0), z.maximum(1)), 0.02),
    /** Keys that must exist in every restore, whatever the sample. */
    requiredKeys: withDefault(z.array(requiredKey), []),
    /** A command and the reply it must give on the restore, as redis-cli prints a simple reply. */
    assertions: withDefault(
      z.array(z.strictObject({ name: nonEmpty(), command: z.array(z.string()).check(z.minLength(1)), expect: z.union([z.string(), z.number(), z.null()]), database: withDefault(z.int().check(z.minimum(0), z.maximum(15)), 0) })),
      [],
    ),
    /** In-transit encryption of the cache (ElastiCache `TransitEncryptionEnabled`): validation connects with TLS. */
    tls: withDefault(z.boolean(), true),
    /** Secrets Manager secret holding the AUTH token (or {"username","password"} for RBAC); absent: no AUTH. */
    authSecret: z.optional(nonEmpty()),
  }),
  {},
);

/** Where a cache's restore test seeds its temporary replication group (subnet and security groups are per region). */
const cacheNetwork = { subnetGroup: z.optional(nonEmpty()), securityGroups };

/** The weekly restore test of a cache: a temporary replication group seeded from the newest verified export. */
const cacheRestoreTest = z
  .strictObject({
    schedule: withDefault(scheduleExpression, 'cron(0 5 ? * SUN *)'),
    region: withDefault(z.enum(['primary', 'secondary']), 'primary'),
    /** The smallest node type: the restore only has to prove the data. */
    nodeType: withDefault(pattern(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, 'must be an ElastiCache node type such as cache.t4g.micro'), 'cache.t4g.micro'),
    ...cacheNetwork,
    /** RBAC: the user group the temporary group joins (the users of validation.authSecret); absent: the AUTH token. */
    userGroupId: z.optional(nonEmpty()),
    /** Give up waiting for the temporary group after this long. */
    timeout: z.prefault(objectiveDuration, '1h'),
    secondary: z.optional(z.strictObject(cacheNetwork)),
  })
  .check(z.refine((r) => r.region !== 'secondary' || r.secondary !== undefined, { error: 'a restore test in the secondary region needs restoreTest.secondary (its subnet and security groups there)', path: ['secondary'] }));

const cache = z.strictObject({
  name: resourceName,
  replicationGroupId: pattern(/^[a-zA-Z][a-zA-Z0-9-]{0,39}$/, 'must be an ElastiCache replication group id'),
  schedule: scheduleExpression,
  backupWindow,
  retention,
  objectives: z.optional(objectives),
  validation: cacheValidation,
  restoreTest: z.optional(cacheRestoreTest),
  failover: z.optional(cacheFailover),
  endpoint: z.optional(endpointTarget),
});

const bucket = z.strictObject({
  name: resourceName,
  bucket: bucketName,
  replicaBucket: bucketName,
  archiveBucket: z.optional(bucketName),
  versioning: withDefault(z.literal(true, { error: 'versioning must stay enabled (the policy keeps all versions)' }), true),
  lifecycle: z.prefault(
    z.strictObject({
      infrequentAccessAfter: z.optional(retentionDuration),
      glacierAfter: z.optional(retentionDuration),
      deepArchiveAfter: z.optional(retentionDuration),
      /** A version replaced or deleted this long ago is removed (absent: kept; a point-in-time restore reaches back as far as versions are kept). */
      noncurrentExpireAfter: z.optional(retentionDuration),
    }),
    {},
  ),
  /** true: this stack creates and configures the bucket (and its replica); false: another stack owns it (README: what to add there). */
  managed: withDefault(z.boolean(), true),
  objectives: z.optional(objectives),
  /** Older objects (not changed since the last run) the daily replication check compares besides the changed ones, chosen at random. */
  verifySample: withDefault(z.int().check(z.gte(0), z.lte(100_000)), 100),
});

/** The weekly restore test of a configuration's newest bundle (functions/config/test-configuration-restore). */
const configurationRestoreTest = z.strictObject({
  /** Weekly by default (Sunday 06:00 in the policy's time zone). */
  schedule: withDefault(scheduleExpression, 'cron(0 6 ? * SUN *)'),
});

const configuration = z
  .strictObject({
    name: resourceName,
    ssmParameterPaths: withDefault(z.array(z.string().check(z.startsWith('/', { error: 'an SSM path starts with "/"' }))), []),
    secrets: withDefault(z.array(nonEmpty()), []),
    schedule: scheduleExpression,
    onChange: withDefault(z.boolean(), true),
    retention,
    objectives: z.optional(objectives),
    restoreTest: z.optional(configurationRestoreTest),
  })
  .check(
    z.refine((c) => c.ssmParameterPaths.length + c.secrets.length > 0, {
      error: 'name at least one SSM parameter path or secret',
      path: ['ssmParameterPaths'],
    }),
  );

/** KMS keys (alias or ARN) per region role; a role without one can only handle unencrypted data. */
const kmsKey = pattern(/^(alias\/[a-zA-Z0-9/_-]+|arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[a-zA-Z0-9/_-]+|[0-9a-f-]{36})$/, 'must be a KMS key alias (alias/…), key ARN or key id');

export const policySchema = z
  .strictObject({
    version: z.literal(1, { error: 'the only policy version is 1' }),
    name: resourceName,
    timezone: withDefault(timeZone, 'Asia/Tokyo'),
    regions: z.strictObject({ primary: region, secondary: region, archive: z.optional(region) }).check(
      z.refine((r) => new Set([r.primary, r.secondary, r.archive].filter(Boolean)).size === [r.primary, r.secondary, r.archive].filter(Boolean).length, {
        error: 'primary, secondary and archive must be different regions',
      }),
    ),
    /**
     * Customer-managed keys per region role. Absent: the service's own key of that region's deployment
     * (alias/backup-dr-<stage>). `source`: the key the production database (and so its snapshots) is
     * encrypted with, when it is a customer key: copy and restore need grants on it.
     */
    kms: z.prefault(z.strictObject({ primary: z.optional(kmsKey), secondary: z.optional(kmsKey), archive: z.optional(kmsKey), source: z.optional(kmsKey) }), {}),
    /**
     * How the functions in the VPC (capture-db-manifest, validate-restore) reach AWS APIs: `endpoints` —
     * the stack creates VPC endpoints (S3 gateway; interface endpoints for RDS, Secrets Manager, SNS, KMS)
     * in the validation VPC; `nat` — the subnets already route to a NAT gateway.
     */
    network: z.prefault(z.strictObject({ egress: withDefault(z.enum(['endpoints', 'nat']), 'endpoints') }), {}),
    tags: z.prefault(z.strictObject({ owner: withDefault(nonEmpty(), TAG.owner), legalHold: withDefault(nonEmpty(), 'legal-hold') }), {}),
    /** Minimum history per resource kind; a resource may go below it only with a complianceOverride. */
    compliance: z.prefault(
      z.strictObject({ databases: z.optional(complianceFloor), caches: z.optional(complianceFloor), configuration: z.optional(complianceFloor) }),
      {},
    ),
    rds: z.prefault(
      z.strictObject({
        manualSnapshotQuota: withDefault(z.int().check(z.gt(0)), 100),
        quotaWarningRatio: withDefault(z.number().check(z.gt(0), z.lte(1)), 0.8),
        /** Cross-region copies in flight at once per destination region (AWS allows 20). */
        maxCopiesInFlight: withDefault(z.int().check(z.gte(1), z.lte(20)), 20),
        /** A copy still `creating` after this long is a verification failure. */
        copyStuckAfter: z.prefault(objectiveDuration, '12h'),
        /** Daily prune and posture check times (policy time zone). */
        pruneSchedule: withDefault(scheduleExpression, 'cron(30 5 * * ? *)'),
        postureSchedule: withDefault(scheduleExpression, 'cron(0 9 * * ? *)'),
        /** Fallback runs of the copy and verify reconcilers, besides the RDS events that trigger them. */
        reconcileSchedule: withDefault(scheduleExpression, 'rate(1 hour)'),
      }),
      {},
    ),
    dryRun: withDefault(z.boolean(), false),
    objectives: z.strictObject({ database: objectives, application: objectives, redis: objectives, media: objectives, regionFailover: objectives }),
    resources: z.strictObject({
      databases: withDefault(z.array(database), []),
      caches: withDefault(z.array(cache), []),
      buckets: withDefault(z.array(bucket), []),
      configuration: withDefault(z.array(configuration), []),
    }),
    alerts: z.prefault(
      z.strictObject({
        emails: withDefault(z.array(z.email()), []),
        /**
         * The Slack notifier (functions/platform/notify-slack), deployed only when given: the Secrets Manager
         * secret (name or ARN, in each region that runs functions) holding the incoming webhook's URL, and the
         * window in which repeats of one alert are folded into a count instead of posted again.
         */
        slack: z.optional(
          z.strictObject({
            webhookSecret: nonEmpty(),
            foldWindow: z.prefault(
              objectiveDuration.check(z.refine((ms: number) => ms >= 60_000 && ms <= 86_400_000, { error: 'must be between 1min and 24h' })),
              '1h',
            ),
          }),
        ),
        /**
         * Escalation: the team's escalation levels (on-call, team lead, management, executive — level 1 first),
         * each a set of e-mail addresses and SMS numbers, and which levels each severity reaches at once.
         * Each endpoint is subscribed to the alerts topic with a filter policy on the alert's `severity`
         * attribute; a message without one (a CloudWatch alarm, an EventBridge notice) is routed as critical.
         * Absent: the alerts topic reaches `emails` (and Slack) only, as before. A level's `slack` channel gets
         * from the Slack notifier what reaches that level (alerts by severity, alarms as critical, and the
         * delayed escalation of `unresolved`).
         */
        escalation: z.optional(
          z
            .strictObject({
              levels: z
                .array(
                  z.strictObject({
                    name: nonEmpty(),
                    emails: withDefault(z.array(z.email()), []),
                    sms: withDefault(z.array(pattern(/^\+[1-9][0-9]{6,14}$/, 'must be an E.164 number such as +819012345678')), []),
                    /** The level's own Slack channel: the secret (name or ARN, in each region) holding its incoming webhook's URL. */
                    slack: z.optional(z.strictObject({ webhookSecret: nonEmpty() })),
                  }),
                )
                .check(z.minLength(1), z.maxLength(4)),
              severities: z.prefault(
                z.strictObject({
                  critical: withDefault(z.array(z.int().check(z.gte(1))), [1, 2]),
                  warning: withDefault(z.array(z.int().check(z.gte(1))), [1]),
                  info: withDefault(z.array(z.int().check(z.gte(1))), []),
                }),
                {},
              ),
              /**
               * Delayed escalation: a CloudWatch alarm of the stack still in ALARM `after` this long (the same
               * incident: not OK meanwhile) reaches these levels (the escalate-unresolved state machine).
               * Absent: alarms reach only the levels `severities.critical` lists, at once.
               */
              unresolved: z.optional(
                z.strictObject({
                  after: z.prefault(
                    objectiveDuration.check(
                      z.refine((ms: number) => ms >= UNRESOLVED_AFTER.minMs && ms <= UNRESOLVED_AFTER.maxMs, { error: 'must be between 5min and 7d (the state machine waits that long for each alarm)' }),
                    ),
                    '1h',
                  ),
                  levels: z.array(z.int().check(z.gte(1))).check(z.minLength(1, { error: 'name at least one level to escalate to' })),
                }),
              ),
            })
            .check(
              z.superRefine((escalation, ctx) => {
                const beyond = (path: (string | number)[], level: number) =>
                  ctx.addIssue({ code: 'custom', path, message: `level ${level} is not among the ${escalation.levels.length} levels`, input: level });
                for (const [severity, levels] of Object.entries(escalation.severities)) {
                  levels.forEach((level: number, index: number) => {
                    if (level > escalation.levels.length) beyond(['severities', severity, index], level);
                  });
                }
                escalation.unresolved?.levels.forEach((level: number, index: number) => {
                  if (level > escalation.levels.length) beyond(['unresolved', 'levels', index], level);
                });
              }),
            ),
        ),
      }),
      {},
    ),
    /** The recovery runbooks and failover (README, "Recovery runbooks"); absent: none is deployed. */
    recovery: z.optional(recovery),
  })
  .check(
    z.superRefine((policy, ctx) => {
      const seen = new Map<string, string>();
      for (const [kind, list] of Object.entries(policy.resources)) {
        list.forEach((resource: { name: string }, index: number) => {
          const earlier = seen.get(resource.name);
          if (earlier !== undefined) {
            ctx.addIssue({ code: 'custom', path: ['resources', kind, index, 'name'], message: `"${resource.name}" is already used by ${earlier}`, input: resource.name });
          }
          seen.set(resource.name, `resources.${kind}[${index}]`);
        });
      }
    }),
  );

export type Policy = z.output<typeof policySchema>;
export type DatabaseResource = Policy['resources']['databases'][number];
export type BucketResource = Policy['resources']['buckets'][number];
export type CacheResource = Policy['resources']['caches'][number];
export type CacheValidation = CacheResource['validation'];
export type { EndpointTarget, RecoveryPolicy } from './recovery.js';
export type ResourceRetention = DatabaseResource['retention'];
