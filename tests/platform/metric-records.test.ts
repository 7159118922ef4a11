// The EMF records the alarms watch (deploy/components/<component>/alarms.ts), as Powertools writes them
// to stdout: each figure a record with every dimension (Powertools' singleMetric() drops them after the
// first metric — shown here, it is why recordMetrics exists); per-resource failure records from a
// RunFailed; and, through the handlers, check-db-posture's figures and back-up-configuration's success and
// failure records per configuration, with exactly the dimensions the alarms name.

import { DescribeAccountAttributesCommand, DescribeDBInstanceAutomatedBackupsCommand, DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { DescribeKeyCommand, GetKeyRotationStatusCommand, KMSClient } from '@aws-sdk/client-kms';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { handler as backUpConfigurationHandler } from '../../functions/config/back-up-configuration/handler.js';
import { handler as checkDbPostureHandler } from '../../functions/rds/check-db-posture/handler.js';
import { ENV, METRICS_NAMESPACE, SERVICE } from '../../shared/contracts.js';
import { RunFailed } from '../../shared/errors.js';
import { recordMetrics, recordResourceFailures } from '../../shared/runtime/metric-records.js';
import { log, logger, setRuntime } from '../../shared/runtime/lambda.js';
import { lambdaContext } from '../../sandbox/lambda-context.js';
import { RecordingAlerts, teamPolicy } from '../helpers/runtime.js';

interface EmfRecord {
  readonly dimensions: string[];
  readonly metrics: string[];
  readonly values: Readonly<Record<string, unknown>>;
}

const PRIMARY = 'ap-northeast-1';
const SECONDARY = 'ap-southeast-1';
const NOW = Date.parse('2026-12-01T09:00:00+09:00');
const saved = { dev: process.env.POWERTOOLS_DEV, disabled: process.env.POWERTOOLS_METRICS_DISABLED };
let out: MockInstance<typeof console.log>;

/** Metrics as a Lambda has them, printing EMF to the console (tests/setup.ts disables them otherwise). */
const liveMetrics = () => new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE });

/** The EMF records printed so far: dimension names (sorted), metric names and the record's values. */
function records(): EmfRecord[] {
  return out.mock.calls
    .map((call) => String(call[0]))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => {
      const emf = JSON.parse(line) as { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] } } & Readonly<Record<string, unknown>>;
      const directive = emf._aws.CloudWatchMetrics[0]!;
      expect(directive.Namespace).toBe(METRICS_NAMESPACE);
      expect(directive.Dimensions).toHaveLength(1);
      return { dimensions: [...directive.Dimensions[0]!].sort(), metrics: directive.Metrics.map((m) => m.Name), values: emf };
    });
}
const recordOf = (metric: string, resource?: string) => records().filter((r) => r.metrics.includes(metric) && (resource === undefined || r.values.resource === resource));

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
afterEach(() => out.mockRestore());

describe('recordMetrics', () => {
  it('shows why it exists: a second metric on one singleMetric() goes out with `service` alone', () => {
    const single = liveMetrics().singleMetric();
    single.addDimension('resource', 'app-db');
    single.addMetric('First', MetricUnit.Count, 1);
    single.addMetric('Second', MetricUnit.Count, 2);
    expect(records().map((r) => [r.metrics[0], r.dimensions])).toEqual([
      ['First', ['resource', 'service']],
      ['Second', ['service']],
    ]);
  });

  it('writes each figure as its own record with every dimension, and leaves out a figure not measured', () => {
    recordMetrics(liveMetrics(), { resource: 'app-redis', region: SECONDARY }, [
      ['NewestVerifiedExportAgeSeconds', MetricUnit.Seconds, 7200],
      ['PostureFindings', MetricUnit.Count, 0],
      ['NotMeasured', MetricUnit.Seconds, null],
    ]);
    expect(records().map((r) => [r.metrics, r.dimensions, r.values.resource, r.values.region])).toEqual([
      [['NewestVerifiedExportAgeSeconds'], ['region', 'resource', 'service'], 'app-redis', SECONDARY],
      [['PostureFindings'], ['region', 'resource', 'service'], 'app-redis', SECONDARY],
    ]);
    expect(records()[0]!.values).toMatchObject({ service: SERVICE, NewestVerifiedExportAgeSeconds: 7200 });
  });
});

