// The EMF records the alarms, the dashboard and the checklist read (their dimensions all come from
// shared/runtime/metric-catalog.ts), as Powertools writes them to stdout: each figure a record with every
// dimension (Powertools' singleMetric() drops them after the first metric — shown here, it is why each
// figure is its own record); a per-component recorder whose records always carry component and region,
// and resource / kind by the metric's scope; per-resource failure records from a RunFailed; and, through
// the handlers, the records of a posture check, a configuration backup, a copy run started by RDS's
// "snapshot created" event, a failed snapshot run and a cache export run. Every record printed in this
// file is checked against the catalog: its metric listed, its dimension names, its component, its unit.

import { CopySnapshotCommand, DescribeSnapshotsCommand, ElastiCacheClient, AddTagsToResourceCommand as CacheTagCommand, ListTagsForResourceCommand } from '@aws-sdk/client-elasticache';
import {
  CopyDBSnapshotCommand,
  CreateDBSnapshotCommand,
  DescribeAccountAttributesCommand,
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
  SnapshotQuotaExceededFault,
} from '@aws-sdk/client-rds';
import { DescribeKeyCommand, GetKeyRotationStatusCommand, KMSClient } from '@aws-sdk/client-kms';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { handler as backUpConfigurationHandler } from '../../functions/config/back-up-configuration/handler.js';
import { handler as copyDbSnapshotsHandler } from '../../functions/rds/copy-db-snapshots/handler.js';
import { handler as checkDbPostureHandler } from '../../functions/rds/check-db-posture/handler.js';
import { handler as takeDbSnapshotHandler } from '../../functions/rds/take-db-snapshot/handler.js';
import { handler as exportCacheSnapshotsHandler } from '../../functions/redis/export-cache-snapshots/handler.js';
import { ENV, METRICS_NAMESPACE, SERVICE } from '../../shared/contracts.js';
import { RunFailed } from '../../shared/errors.js';
import { dimensionNames, isMetricName, METRICS, metricDimensions, type MetricComponent } from '../../shared/runtime/metric-catalog.js';
import { metricRecorder } from '../../shared/runtime/metric-records.js';
import { log, logger, setRuntime } from '../../shared/runtime/lambda.js';
import { lambdaContext } from '../../sandbox/lambda-context.js';
import { ourTags, primarySnapshot, scheduledTags } from '../rds/helpers/rds-fixtures.js';
import { RecordingAlerts, teamPolicy } from '../helpers/runtime.js';

interface EmfRecord {
  readonly dimensions: string[];
  readonly metrics: string[];
  readonly units: string[];
  readonly values: Readonly<Record<string, unknown>>;
}

const PRIMARY = 'ap-northeast-1';
const SECONDARY = 'ap-southeast-1';
const NOW = Date.parse('2026-12-01T09:00:00+09:00');
const GIB = 1024 ** 3;
const saved = { dev: process.env.POWERTOOLS_DEV, disabled: process.env.POWERTOOLS_METRICS_DISABLED };
let out: MockInstance<typeof console.log>;

/** Metrics as a Lambda has them, printing EMF to the console (tests/setup.ts disables them otherwise). */
const liveMetrics = () => new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE });

/** The EMF records printed so far: dimension names (sorted), metric names and units, and the record's values. */
function records(): EmfRecord[] {
  return out.mock.calls
    .map((call) => String(call[0]))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => {
      const emf = JSON.parse(line) as { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] } } & Readonly<Record<string, unknown>>;
      const directive = emf._aws.CloudWatchMetrics[0]!;
      expect(directive.Namespace).toBe(METRICS_NAMESPACE);
      expect(directive.Dimensions).toHaveLength(1);
      return { dimensions: [...directive.Dimensions[0]!].sort(), metrics: directive.Metrics.map((m) => m.Name), units: directive.Metrics.map((m) => m.Unit), values: emf };
    });
}
const recordOf = (metric: string, resource?: string) => records().filter((r) => r.metrics.includes(metric) && (resource === undefined || r.values.resource === resource));
/** [resource, region, value] of each record of `metric`. */
const figures = (metric: string) => recordOf(metric).map((r) => [r.values.resource, r.values.region, r.values[metric]]);

