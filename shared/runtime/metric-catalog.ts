// Every metric the functions publish (namespace BackupDR): its unit, what it is counted per, the
// components that write it and the functions that do — the one place its dimensions come from, for the
// handlers' records (metric-records.ts), the alarms and the dashboard (deploy/) and the daily checklist's
// queries alike. CloudWatch names a metric by its whole dimension set: a query or an alarm with one
// dimension more or less than the record reads nothing, so none of them spells a dimension out itself.
//
// Every record carries `service` (Powertools adds it), `component` and `region` — the region of what is
// measured (a copy's is the secondary, a quota's its own region, a replica bucket's the secondary; the
// function's own region where nothing else is measured). A per-resource figure adds `resource` (the
// policy's name), a restore figure `resource` and `kind` (snapshot, pitr, cache-restore, config-restore,
// prefix-restore); a run-wide figure has no resource. Order: service, component, resource, region, kind.

import { SERVICE } from '../contracts.js';

/** The components, as the layout's second level and the alarm names spell them. */
export const METRIC_COMPONENTS = ['rds', 'redis', 'media', 'config', 'platform'] as const;
export type MetricComponent = (typeof METRIC_COMPONENTS)[number];

/** A component name read from elsewhere (a declared schedule's, a contribution's), checked against the catalog's. */
export function asMetricComponent(name: string): MetricComponent {
  if (!(METRIC_COMPONENTS as readonly string[]).includes(name)) throw new Error(`"${name}" is not a metric component (${METRIC_COMPONENTS.join(', ')})`);
  return name as MetricComponent;
}

/**
 * What a figure is counted per: `resource` — a resource of the policy in a region; `restore` — a
 * restore of a resource (and its kind) in a region; `run` — a function's run in a region.
 */
export type MetricScope = 'resource' | 'restore' | 'run';

/** CloudWatch units (Powertools' MetricUnit has the same values). */
export type CatalogUnit = 'Count' | 'Seconds' | 'Bytes' | 'Percent';

export interface MetricSpec {
  readonly unit: CatalogUnit;
  readonly scope: MetricScope;
  readonly components: readonly MetricComponent[];
  /** The handlers that write it, "<component>/<function>" (tests read each for the name). */
  readonly writers: readonly string[];
}

const RESTORE_RECORDS = ['rds/restore-test-record', 'redis/cache-restore-test-record'];