describe('recordResourceFailures', () => {
  it('writes one record of 1 per distinct resource a RunFailed names, with resource and region', () => {
    const error = new RunFailed('2 failed', [
      { resource: 'app-db', error: 'InstanceNotReady' },
      { resource: 'app-db', error: 'SnapshotQuotaExceeded' },
      { resource: 'ledger-db', error: 'InstanceNotReady' },
    ]);
    recordResourceFailures(liveMetrics(), 'SnapshotFailures', error, PRIMARY);
    expect(records().map((r) => [r.metrics, r.dimensions, r.values.resource, r.values.region, r.values.SnapshotFailures])).toEqual([
      [['SnapshotFailures'], ['region', 'resource', 'service'], 'app-db', PRIMARY, 1],
      [['SnapshotFailures'], ['region', 'resource', 'service'], 'ledger-db', PRIMARY, 1],
    ]);
  });

  it('writes nothing for an error that names no resource (the Errors alarm covers a crash)', () => {
    recordResourceFailures(liveMetrics(), 'SnapshotFailures', new Error('boom'), PRIMARY);
    expect(records()).toEqual([]);
  });
});

describe('handlers: the records the alarms watch', () => {
  const rds = mockClient(RDSClient);
  const ssm = mockClient(SSMClient);
  const sm = mockClient(SecretsManagerClient);
  const s3 = mockClient(S3Client);
  const kms = mockClient(KMSClient);

  beforeEach(() => {
    for (const mock of [rds, ssm, sm, s3, kms]) mock.reset();
  });

  function runtimeWith(policy = teamPolicy()) {
    const alerts = new RecordingAlerts();
    setRuntime({ stage: 'test', policy, role: 'primary', region: PRIMARY, alerts, logger, log, metrics: liveMetrics(), now: () => NOW });
    return alerts;
  }

  it('check-db-posture: PITR lag and findings per database (service, resource), quota use per region (service, region)', async () => {
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

    expect(recordOf('PitrLagPrimarySeconds')).toEqual([expect.objectContaining({ dimensions: ['resource', 'service'], values: expect.objectContaining({ resource: 'app-db', PitrLagPrimarySeconds: 300 }) })]);
    expect(recordOf('PostureFindings', 'app-db')[0]!.dimensions).toEqual(['resource', 'service']);
    expect(recordOf('CopyOverdueFindings', 'app-db').map((r) => [r.dimensions, r.values.CopyOverdueFindings])).toEqual([[['resource', 'service'], 0]]);
    // No verified copy yet: no age is written — the freshness alarm counts the silence as breaching.
    expect(recordOf('NewestVerifiedCopyAgeSeconds')).toEqual([]);
    expect(recordOf('ManualSnapshotQuotaPercent').map((r) => [r.dimensions, r.values.region, r.values.ManualSnapshotQuotaPercent])).toEqual([
      [['region', 'service'], PRIMARY, 85],
      [['region', 'service'], SECONDARY, 85],
    ]);
  });

  it('back-up-configuration: ConfigurationBackupsSucceeded for a configuration backed up, ConfigurationBackupFailures for one that failed (service, resource, region)', async () => {
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

    expect(recordOf('ConfigurationBackupsSucceeded').map((r) => [r.dimensions, r.values.resource, r.values.region, r.values.ConfigurationBackupsSucceeded])).toEqual([
      [['region', 'resource', 'service'], 'app-config', PRIMARY, 1],
    ]);
    expect(recordOf('ConfigurationBackupFailures').map((r) => [r.dimensions, r.values.resource, r.values.region, r.values.ConfigurationBackupFailures])).toEqual([
      [['region', 'resource', 'service'], 'billing-config', PRIMARY, 1],
    ]);
    delete process.env[ENV.configBucket];
    delete process.env[ENV.configKey];
  });
});
