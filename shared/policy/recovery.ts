// The policy's recovery section (README, "Recovery runbooks"): who may approve an irreversible step, how
// the application is put into maintenance mode and pointed at a recovered resource, and what each
// resource needs to be brought up in the secondary region when the primary is lost. Shared by the
// runbook state machines (region-failover, database-recovery, redis-recovery, application-recovery)
// and the readiness check; absent, none of them is deployed.

import * as z from 'zod/mini';
import { parseScheduleExpression } from '../schedule/expression.js';
import { objectiveDuration } from './fields.js';

const nonEmpty = () => z.string().check(z.minLength(1));
const pattern = (re: RegExp, error: string) => z.string().check(z.regex(re, { error }));
const withDefault = <T extends z.core.SomeType>(schema: T, value: z.core.output<T>) => z._default(schema, value as never);

const ssmParameterName = z.string().check(z.startsWith('/', { error: 'an SSM parameter name starts with "/"' }), z.maxLength(2048));
const securityGroups = withDefault(z.array(pattern(/^sg-[0-9a-f]+$/, 'must be a security group id (sg-…)')), []);
const scheduleExpression = z.string().check(
  z.superRefine((text: string, ctx) => {
    try {
      parseScheduleExpression(text, '');
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error), input: text });
    }
  }),
);
const httpsUrl = pattern(/^https:\/\/[^\s/]+(\/\S*)?$/, 'must be an https:// URL');

/**
 * Where the application finds a resource, which a recovery rewrites once the recovered resource passed
 * validation and the operator approved: an SSM parameter (String; written in the region the recovery runs
 * in, the region whose application reads it) holding the endpoint address, or a Route 53 record (a
 * CNAME, global) pointing at it. Exactly one.
 */
export const endpointTarget = z
  .strictObject({
    ssmParameter: z.optional(ssmParameterName),
    route53: z.optional(
      z.strictObject({
        hostedZoneId: pattern(/^Z[A-Z0-9]{1,31}$/, 'must be a Route 53 hosted zone id (Z…)'),
        recordName: pattern(/^(?=.{1,253}\.?$)[a-zA-Z0-9_*](?:[a-zA-Z0-9_.-]*[a-zA-Z0-9])?\.?$/, 'must be a DNS name such as db.internal.example.com'),
        ttl: withDefault(z.int().check(z.gte(0), z.lte(86_400)), 60),
      }),
    ),
  })
  .check(
    z.refine((e) => (e.ssmParameter === undefined) !== (e.route53 === undefined), {
      error: 'give exactly one of ssmParameter or route53',
      path: ['ssmParameter'],
    }),
  );

/**
 * How a database is brought up in the secondary region by region-failover: promote `readReplica` (a
 * cross-region read replica there) when named, else restore the replicated automated backups to their
 * latest restorable time, else the newest verified snapshot copy. Network and credentials are per region
 * (defaults: the database's restoreTest.secondary settings). `instanceClass` absent: the source's class.
 */
export const databaseFailover = z.strictObject({
  readReplica: z.optional(pattern(/^[a-zA-Z][a-zA-Z0-9-]{0,62}$/, 'must be an RDS DB instance identifier (of the replica in the secondary region)')),
  instanceId: z.optional(pattern(/^[a-zA-Z][a-zA-Z0-9-]{0,62}$/, 'must be an RDS DB instance identifier')),
  instanceClass: z.optional(pattern(/^db\.[a-z0-9]+\.[a-z0-9]+$/, 'must be an RDS instance class such as db.r6g.large')),
  multiAz: withDefault(z.boolean(), false),
  subnetGroup: z.optional(nonEmpty()),
  securityGroups,
  credentialsSecret: z.optional(nonEmpty()),
});

/** How a cache is seeded in the secondary region by region-failover (from the newest verified export). */
export const cacheFailover = z.strictObject({
  replicationGroupId: z.optional(pattern(/^[a-zA-Z][a-zA-Z0-9-]{0,39}$/, 'must be an ElastiCache replication group id')),
  nodeType: z.optional(pattern(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, 'must be an ElastiCache node type such as cache.r7g.large')),
  subnetGroup: z.optional(nonEmpty()),
  securityGroups,
  userGroupId: z.optional(nonEmpty()),
});

/**
 * The longest a health URL may take to answer: application-recovery-health GETs the URLs at once (in
 * parallel, each within healthTimeout) inside a Lambda that runs 60 s, so one probe's timeout plus the
 * function's start must fit in those 60 s.
 */
export const HEALTH_TIMEOUT_MAX_MS = 45_000;
/** application-recovery-health's Lambda timeout: the longest probe and a margin for a cold start. */
export const HEALTH_FUNCTION_TIMEOUT_S = 60;

/**
 * Who may approve: IAM principals as the caller's ARN reads — a user, a role, or an assumed-role session
 * (`arn:aws:sts::<account>:assumed-role/<role>/*` for any session of that role). `*` matches any run of
 * characters within the last part only.
 */
