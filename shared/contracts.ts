// The naming contracts between the deployment and the handlers: resource prefixes, tag keys, report
// paths, environment variable names. Written once here and imported by deploy/ and the Lambdas alike,
// so a name can never be changed on one side only. No behaviour beyond building names.

/** The service's name: the ownership tag's value, the logger's service, the prefix of what it names. */
export const SERVICE = 'backup-dr';

/** The value of the ownership tag (its key is the policy's `tags.owner`, default `TAG.owner`). */
export const OWNER_VALUE = SERVICE;

/** CloudWatch metrics namespace (embedded metric format). */
export const METRICS_NAMESPACE = 'BackupDR';

/** Tag keys of everything the service creates. */
export const TAG = {
  /** The default ownership tag key (the policy may name another in `tags.owner`). */
  owner: 'backup-dr:owner',
  policy: 'backup-dr:policy',
  resource: 'backup-dr:resource',
  sourceArn: 'backup-dr:source-arn',
  createdAt: 'backup-dr:created-at',
  scheduledAt: 'backup-dr:scheduled-at',
  /** `primary` on an original, `copy` on a cross-region copy (`TIER`). */
  tier: 'backup-dr:tier',
  copyOf: 'backup-dr:copy-of',
  verifiedAt: 'backup-dr:verified-at',
  copyStartedAt: 'backup-dr:copy-started-at',
  /** The last progress verify-db-snapshots saw on a copy in flight: "<percent>@<ISO time it changed>". */
  copyProgress: 'backup-dr:copy-progress',
  /** Set on a copy whose verification failed (ISO time): it is alerted once, not on every run. */
  verificationFailed: 'backup-dr:verification-failed',
  /**
   * On a snapshot taken before an anomaly between consecutive backups (ISO time it was set): prune keeps
   * it, like a legal hold, until an operator releases the quarantine.
   */
  quarantine: 'backup-dr:quarantine',
  /** On a cache snapshot: when its export to S3 was requested (ISO time), and when it was found there. */
  exportRequestedAt: 'backup-dr:export-requested-at',
  exportedAt: 'backup-dr:exported-at',
  /** On a cache snapshot whose export never arrived (ISO time): alerted once. */
  exportFailed: 'backup-dr:export-failed',
  /** On a restore test's temporary instance: the run it belongs to (teardown deletes only that run's). */
  restoreTest: 'backup-dr:restore-test',
  /**
   * On an instance a database-recovery or region-failover (or its rehearsal) created or promoted: its run
   * (failure teardown deletes only that run's, and only a temporary one); never a restore-test tag, so the
   * janitor never takes it for a leak.
   */
  recovery: 'backup-dr:recovery',
  /** …and the Step Functions execution that made it (the operator finds the report from the instance). */
  recoveryExecution: 'backup-dr:recovery-execution',
  /** On the instance a full recovery swapped out: the instance that replaced it, and until when it is kept (ISO time). */
  replacedBy: 'backup-dr:replaced-by',
  keepUntil: 'backup-dr:keep-until',
} as const;

/**
 * `final`: on the final snapshot of a replaced instance the janitor deleted (copied from the instance's
 * tags, with the rest of ours): never a backup of the resource — pruning, copying and recovery planning
 * read only `primary` and `copy`.
 */
export const TIER = { primary: 'primary', copy: 'copy', final: 'final' } as const;

/**
 * Marks on an exported .rdb object, one per region: S3 replication copies tag changes from the source
 * object to its replica, so one region's "verified" must never read as the other's.
 */
export const EXPORT_TAG = {
  verifiedIn: (region: string): string => `${TAG.verifiedAt}:${region}`,
  failedIn: (region: string): string => `${TAG.verificationFailed}:${region}`,
} as const;