beforeAll(() => {
  process.env.POWERTOOLS_DEV = 'true';
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
});
afterAll(() => {
  for (const [key, value] of [['POWERTOOLS_DEV', saved.dev], ['POWERTOOLS_METRICS_DISABLED', saved.disabled]] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  setRuntime(undefined);
});
beforeEach(() => {
  out = vi.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterEach(() => {
  // Every record of ours is one the catalog describes, with exactly its dimensions, component and unit.
  for (const record of records()) {
    const [name] = record.metrics;
    if (name === 'ColdStart' || name === 'First' || name === 'Second') continue;
    expect(isMetricName(name!), `${name} is not in the metric catalog`).toBe(true);
    const spec = METRICS[name as keyof typeof METRICS];
    expect(record.metrics, name).toHaveLength(1);
    expect(record.dimensions, name).toEqual(dimensionNames(name as keyof typeof METRICS).sort());
    expect(spec.components as readonly string[], name).toContain(record.values.component as MetricComponent);
    expect(record.units, name).toEqual([spec.unit]);
  }
  out.mockRestore();
});

describe('the recorder of a component', () => {
  it('shows why each figure is its own record: a second metric on one singleMetric() goes out with `service` alone', () => {
    const single = liveMetrics().singleMetric();
    single.addDimension('resource', 'app-db');
    single.addMetric('First', MetricUnit.Count, 1);
    single.addMetric('Second', MetricUnit.Count, 2);
    expect(records().map((r) => [r.metrics[0], r.dimensions])).toEqual([
      ['First', ['resource', 'service']],
      ['Second', ['service']],
    ]);
  });

  it("writes each figure of a resource as its own record with service, component, resource and region, in the catalog's unit, and leaves out a figure not measured", () => {
    metricRecorder(liveMetrics(), 'redis').resource('app-redis', SECONDARY, [
      ['NewestVerifiedExportAgeSeconds', 7200],
      ['PostureFindings', 0],
      ['BackupDurationSeconds', null],
    ]);
    expect(records().map((r) => [r.metrics, r.dimensions, r.values.component, r.values.resource, r.values.region])).toEqual([
      [['NewestVerifiedExportAgeSeconds'], ['component', 'region', 'resource', 'service'], 'redis', 'app-redis', SECONDARY],
      [['PostureFindings'], ['component', 'region', 'resource', 'service'], 'redis', 'app-redis', SECONDARY],
    ]);
    expect(records()[0]!.values).toMatchObject({ service: SERVICE, NewestVerifiedExportAgeSeconds: 7200 });
    expect(records()[0]!.units).toEqual(['Seconds']);
  });

  it('writes a run-wide figure with component and region only, and a restore figure with its kind', () => {
    const rds = metricRecorder(liveMetrics(), 'rds');
    rds.run(SECONDARY, [['CopiesInFlight', 3]]);
    rds.restore('app-db', SECONDARY, 'pitr', [['RestoreRtoSeconds', 2400]]);
    expect(records().map((r) => [r.metrics[0], r.dimensions, r.values.kind])).toEqual([
      ['CopiesInFlight', ['component', 'region', 'service'], undefined],
      ['RestoreRtoSeconds', ['component', 'kind', 'region', 'resource', 'service'], 'pitr'],
    ]);
  });

  it('tallies per resource, 0 included: a count of nothing is a figure, not a silence', () => {
    metricRecorder(liveMetrics(), 'rds').tally('CopiesStarted', SECONDARY, ['app-db', 'ledger-db'], ['app-db', 'app-db']);
    expect(figures('CopiesStarted')).toEqual([
      ['app-db', SECONDARY, 2],
      ['ledger-db', SECONDARY, 0],
    ]);
  });

  it('writes one failure record of 1 per distinct resource a RunFailed names (those its filter keeps), and nothing for an error that names none', () => {
    const error = new RunFailed('3 failed', [
      { resource: 'app-db', error: 'InstanceNotReady', step: 'snapshot' },
      { resource: 'app-db', error: 'SnapshotQuotaExceeded', step: 'snapshot' },
      { resource: 'ledger-db', error: 'CaptureAbandoned', step: 'manifest' },
    ]);
    const rds = metricRecorder(liveMetrics(), 'rds');
    rds.failures('SnapshotFailures', error, PRIMARY, (f) => f.step === 'snapshot');
    rds.failures('SnapshotFailures', new Error('boom'), PRIMARY);
    expect(records().map((r) => [r.metrics, r.dimensions, r.values.resource, r.values.region, r.values.SnapshotFailures])).toEqual([
      [['SnapshotFailures'], ['component', 'region', 'resource', 'service'], 'app-db', PRIMARY, 1],
    ]);
  });

  it("refuses a figure that does not fit the catalog: another component's, a resource on a run-wide figure, a restore without its kind", () => {
    expect(() => metricDimensions('SnapshotFailures', { component: 'redis', resource: 'app-redis', region: PRIMARY })).toThrow('metric SnapshotFailures (resource, rds): not written by component redis');
    expect(() => metricDimensions('CopiesInFlight', { component: 'rds', resource: 'app-db', region: SECONDARY })).toThrow('a run-wide figure has no resource');
    expect(() => metricDimensions('SnapshotFailures', { component: 'rds', region: PRIMARY })).toThrow('no resource');
    expect(() => metricDimensions('SnapshotFailures', { component: 'rds', resource: 'app-db', region: '' })).toThrow('no region');
    expect(() => metricDimensions('RestoreRtoSeconds', { component: 'rds', resource: 'app-db', region: PRIMARY })).toThrow('a restore kind of rds (snapshot, pitr), not none');
    expect(() => metricDimensions('RestoreRtoSeconds', { component: 'rds', resource: 'app-db', region: PRIMARY, kind: 'cache-restore' })).toThrow('not cache-restore');
    expect(() => metricDimensions('PostureFindings', { component: 'rds', resource: 'app-db', region: PRIMARY, kind: 'snapshot' })).toThrow('only a restore figure has a kind');
    expect(metricDimensions('RestoreTestFailed', { component: 'config', resource: 'app-config', region: PRIMARY, kind: 'config-restore' })).toEqual({
      service: SERVICE,
      component: 'config',
      resource: 'app-config',
      region: PRIMARY,
      kind: 'config-restore',
    });
    expect(Object.keys(metricDimensions('ManualSnapshotQuotaPercent', { component: 'rds', region: SECONDARY }))).toEqual(dimensionNames('ManualSnapshotQuotaPercent'));
  });
});

describe('handlers: the records the alarms, the dashboard and the checklist read', () => {
  const rds = mockClient(RDSClient);
  const ssm = mockClient(SSMClient);
  const sm = mockClient(SecretsManagerClient);
  const s3 = mockClient(S3Client);
  const kms = mockClient(KMSClient);
  // Not among the classes tests/setup.ts gives back: restored here.
  const elasticache = mockClient(ElastiCacheClient);
  afterAll(() => elasticache.restore());

  beforeEach(() => {
    for (const mock of [rds, ssm, sm, s3, kms, elasticache]) mock.reset();
  });

  function runtimeWith(policy = teamPolicy()) {
    const alerts = new RecordingAlerts();
    setRuntime({ stage: 'test', policy, role: 'primary', region: PRIMARY, alerts, logger, log, metrics: liveMetrics(), now: () => NOW });
    return alerts;
  }

  it('check-db-posture: per database the PITR lag and findings in the primary, the copy backlog in the secondary; the quota per region, run-wide', async () => {
    runtimeWith();
    // Its memory of what it alerted (none yet); the backup keys rotate every 90 days.
    process.env.REPORTS_BUCKET = 'reports';
    kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'k', KeyManager: 'CUSTOMER' } });
    kms.on(GetKeyRotationStatusCommand).resolves({ KeyRotationEnabled: true, RotationPeriodInDays: 90 });
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: 'app-db-prod', DBInstanceArn: `arn:aws:rds:${PRIMARY}:123456789012:db:app-db-prod`, BackupRetentionPeriod: 35, LatestRestorableTime: new Date(NOW - 300_000) }] });
    rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [] });
    rds.on(DescribeDBInstanceAutomatedBackupsCommand).resolves({ DBInstanceAutomatedBackups: [] });
    rds.on(DescribeAccountAttributesCommand).resolves({ AccountQuotas: [{ AccountQuotaName: 'ManualSnapshots', Used: 85, Max: 100 }] });
    await checkDbPostureHandler({}, lambdaContext('check-db-posture'));

    expect(recordOf('PitrLagPrimarySeconds')).toEqual([
      expect.objectContaining({ dimensions: ['component', 'region', 'resource', 'service'], values: expect.objectContaining({ component: 'rds', resource: 'app-db', region: PRIMARY, PitrLagPrimarySeconds: 300 }) }),
    ]);
    expect(figures('PostureFindings')).toEqual([['app-db', PRIMARY, expect.any(Number)]]);
    expect(figures('CopyOverdueFindings')).toEqual([['app-db', SECONDARY, 0]]);
    // No verified copy yet: no age is written — the freshness alarm counts the silence as breaching.
    expect(recordOf('NewestVerifiedCopyAgeSeconds')).toEqual([]);
    expect(recordOf('ManualSnapshotQuotaPercent').map((r) => [r.dimensions, r.values.component, r.values.region, r.values.ManualSnapshotQuotaPercent])).toEqual([
      [['component', 'region', 'service'], 'rds', PRIMARY, 85],
      [['component', 'region', 'service'], 'rds', SECONDARY, 85],
    ]);
  });

  it('back-up-configuration: succeeded, written and the bundle size for a configuration backed up, a failure for one that failed (config, resource, the primary)', async () => {
    const policy = teamPolicy((doc) => {
      doc.resources.configuration.push({ name: 'billing-config', ssmParameterPaths: ['/billing/prod/'], schedule: 'cron(0 3 * * ? *)', retention: { withinDaily: '30d' } });
    });
    runtimeWith(policy);
    process.env[ENV.configBucket] = 'backup-dr-config-test-123456789012-ap-northeast-1';
    process.env[ENV.configKey] = `arn:aws:kms:${PRIMARY}:123456789012:alias/backup-dr-test`;
    ssm.on(GetParametersByPathCommand, { Path: '/app/prod/' }).resolves({ Parameters: [{ Name: '/app/prod/db/host', Type: 'String', Value: 'db.internal', Version: 3 }] });
    ssm.on(GetParametersByPathCommand, { Path: '/billing/prod/' }).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    sm.on(ListSecretsCommand).resolves({ SecretList: [] });
    s3.on(HeadObjectCommand).rejects(Object.assign(new Error('Not Found'), { name: 'NotFound' }));
    s3.on(PutObjectCommand).resolves({ VersionId: 'v1' });

    await expect(backUpConfigurationHandler({ resources: ['app-config', 'billing-config'] }, lambdaContext('back-up-configuration'))).rejects.toThrow(RunFailed);

    expect(figures('ConfigurationBackupsSucceeded')).toEqual([['app-config', PRIMARY, 1]]);
    expect(figures('ConfigurationBackupFailures')).toEqual([['billing-config', PRIMARY, 1]]);
    expect(recordOf('ConfigurationBackupsSucceeded')[0]!.values.component).toBe('config');
    delete process.env[ENV.configBucket];
    delete process.env[ENV.configKey];
  });

  it('back-up-configuration: a run that succeeds records each configuration with its bundle size — the bytes written, or the stored bundle\'s when unchanged', async () => {
    runtimeWith();
    process.env[ENV.configBucket] = 'backup-dr-config-test-123456789012-ap-northeast-1';
    process.env[ENV.configKey] = `arn:aws:kms:${PRIMARY}:123456789012:alias/backup-dr-test`;
    ssm.on(GetParametersByPathCommand).resolves({ Parameters: [{ Name: '/app/prod/db/host', Type: 'String', Value: 'db.internal', Version: 3 }] });
    sm.on(ListSecretsCommand).resolves({ SecretList: [] });
    s3.on(HeadObjectCommand).rejects(Object.assign(new Error('Not Found'), { name: 'NotFound' }));
    s3.on(PutObjectCommand).resolves({ VersionId: 'v1' });
    await backUpConfigurationHandler({ resources: ['app-config'] }, lambdaContext('back-up-configuration'));
    const written = Buffer.byteLength(s3.commandCalls(PutObjectCommand)[0]!.args[0].input.Body as string);
    expect(figures('BackupSizeBytes')).toEqual([['app-config', PRIMARY, written]]);
    expect(figures('ConfigurationBundlesWritten')).toEqual([['app-config', PRIMARY, 1]]);

    // The same configuration again: unchanged, nothing written, the stored bundle's size.
    const sha = s3.commandCalls(PutObjectCommand)[0]!.args[0].input.Metadata!['bundle-sha256'];
    s3.on(HeadObjectCommand).resolves({ ContentLength: 1234, Metadata: { 'bundle-sha256': sha! } });
    out.mockClear();
    await backUpConfigurationHandler({ resources: ['app-config'] }, lambdaContext('back-up-configuration'));
    expect(figures('BackupSizeBytes')).toEqual([['app-config', PRIMARY, 1234]]);
    expect(figures('ConfigurationBundlesWritten')).toEqual([['app-config', PRIMARY, 0]]);
    expect(figures('ConfigurationBackupsSucceeded')).toEqual([['app-config', PRIMARY, 1]]);
    delete process.env[ENV.configBucket];
    delete process.env[ENV.configKey];
  });

  it('copy-db-snapshots on "manual snapshot created": the snapshot\'s duration and size and one still creating (primary), copies started and waiting per database and in flight (secondary)', async () => {
    runtimeWith();
    const done = primarySnapshot('backup-dr-app-db-20261201-0200', '2026-11-30T17:00:00Z');
    const creating = primarySnapshot('backup-dr-app-db-20261201-0800', '2026-11-30T23:00:00Z', { Status: 'creating', SnapshotCreateTime: undefined, OriginalSnapshotCreateTime: undefined }, scheduledTags('app-db', '2026-11-30T23:00:00Z'));
    // Both regions answer with the same list (one class mock): no snapshot there is a copy of ours.
    rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [done, creating] });
    rds.on(CopyDBSnapshotCommand).resolves({});
    await copyDbSnapshotsHandler(
      { source: 'aws.rds', 'detail-type': 'RDS DB Snapshot Event', time: '2026-11-30T17:42:00Z', detail: { SourceIdentifier: done.DBSnapshotIdentifier, EventID: 'RDS-EVENT-0042', Date: '2026-11-30T17:41:30.000Z' } },
      lambdaContext('copy-db-snapshots'),
    );
    expect(figures('BackupDurationSeconds')).toEqual([
      ['app-db', PRIMARY, 41 * 60 + 30],
      ['app-db', PRIMARY, 60 * 60],
    ]);
    expect(figures('BackupSizeBytes')).toEqual([['app-db', PRIMARY, 100 * GIB]]);
    expect(figures('CopiesStarted')).toEqual([['app-db', SECONDARY, 1]]);
    expect(figures('CopiesWaiting')).toEqual([['app-db', SECONDARY, 0]]);
    expect(recordOf('CopiesInFlight').map((r) => [r.dimensions, r.values.region, r.values.CopiesInFlight])).toEqual([[['component', 'region', 'service'], SECONDARY, 2]]);
  });

  it('take-db-snapshot: a database whose snapshot failed is a SnapshotFailures record of its own (rds, resource, the primary)', async () => {
    runtimeWith();
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: 'app-db-prod' }] });
    rds.on(CreateDBSnapshotCommand).rejects(new SnapshotQuotaExceededFault({ message: 'quota', $metadata: {} }));
    await expect(takeDbSnapshotHandler({ resources: ['app-db'] }, lambdaContext('take-db-snapshot'))).rejects.toThrow(RunFailed);
    expect(recordOf('SnapshotFailures').map((r) => [r.dimensions, r.values.component, r.values.resource, r.values.region, r.values.SnapshotFailures])).toEqual([
      [['component', 'region', 'resource', 'service'], 'rds', 'app-db', PRIMARY, 1],
    ]);
    expect(recordOf('SnapshotsRequested')).toEqual([]);
  });

  it('export-cache-snapshots: a snapshot found available is timed from its request, its export counted per cache (requested, in flight, completed), and a failed export is its cache\'s', async () => {
    runtimeWith();
    process.env[ENV.exportBucket] = 'backup-dr-exports-test-123456789012-ap-northeast-1';
    const name = 'backup-dr-app-redis-20261201-0600';
    const snapshotArn = `arn:aws:elasticache:${PRIMARY}:123456789012:snapshot:${name}`;
    elasticache.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotName: name, ARN: snapshotArn, ReplicationGroupId: 'app-redis-prod', SnapshotStatus: 'available', DataTiering: 'disabled' }] });
    elasticache.on(ListTagsForResourceCommand).resolves({ TagList: [...ourTags('app-redis'), { Key: 'backup-dr:created-at', Value: new Date(NOW - 25 * 60_000).toISOString() }] });
    elasticache.on(CopySnapshotCommand).resolves({});
    elasticache.on(CacheTagCommand).resolves({});
    s3.on(HeadObjectCommand).rejects(Object.assign(new Error('Not Found'), { name: 'NotFound' }));
    await exportCacheSnapshotsHandler({}, lambdaContext('export-cache-snapshots'));
    expect(figures('BackupDurationSeconds')).toEqual([['app-redis', PRIMARY, 25 * 60]]);
    expect(recordOf('BackupDurationSeconds')[0]!.values.component).toBe('redis');
    expect(figures('CacheExportsRequested')).toEqual([['app-redis', PRIMARY, 1]]);
    expect(figures('CacheExportsInFlight')).toEqual([['app-redis', PRIMARY, 0]]);
    expect(figures('CacheExportsCompleted')).toEqual([['app-redis', PRIMARY, 0]]);

    // A data-tiering snapshot cannot be exported: a failure of its cache.
    elasticache.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotName: name, ARN: snapshotArn, ReplicationGroupId: 'app-redis-prod', SnapshotStatus: 'available', DataTiering: 'enabled' }] });
    elasticache.on(ListTagsForResourceCommand).resolves({ TagList: ourTags('app-redis') });
    out.mockClear();
    await expect(exportCacheSnapshotsHandler({}, lambdaContext('export-cache-snapshots'))).rejects.toThrow(RunFailed);
    expect(figures('CacheExportFailures')).toEqual([['app-redis', PRIMARY, 1]]);
    delete process.env[ENV.exportBucket];
  });
});