const approver = pattern(
  /^arn:aws[a-z-]*:(iam::\d{12}:(user|role)\/[\w+=,.@/-]+|sts::\d{12}:assumed-role\/[\w+=,.@-]+\/[\w+=,.@*-]+)$/,
  'must be an IAM user or role ARN, or arn:aws:sts::<account>:assumed-role/<role>/<session or *>',
);

export const recovery = z.strictObject({
  /** Principals whose approval a recovery accepts (at least one: a recovery cannot run without). */
  approvers: z.array(approver).check(z.minLength(1, { error: 'name at least one principal that may approve a recovery' })),
  /** A request not answered within this long is rejected. */
  approvalTimeout: z.prefault(
    objectiveDuration.check(z.refine((ms: number) => ms >= 300_000 && ms <= 7 * 86_400_000, { error: 'must be between 5min and 7d' })),
    '1h',
  ),
  /** The SSM parameter the application reads to serve a maintenance page, and its two values. */
  maintenanceMode: z.optional(
    z.strictObject({
      parameter: ssmParameterName,
      on: withDefault(nonEmpty(), 'on'),
      off: withDefault(nonEmpty(), 'off'),
    }),
  ),
  /** The failover readiness check (secondary), daily. */
  readinessSchedule: withDefault(scheduleExpression, 'cron(0 8 * * ? *)'),
  /** The monthly DR rehearsal: region-failover with {"mode": "rehearsal"} (never endpoints or maintenance mode). */
  rehearsal: z.prefault(
    z.strictObject({
      enabled: withDefault(z.boolean(), true),
      schedule: withDefault(scheduleExpression, 'cron(0 3 1 * ? *)'),
    }),
    {},
  ),
  /** The watch on the primary region (from the secondary): URLs that must answer 2xx/3xx, probed every 5 minutes. */
  primaryHealth: z.prefault(
    z.strictObject({
      urls: withDefault(z.array(httpsUrl), []),
      /** Consecutive failed probes before the primary is judged down and alerted. */
      failuresBeforeAlert: withDefault(z.int().check(z.gte(1), z.lte(12)), 3),
      /** Also start region-failover (which waits for approval) when the primary is judged down. */
      proposeFailover: withDefault(z.boolean(), false),
    }),
    {},
  ),
  /** How long a replaced instance or replication group is kept (stopped, tagged) after a recovery swapped it out. */
  keepReplacedFor: z.prefault(
    objectiveDuration.check(z.refine((ms: number) => ms >= 3_600_000 && ms <= 35 * 86_400_000, { error: 'must be between 1h and 35d' })),
    '7d',
  ),
  /** application-recovery: how to roll the application back, and the URLs that must answer healthy afterwards. */
  application: z.optional(
    z
      .strictObject({
        rollback: z
          .strictObject({
            lambda: z.optional(pattern(/^(arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[a-zA-Z0-9-_]{1,64}(:[a-zA-Z0-9-_$]+)?$/, 'must be a Lambda function name or ARN')),
            ssmDocument: z.optional(pattern(/^[a-zA-Z0-9_.-]{3,128}$|^arn:aws[a-z-]*:ssm:/, 'must be an SSM Automation document name or ARN')),
            /**
             * The role the automation runs as, passed as the document's AutomationAssumeRole parameter (the
             * document declares it and says `assumeRole: "{{ AutomationAssumeRole }}"`); the rollback step may
             * pass exactly this role, to SSM only (iam:PassRole). Absent: the automation runs with the starting
             * Lambda's permissions, which allow nothing but starting it.
             */
            assumeRole: z.optional(pattern(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, 'must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)')),
          })
          .check(
            z.refine((r) => (r.lambda === undefined) !== (r.ssmDocument === undefined), { error: 'give exactly one of lambda or ssmDocument', path: ['lambda'] }),
            z.refine((r) => r.assumeRole === undefined || r.ssmDocument !== undefined, { error: 'only an SSM Automation document (ssmDocument) runs as an assume role: a Lambda hook runs with its own execution role', path: ['assumeRole'] }),
          ),
        healthUrls: z.array(httpsUrl).check(z.minLength(1, { error: 'name at least one URL that answers when the application is healthy' })),
        healthTimeout: z.prefault(
          objectiveDuration.check(z.refine((ms: number) => ms >= 1000 && ms <= HEALTH_TIMEOUT_MAX_MS, { error: `must be between 1s and ${HEALTH_TIMEOUT_MAX_MS / 1000}s (the URLs are probed at once in a ${HEALTH_FUNCTION_TIMEOUT_S} s Lambda)` })),
          '10s',
        ),
      }),
  ),
});

export type RecoveryPolicy = z.output<typeof recovery>;
export type EndpointTarget = z.output<typeof endpointTarget>;