export const METRICS = {
  // RDS: snapshots, copies, verification, pruning, posture.
  SnapshotsRequested: { unit: 'Count', scope: 'resource', components: ['rds'], writers: ['rds/take-db-snapshot', 'rds/capture-db-manifest'] },
  SnapshotFailures: { unit: 'Count', scope: 'resource', components: ['rds'], writers: ['rds/take-db-snapshot', 'rds/capture-db-manifest'] },
  ManifestsCaptured: { unit: 'Count', scope: 'resource', components: ['rds'], writers: ['rds/capture-db-manifest'] },
  ManifestCaptureFailures: { unit: 'Count', scope: 'resource', components: ['rds'], writers: ['rds/capture-db-manifest'] },
  CopiesStarted: { unit: 'Count', scope: 'resource', components: ['rds'], writers: ['rds/copy-db-snapshots'] },
  CopiesWaiting: { unit: 'Count', scope: 'resource', components: ['rds'], writers: ['rds/copy-db-snapshots'] },
  CopiesInFlight: { unit: 'Count', scope: 'run', components: ['rds'], writers: ['rds/copy-db-snapshots'] },
  CopyFailures: { unit: 'Count', scope: 'resource', components: ['rds'], writers: ['rds/copy-db-snapshots'] },
  CopiesVerified: { unit: 'Count', scope: 'resource', components: ['rds'], writers: ['rds/verify-db-snapshots'] },
  CopiesPendingVerification: { unit: 'Count', scope: 'resource', components: ['rds'], writers: ['rds/verify-db-snapshots'] },
  CopyVerificationFailures: { unit: 'Count', scope: 'resource', components: ['rds'], writers: ['rds/verify-db-snapshots'] },
  SnapshotsDeleted: { unit: 'Count', scope: 'resource', components: ['rds'], writers: ['rds/prune-db-snapshots'] },
  SnapshotsKept: { unit: 'Count', scope: 'resource', components: ['rds'], writers: ['rds/prune-db-snapshots'] },
  BackupAnomalies: { unit: 'Count', scope: 'resource', components: ['rds'], writers: ['rds/check-db-anomalies'] },
  PitrLagPrimarySeconds: { unit: 'Seconds', scope: 'resource', components: ['rds'], writers: ['rds/check-db-posture'] },
  PitrLagSecondarySeconds: { unit: 'Seconds', scope: 'resource', components: ['rds'], writers: ['rds/check-db-posture'] },
  NewestVerifiedCopyAgeSeconds: { unit: 'Seconds', scope: 'resource', components: ['rds'], writers: ['rds/check-db-posture'] },
  CopyOverdueFindings: { unit: 'Count', scope: 'resource', components: ['rds'], writers: ['rds/check-db-posture'] },
  ManualSnapshotsUsed: { unit: 'Count', scope: 'run', components: ['rds'], writers: ['rds/check-db-posture'] },
  ManualSnapshotQuotaPercent: { unit: 'Percent', scope: 'run', components: ['rds'], writers: ['rds/check-db-posture'] },
  LeakedInstancesDeleted: { unit: 'Count', scope: 'run', components: ['rds'], writers: ['platform/janitor'] },
  ReplacedInstancesDeleted: { unit: 'Count', scope: 'run', components: ['rds'], writers: ['platform/janitor'] },
  ReplacedInstancesStopped: { unit: 'Count', scope: 'run', components: ['rds'], writers: ['platform/janitor'] },
  /** Replaced instances (rds) or replication groups (redis) kept past their keep-until: not ours, or under legal hold. */
  ReplacedKeptPastKeepUntil: { unit: 'Count', scope: 'run', components: ['rds', 'redis'], writers: ['platform/janitor'] },

  // Redis: snapshots, manifests, exports, verification, pruning, posture.
  CacheSnapshotsRequested: { unit: 'Count', scope: 'resource', components: ['redis'], writers: ['redis/take-cache-snapshot'] },
  CacheSnapshotFailures: { unit: 'Count', scope: 'resource', components: ['redis'], writers: ['redis/take-cache-snapshot'] },
  CacheManifestsCaptured: { unit: 'Count', scope: 'resource', components: ['redis'], writers: ['redis/capture-cache-manifest'] },
  CacheManifestFailures: { unit: 'Count', scope: 'resource', components: ['redis'], writers: ['redis/capture-cache-manifest'] },
  CacheExportsRequested: { unit: 'Count', scope: 'resource', components: ['redis'], writers: ['redis/export-cache-snapshots'] },
  CacheExportsInFlight: { unit: 'Count', scope: 'resource', components: ['redis'], writers: ['redis/export-cache-snapshots'] },
  CacheExportsCompleted: { unit: 'Count', scope: 'resource', components: ['redis'], writers: ['redis/export-cache-snapshots'] },
  CacheExportFailures: { unit: 'Count', scope: 'resource', components: ['redis'], writers: ['redis/export-cache-snapshots'] },
  ExportsVerified: { unit: 'Count', scope: 'resource', components: ['redis'], writers: ['redis/verify-cache-exports'] },
  ExportVerificationFailures: { unit: 'Count', scope: 'resource', components: ['redis'], writers: ['redis/verify-cache-exports'] },
  CacheBackupsPruned: { unit: 'Count', scope: 'resource', components: ['redis'], writers: ['redis/prune-cache-backups'] },
  NewestVerifiedExportAgeSeconds: { unit: 'Seconds', scope: 'resource', components: ['redis'], writers: ['redis/check-cache-posture'] },
  LeakedCacheGroupsDeleted: { unit: 'Count', scope: 'run', components: ['redis'], writers: ['platform/janitor'] },
  ReplacedCacheGroupsDeleted: { unit: 'Count', scope: 'run', components: ['redis'], writers: ['platform/janitor'] },

  // Media: replication check and posture.
  ReplicationMismatches: { unit: 'Count', scope: 'resource', components: ['media'], writers: ['media/verify-media-replication'] },
  ObjectsWithoutChecksum: { unit: 'Count', scope: 'resource', components: ['media'], writers: ['media/verify-media-replication'] },

  // Configuration: bundles, pruning, the restore test's own figures.
  ConfigurationBackupsSucceeded: { unit: 'Count', scope: 'resource', components: ['config'], writers: ['config/back-up-configuration'] },
  ConfigurationBackupFailures: { unit: 'Count', scope: 'resource', components: ['config'], writers: ['config/back-up-configuration'] },
  ConfigurationBundlesWritten: { unit: 'Count', scope: 'resource', components: ['config'], writers: ['config/back-up-configuration'] },
  ConfigurationBundleVersionsDeleted: { unit: 'Count', scope: 'resource', components: ['config'], writers: ['config/prune-configuration-bundles'] },
  ConfigurationDriftNames: { unit: 'Count', scope: 'resource', components: ['config'], writers: ['config/test-configuration-restore'] },
  ConfigurationReplicaBehindSeconds: { unit: 'Seconds', scope: 'resource', components: ['config'], writers: ['config/test-configuration-restore'] },
  ConfigurationBundleAgeSeconds: { unit: 'Seconds', scope: 'resource', components: ['config'], writers: ['config/test-configuration-restore'] },

  // Shared by components: a backup's duration and size, posture findings, restores.
  BackupDurationSeconds: { unit: 'Seconds', scope: 'resource', components: ['rds', 'redis'], writers: ['rds/copy-db-snapshots', 'redis/export-cache-snapshots'] },
  BackupSizeBytes: { unit: 'Bytes', scope: 'resource', components: ['rds', 'redis', 'config'], writers: ['rds/copy-db-snapshots', 'redis/export-cache-snapshots', 'config/back-up-configuration'] },
  PostureFindings: { unit: 'Count', scope: 'resource', components: ['rds', 'redis', 'media', 'config', 'platform'], writers: ['rds/check-db-posture', 'redis/check-cache-posture', 'media/check-media-posture', 'platform/check-schedules'] },
  RestoreTestPassed: { unit: 'Count', scope: 'restore', components: ['rds', 'redis', 'config'], writers: [...RESTORE_RECORDS, 'config/test-configuration-restore'] },
  RestoreTestFailed: { unit: 'Count', scope: 'restore', components: ['rds', 'redis', 'config'], writers: [...RESTORE_RECORDS, 'config/test-configuration-restore'] },
  RestoreTestInconclusive: { unit: 'Count', scope: 'restore', components: ['rds', 'redis'], writers: RESTORE_RECORDS },
  RestoreRtoSeconds: { unit: 'Seconds', scope: 'restore', components: ['rds', 'redis', 'media'], writers: [...RESTORE_RECORDS, 'media/media-restore-record'] },
  RestoreRpoSeconds: { unit: 'Seconds', scope: 'restore', components: ['rds', 'redis'], writers: RESTORE_RECORDS },

  // The platform: the Slack notifier and the daily checklist.
  SlackPosted: { unit: 'Count', scope: 'run', components: ['platform'], writers: ['platform/notify-slack'] },
  SlackFolded: { unit: 'Count', scope: 'run', components: ['platform'], writers: ['platform/notify-slack'] },
  SlackDeliveryAttempts: { unit: 'Count', scope: 'run', components: ['platform'], writers: ['platform/notify-slack'] },
  ChecklistResourcesFailing: { unit: 'Count', scope: 'run', components: ['platform'], writers: ['platform/daily-checklist'] },

  SchedulesChecked: { unit: 'Count', scope: 'resource', components: ['platform'], writers: ['platform/check-schedules'] },
  AlarmsEscalated: { unit: 'Count', scope: 'run', components: ['platform'], writers: ['platform/escalate-unresolved'] },

  // Failover (platform, secondary): readiness per resource of the policy (and backup-key, region-failover), the watch on the primary.
  FailoverReadinessGaps: { unit: 'Count', scope: 'resource', components: ['platform'], writers: ['platform/check-failover-readiness'] },
  FailoverRpoSeconds: { unit: 'Seconds', scope: 'resource', components: ['platform'], writers: ['platform/check-failover-readiness'] },
  PrimaryProbesFailed: { unit: 'Count', scope: 'run', components: ['platform'], writers: ['platform/watch-primary-region'] },
  PrimaryConsecutiveFailures: { unit: 'Count', scope: 'run', components: ['platform'], writers: ['platform/watch-primary-region'] },
} as const satisfies Readonly<Record<string, MetricSpec>>;