/** Prefixes of the names the service gives AWS resources (IAM scopes deletes to them). */
export const PREFIX = {
  /** Manual DB snapshots and their copies: `backup-dr-<resource>-<yyyymmdd>-<hhmm>`. */
  snapshot: SERVICE,
  /** Every temporary instance of a restore or PITR test (the only instances the service deletes). */
  restoreInstance: 'bdr-',
  /** …of a snapshot restore test. */
  restoreTestInstance: 'bdr-rt-',
  /** …of a point-in-time restore test. */
  pitrTestInstance: 'bdr-pitr-',
  /** Every instance a database-recovery creates (kept after full and point-in-time, temporary for partial). */
  recoveryInstance: 'bdr-rec-',
  /** Every temporary replication group of a cache restore test (the only groups the service deletes). */
  cacheRestoreGroup: 'bdr-crt-',
  /** Every replication group a redis-recovery creates (kept once switched to; deleted only by its own failed run). */
  cacheRecoveryGroup: 'bdr-rec-',
  /** What a region-failover rehearsal creates (instances and replication groups), torn down at its end. */
  rehearsal: 'bdr-rh-',
  /** The final snapshot the janitor takes of a replaced instance or replication group of ours it deletes past keep-until. */
  finalSnapshot: 'bdr-final-',
} as const;

/** The final snapshot's id of a replaced instance or group (deterministic: a retried delete names the same one). */
export function finalSnapshotId(resourceId: string): string {
  return `${PREFIX.finalSnapshot}${resourceId}`;
}

/**
 * Key prefixes in the reports bucket: restore-test evidence, snapshot manifests (replicated from the
 * primary's bucket to the secondary's), and validate-restore's full validation reports.
 */
export const REPORT_PREFIX = { evidence: 'evidence/', manifests: 'manifests/', validation: 'validation/', anomalies: 'anomalies/', mediaRestores: 'media-restores/', replication: 'replication/', slackFolds: 'slack-folds/', posture: 'posture/', readiness: 'readiness/', runs: 'runs/', escalations: 'escalations/', approvals: 'approvals/', endpoints: 'endpoints/' } as const;

/** Where the manifest captured with a snapshot is kept. */
export function manifestKey(resource: string, snapshotId: string): string {
  return `${REPORT_PREFIX.manifests}${resource}/${snapshotId}.json`;
}

/** Where a restore test's evidence is kept: by resource, then the year and month it ran (policy's zone). */
export function evidenceKey(resource: string, year: number, month: number, runId: string): string {
  return `${REPORT_PREFIX.evidence}${resource}/${year}/${String(month).padStart(2, '0')}/${runId}.json`;
}

/** Where a point-in-time restore of a media prefix lists its changes (one JSON-lines object per page under it). */
export function mediaRestoreListingPrefix(resource: string, runId: string): string {
  return `${REPORT_PREFIX.mediaRestores}${resource}/${runId}/`;
}

/** Where a restore test's full validation report is kept (the state machine carries only its summary). */
export function validationReportKey(resource: string, year: number, month: number, runId: string): string {
  return `${REPORT_PREFIX.validation}${resource}/${year}/${String(month).padStart(2, '0')}/${runId}.json`;
}

/** The record that the manifest of a snapshot was compared with the one before it (so it is judged once). */
export function anomalyRecordKey(resource: string, snapshotId: string): string {
  return `${REPORT_PREFIX.anomalies}${resource}/${snapshotId}.json`;
}

/**
 * The reports bucket of one region: deterministic, so the secondary knows the primary's without a
 * cross-region lookup. `account` is an account id, or `${AWS::AccountId}` in a CloudFormation Fn::Sub.
 */
export function reportsBucketName(stage: string, account: string, region: string): string {
  return `${SERVICE}-reports-${stage}-${account}-${region}`;
}

/** The bucket of exported cache snapshots in one region (the primary's is replicated to the secondary's). */
export function exportBucketName(stage: string, account: string, region: string): string {
  return `${SERVICE}-exports-${stage}-${account}-${region}`;
}

/** The bucket of configuration bundles in one region (the primary's is replicated to the secondary's). */
export function configBucketName(stage: string, account: string, region: string): string {
  return `${SERVICE}-config-${stage}-${account}-${region}`;
}

/** Where the bundle of a configuration is written (each write a new version of the one key: the versions are its history). */
export function configBundleKey(name: string): string {
  return `config/${name}/bundle.json`;
}

/** The failover readiness check's latest report (secondary's reports bucket): what region-failover's assess step may read. */
export const READINESS_REPORT_KEY = `${REPORT_PREFIX.readiness}latest.json`;

/** The watch on the primary region: its consecutive-failure state (secondary's reports bucket). */
export const PRIMARY_WATCH_STATE_KEY = `${REPORT_PREFIX.readiness}primary-watch.json`;