export type MetricName = keyof typeof METRICS;
type SpecOf<N extends MetricName> = (typeof METRICS)[N];

/** The metrics component C writes per `scope`: a record of another component's or scope's does not type-check. */
export type MetricOf<C extends MetricComponent, S extends MetricScope> = {
  [N in MetricName]: C extends SpecOf<N>['components'][number] ? (SpecOf<N>['scope'] extends S ? N : never) : never;
}[MetricName];

/** Where a figure is: its component and the region of what is measured; the resource, and the restore's kind, where its scope has them. */
export interface MetricWhere {
  readonly component: MetricComponent;
  readonly resource?: string;
  readonly region: string;
  readonly kind?: string;
}

/** The restore kinds a `kind` dimension takes, by component. */
export const RESTORE_KINDS = { rds: ['snapshot', 'pitr'], redis: ['cache-restore'], config: ['config-restore'], media: ['prefix-restore'] } as const;

export const isMetricName = (name: string): name is MetricName => Object.hasOwn(METRICS, name);

/**
 * The whole dimension set of `name`'s record at `where`, `service` first: what a record carries, what
 * an alarm, a dashboard line or a query must name. A `where` that does not fit the catalog (another
 * component, a resource on a run-wide figure, a restore without its kind) is a programming error.
 */
export function metricDimensions(name: MetricName, where: MetricWhere): Record<string, string> {
  const spec: MetricSpec = METRICS[name];
  const wrong = (why: string) => new Error(`metric ${name} (${spec.scope}, ${spec.components.join('/')}): ${why}`);
  if (!spec.components.includes(where.component)) throw wrong(`not written by component ${where.component}`);
  if (where.region === '') throw wrong('no region');
  const perResource = spec.scope !== 'run';
  if (perResource && (where.resource === undefined || where.resource === '')) throw wrong('no resource');
  if (!perResource && where.resource !== undefined) throw wrong(`a run-wide figure has no resource (got ${where.resource})`);
  const kinds: readonly string[] = (RESTORE_KINDS as Readonly<Record<string, readonly string[]>>)[where.component] ?? [];
  if (spec.scope === 'restore' && (where.kind === undefined || !kinds.includes(where.kind))) throw wrong(`a restore kind of ${where.component} (${kinds.join(', ')}), not ${where.kind ?? 'none'}`);
  if (spec.scope !== 'restore' && where.kind !== undefined) throw wrong(`only a restore figure has a kind (got ${where.kind})`);
  return {
    service: SERVICE,
    component: where.component,
    ...(perResource ? { resource: where.resource as string } : {}),
    region: where.region,
    ...(spec.scope === 'restore' ? { kind: where.kind as string } : {}),
  };
}

/** The dimension names of `name`'s records, `service` first (the order metricDimensions writes them in). */
export function dimensionNames(name: MetricName): string[] {
  const scope = METRICS[name].scope;
  return ['service', 'component', ...(scope === 'run' ? [] : ['resource']), 'region', ...(scope === 'restore' ? ['kind'] : [])];
}