/** A state machine's name: `<service>-<stage>-<name>` (deploy/platform/state-machines.ts names them so). */
export function stateMachineName(stage: string, name: string): string {
  return `${SERVICE}-${stage}-${name}`;
}

/** The alerts topic of a stage (one per region). */
export function alertsTopicName(stage: string): string {
  return `${SERVICE}-alerts-${stage}`;
}

/** The topic the escalate-unresolved function publishes an alarm still unresolved to (one per region): the levels of alerts.escalation.unresolved. */
export function unresolvedTopicName(stage: string): string {
  return `${SERVICE}-escalation-unresolved-${stage}`;
}

/** The alias of the service's own KMS key in each region's deployment (stage-scoped: stages can share a region). */
export function serviceKeyAlias(stage: string): string {
  return `alias/${SERVICE}-${stage}`;
}

/**
 * EventBridge Scheduler schedules of a stage: every one the deployment declares is named with this prefix
 * (deploy/core/schedules.ts) in the account's `default` group, which check-schedules lists.
 */
export function scheduleNamePrefix(stage: string): string {
  return `${SERVICE}-${stage}-`;
}

/** The schedule group the schedules are created in: neither osls nor serverless-step-functions names another. */
export const SCHEDULE_GROUP = 'default';

/** Environment variables the deployment sets and the handlers read (through `requireEnv`/`optionalEnv`). */
export const ENV = {
  /** `primary` or `secondary`: the role of the region the function runs in. */
  regionRole: 'REGION_ROLE',
  alertsTopicArn: 'ALERTS_TOPIC_ARN',
  /** The topic of alarms still unresolved after alerts.escalation.unresolved.after (escalate-unresolved publishes there). */
  unresolvedTopicArn: 'UNRESOLVED_TOPIC_ARN',
  /** The policy file inside the package (relative to /var/task). */
  policyFile: 'POLICY_FILE',
  /** This region's reports bucket: evidence and manifests. */
  reportsBucket: 'REPORTS_BUCKET',
  /** The other region's reports bucket (daily-checklist: the evidence of restore tests run there). */
  peerReportsBucket: 'PEER_REPORTS_BUCKET',
  /** The primary region's reports bucket, where manifests are captured. */
  manifestBucket: 'MANIFEST_BUCKET',
  /** This region's bucket of exported cache snapshots (.rdb), and the other region's (its replica or source). */
  exportBucket: 'EXPORT_BUCKET',
  peerExportBucket: 'PEER_EXPORT_BUCKET',
  /** This region's bucket of configuration bundles, and the key bundles are encrypted with. */
  configBucket: 'CONFIG_BUCKET',
  configKey: 'CONFIG_KEY',
  /** The secondary's bucket of configuration bundles (the replicas failover restores from), read by the restore test. */
  peerConfigBucket: 'PEER_CONFIG_BUCKET',
  /** This region's restore-configuration state machine (region-failover starts it nested). */
  configRestoreStateMachine: 'CONFIG_RESTORE_STATE_MACHINE',
  /** TLS to databases: `verify`, `require` (default) or `off`. */
  dbTls: 'DB_TLS',
  powertoolsServiceName: 'POWERTOOLS_SERVICE_NAME',
  /** The region-failover state machine's ARN (watch-primary-region proposes a failover by starting it). */
  regionFailoverArn: 'REGION_FAILOVER_ARN',
  /** The deployment's stage (names the service key alias, the reports buckets). */
  stage: 'BACKUP_DR_STAGE',
  /** check-schedules: the schedules the region's deployment declares, by component (shared/schedule/declared.ts). */
  declaredSchedules: 'DECLARED_SCHEDULES',
} as const;

/** RDS event ids the pipeline reacts to (EventBridge `detail.EventID`, "RDS DB Snapshot Event"). */
export const RDS_EVENT = {
  /** "Manual snapshot created." — in the region of the snapshot (the primary). */
  manualSnapshotCreated: 'RDS-EVENT-0042',
  /** "Finished copy of snapshot … from region …" — cross-Region copy, in the destination region. */
  crossRegionCopyFinished: 'RDS-EVENT-0060',
} as const;
