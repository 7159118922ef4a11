// test-configuration-restore with S3 (both regions), SSM and Secrets Manager answered by
// aws-sdk-client-mock: the exact reads (each copy in checksum mode, the replica with a client of the
// secondary), the verdicts — passed, tampered primary or replica, a replica missing or older (within and
// past the RPO), configured names missing, the key refusing decryption, SSM throttled past the SDK's
// retries, drift within and past the RPO — the evidence and the alert, a run already recorded not run
// again, and no secret value in any log line, alert, result or evidence.

import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { testConfigurationRestore, type ConfigurationTestResult } from '../../functions/config/test-configuration-restore/test-configuration-restore.js';
import { BUNDLE_FORMAT, bundleChecksum, serializeBundle, type ConfigBundle } from '../../shared/config/bundle.js';
import { InvalidInput } from '../../shared/errors.js';
import { RecordingAlerts, RecordingLog, teamPolicy } from '../helpers/runtime.js';

const NOW = Date.parse('2026-12-06T06:00:00+09:00');
const MIN = 60_000;
const SECRET = 's3cr3t-database-password-never-logged';
const SECURE = 'api-token-from-a-securestring';
const PRIMARY = 'backup-dr-config-test-123456789012-ap-northeast-1';
const SECONDARY = 'backup-dr-config-test-123456789012-ap-southeast-1';
const REPORTS = 'backup-dr-reports-test-123456789012-ap-northeast-1';
const KEY = 'config/app-config/bundle.json';

const ssm = mockClient(SSMClient);
const sm = mockClient(SecretsManagerClient);
const s3 = mockClient(S3Client);
const policy = teamPolicy();

const bundleOf = (overrides: Partial<ConfigBundle> = {}): ConfigBundle => ({
  format: BUNDLE_FORMAT,
  name: 'app-config',
  capturedAt: new Date(NOW - 2 * 86_400_000).toISOString(),
  parameters: { '/app/prod/api/token': { type: 'SecureString', value: SECURE, version: 7 }, '/app/prod/db/host': { type: 'String', value: 'db.internal', version: 3 } },
  secrets: { 'app/prod/db': { value: SECRET, versionId: 'sv-1' } },
  ...overrides,
});

/** GetObject's answer for a stored bundle: its bytes (optionally altered after S3 stored its checksum), S3's SHA-256, the metadata. */
function stored(bundle: ConfigBundle, options: { writtenAt?: number; versionId?: string; alter?: (text: string) => string } = {}) {
  const text = serializeBundle(bundle);
  const body = options.alter?.(text) ?? text;
  return {
    Body: { transformToString: async () => body } as never,
    ChecksumSHA256: createHash('sha256').update(text).digest('base64'),
    Metadata: { 'bundle-sha256': bundleChecksum(bundle), 'captured-at': bundle.capturedAt },
    VersionId: options.versionId ?? 'b1',
    LastModified: new Date(options.writtenAt ?? Date.parse(bundle.capturedAt)),
  };
}

const notFound = () => new S3ServiceException({ name: 'NotFound', message: 'Not Found', $fault: 'client', $metadata: { httpStatusCode: 404 } });
const noSuchKey = () => new S3ServiceException({ name: 'NoSuchKey', message: 'The specified key does not exist.', $fault: 'client', $metadata: { httpStatusCode: 404 } });

function deps(log = new RecordingLog(), alerts = new RecordingAlerts()) {
  return {
    policy,
    ssm: new SSMClient({ region: 'ap-northeast-1' }),
    secrets: new SecretsManagerClient({ region: 'ap-northeast-1' }),
    primaryS3: new S3Client({ region: 'ap-northeast-1' }),
    secondaryS3: new S3Client({ region: 'ap-southeast-1' }),
    primaryBucket: PRIMARY,
    secondaryBucket: SECONDARY,
    reportsBucket: REPORTS,
    alerts,
    log,
    now: () => NOW,
  };
}

/** The live configuration: the bundle's values, as of `changedAt` unless told otherwise. */
function live(options: { host?: string; hostChangedAt?: number; extra?: boolean } = {}) {
  const changedAt = new Date(NOW - 3 * 86_400_000);
  ssm.on(GetParametersByPathCommand, { Path: '/app/prod/' }).resolves({
    Parameters: [
      { Name: '/app/prod/api/token', Type: 'SecureString', Value: SECURE, Version: 7, LastModifiedDate: changedAt },
      { Name: '/app/prod/db/host', Type: 'String', Value: options.host ?? 'db.internal', Version: options.host === undefined ? 3 : 4, LastModifiedDate: options.hostChangedAt === undefined ? changedAt : new Date(options.hostChangedAt) },
      ...(options.extra === true ? [{ Name: '/app/prod/feature/flag', Type: 'String' as const, Value: 'on', Version: 1, LastModifiedDate: new Date(NOW - 5 * MIN) }] : []),
    ],
  });
  sm.on(ListSecretsCommand).resolves({ SecretList: [{ Name: 'app/prod/db' }] });
  sm.on(GetSecretValueCommand, { SecretId: 'app/prod/db' }).resolves({ SecretString: SECRET, VersionId: 'sv-1', CreatedDate: changedAt });
}

async function run(log = new RecordingLog(), alerts = new RecordingAlerts(), request = {}) {
  const results = await testConfigurationRestore(deps(log, alerts), request);
  const evidence = s3.commandCalls(PutObjectCommand).map((c) => JSON.parse(c.args[0].input.Body as string) as Record<string, unknown>);
  // Whatever the verdict: no value read ever leaves the function.
  for (const value of [SECRET, SECURE, 'db.internal', 'db.replaced']) {
    for (const out of [results, log.lines, alerts.published, evidence]) expect(JSON.stringify(out)).not.toContain(value);
  }
  return { results, evidence, alerts: alerts.published, log: log.lines, result: results[0] as Extract<ConfigurationTestResult, { outcome: 'passed' | 'failed' }> };
}

describe('test-configuration-restore', () => {
  beforeEach(() => {
    ssm.reset();
    sm.reset();
    s3.reset();
    s3.on(HeadObjectCommand).rejects(notFound());
    s3.on(PutObjectCommand).resolves({ VersionId: 'e1' });
    live();
  });

  it('passes when both copies are the same intact bundle, every configured name is in it and the live values are its own; the evidence says so with counts', async () => {
    const bundle = bundleOf();
    s3.on(GetObjectCommand, { Bucket: PRIMARY, Key: KEY }).resolves(stored(bundle));
    s3.on(GetObjectCommand, { Bucket: SECONDARY, Key: KEY }).resolves(stored(bundle));
    const { result, evidence, alerts } = await run();
    const reads = s3.commandCalls(GetObjectCommand);
    expect(reads.map((c) => c.args[0].input)).toEqual([
      { Bucket: PRIMARY, Key: KEY, ChecksumMode: 'ENABLED' },
      { Bucket: SECONDARY, Key: KEY, ChecksumMode: 'ENABLED' },
    ]);
    // The replica is read where it is: with a client of the secondary.
    expect(await Promise.all(reads.map((c) => (c.thisValue as S3Client).config.region()))).toEqual(['ap-northeast-1', 'ap-southeast-1']);
    expect(result).toMatchObject({ resource: 'app-config', outcome: 'passed', failures: [], notes: [], missing: [], replica: { state: 'same', behindMs: null }, bundle: { sha256: bundleChecksum(bundle), parameters: 2, secrets: 1 } });
    expect(result.drift).toEqual({ parameters: { added: 0, changed: 0, removed: 0 }, secrets: { added: 0, changed: 0, removed: 0 } });
    expect(result.evidenceKey).toBe('evidence/app-config/2026/12/config-restore-20261206-06.json');
    expect(s3).toHaveReceivedCommandWith(HeadObjectCommand, { Bucket: REPORTS, Key: 'evidence/app-config/2026/12/config-restore-20261206-06.json' });
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, { Bucket: REPORTS, Key: 'evidence/app-config/2026/12/config-restore-20261206-06.json', ContentType: 'application/json' });
    expect(evidence[0]).toMatchObject({ schema: 'backup-dr/config-restore-evidence/v1', kind: 'config-restore', resource: 'app-config', outcome: 'passed', replica: { region: 'ap-southeast-1', bucket: SECONDARY, state: 'same' } });
    expect(alerts).toEqual([]);
  });

  it('drift is not a failure while the oldest change the bundle lacks is within the RPO; past it, it is — named and counted, never valued', async () => {
    const bundle = bundleOf();
    s3.on(GetObjectCommand).callsFake(() => stored(bundle));
    ssm.reset();
    live({ host: 'db.replaced', hostChangedAt: NOW - 20 * MIN, extra: true });
    const within = await run();
    expect(within.result.outcome).toBe('passed');
    expect(within.result.drift).toEqual({ parameters: { added: 1, changed: 1, removed: 0 }, secrets: { added: 0, changed: 0, removed: 0 } });
    expect(within.result.notes).toEqual(['the live configuration differs from the bundle (parameters 1 added, 1 changed, 0 removed; secrets 0 added, 0 changed, 0 removed): the oldest change is 20 min old, within the RPO of 60 min (the next backup takes it)']);
    expect(within.evidence[0]).toMatchObject({ drift: { parameters: { added: 1, changed: 1, names: { added: ['/app/prod/feature/flag'], changed: ['/app/prod/db/host'], removed: [] } } } });

    s3.resetHistory();
    ssm.reset();
    live({ host: 'db.replaced', hostChangedAt: NOW - 3 * 3_600_000 });
    const past = await run(new RecordingLog(), new RecordingAlerts(), { runId: 'again' });
    expect(past.result.outcome).toBe('failed');
    expect(past.result.failures).toEqual(['the live configuration differs from the bundle (parameters 0 added, 1 changed, 0 removed; secrets 0 added, 0 changed, 0 removed): the oldest change not backed up is 3.0 h old, longer than the RPO of 60 min']);
    expect(past.alerts).toHaveLength(1);
  });

  it('fails on a primary bundle whose bytes are not the ones S3 stored (BundleTampered), with one critical alert and the evidence', async () => {
    const bundle = bundleOf();
    s3.on(GetObjectCommand, { Bucket: PRIMARY }).resolves(stored(bundle, { alter: (t) => t.replace('db.internal', 'db.attacker') }));
    s3.on(GetObjectCommand, { Bucket: SECONDARY }).resolves(stored(bundle));
    const { result, alerts, evidence } = await run();
    expect(result.outcome).toBe('failed');
    expect(result.failures).toEqual(['the primary bundle could not be read: BundleTampered (the bytes read do not match the SHA-256 S3 stored when the bundle was written)']);
    expect(alerts).toEqual([
      expect.objectContaining({ severity: 'critical', kind: 'config-restore-test-failed', resource: 'app-config', region: 'ap-northeast-1', source: 'test-configuration-restore', summary: 'configuration restore test failed: the primary bundle could not be read: BundleTampered (the bytes read do not match the SHA-256 S3 stored when the bundle was written)' }),
    ]);
    expect(alerts[0]!.details).toMatchObject({ evidence: `s3://${REPORTS}/evidence/app-config/2026/12/config-restore-20261206-06.json` });
    expect(evidence[0]).toMatchObject({ outcome: 'failed', primary: { bundle: null } });
    expect(JSON.stringify([alerts, evidence])).not.toContain('db.attacker');
  });

  it('fails on a tampered replica: the copy failover restores from must be whole too', async () => {
    const bundle = bundleOf();
    s3.on(GetObjectCommand, { Bucket: PRIMARY }).resolves(stored(bundle));
    // Same bytes as S3 stored, but a bundle-sha256 that is not theirs (metadata rewritten with the content).
    const other = bundleOf({ secrets: {} });
    s3.on(GetObjectCommand, { Bucket: SECONDARY }).resolves({ ...stored(bundle), Metadata: { 'bundle-sha256': bundleChecksum(other) } });
    const { result, alerts } = await run();
    expect(result.outcome).toBe('failed');
    expect(result.replica).toEqual({ state: 'unreadable', sha256: null, capturedAt: null, behindMs: null });
    expect(result.failures).toEqual([expect.stringMatching(/^the replica in the secondary could not be read: BundleTampered \(its content gives SHA-256 [0-9a-f]{64}, not the [0-9a-f]{64} recorded when it was written\)$/)]);
    expect(alerts).toHaveLength(1);
  });

  it('a replica missing or older is reported with how long the DR copy has been behind: within the RPO a note, past it a failure', async () => {
    const bundle = bundleOf({ capturedAt: new Date(NOW - 5 * MIN).toISOString() });
    s3.on(GetObjectCommand, { Bucket: PRIMARY }).resolves(stored(bundle));
    s3.on(GetObjectCommand, { Bucket: SECONDARY }).rejects(noSuchKey());
    const pending = await run();
    expect(pending.result).toMatchObject({ outcome: 'passed', replica: { state: 'absent', behindMs: 5 * MIN }, notes: ['the secondary has no replica of the bundle: replication has been pending for 5 min, within the RPO of 60 min'] });

    s3.reset();
    s3.on(HeadObjectCommand).rejects(notFound());
    s3.on(PutObjectCommand).resolves({});
    const newer = bundleOf({ capturedAt: new Date(NOW - 3 * 3_600_000).toISOString() });
    const older = bundleOf({ capturedAt: new Date(NOW - 9 * 86_400_000).toISOString(), parameters: { '/app/prod/db/host': { type: 'String', value: 'db.internal', version: 2 } } });
    s3.on(GetObjectCommand, { Bucket: PRIMARY }).resolves(stored(newer));
    s3.on(GetObjectCommand, { Bucket: SECONDARY }).resolves(stored(older, { versionId: 'b0' }));
    const behind = await run(new RecordingLog(), new RecordingAlerts(), { runId: 'behind' });
    expect(behind.result.outcome).toBe('failed');
    expect(behind.result.replica).toEqual({ state: 'older', sha256: bundleChecksum(older), capturedAt: older.capturedAt, behindMs: 3 * 3_600_000 });
    expect(behind.result.failures).toEqual([`the replica is an older bundle (captured ${older.capturedAt}): the DR copy has been behind the primary for 3.0 h, longer than the RPO of 60 min`]);
    expect(behind.alerts[0]!.details).toMatchObject({ replica: 'older', replicaBehindSeconds: 10_800 });
  });

  it('fails when a configured path or secret is not in the bundle (by name)', async () => {
    const bundle = bundleOf({ secrets: {} });
    s3.on(GetObjectCommand).callsFake(() => stored(bundle));
    const { result } = await run();
    expect(result.outcome).toBe('failed');
    expect(result.missing).toEqual(['secret app/prod/']);
    expect(result.failures[0]).toBe('the bundle lacks secret app/prod/');
    // The live secret the bundle lacks is drift as well, dated three days ago: past the RPO.
    expect(result.drift?.secrets).toEqual({ added: 1, changed: 0, removed: 0 });
  });

  it('fails when S3 is refused the KMS key (AccessDenied on GetObject), naming the key and nothing read', async () => {
    const denied = new S3ServiceException({ name: 'AccessDenied', message: 'User: arn:aws:sts::123456789012:assumed-role/x is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:ap-northeast-1:123456789012:key/k', $fault: 'client', $metadata: { httpStatusCode: 403 } });
    s3.on(GetObjectCommand, { Bucket: PRIMARY }).rejects(denied);
    s3.on(GetObjectCommand, { Bucket: SECONDARY }).resolves(stored(bundleOf()));
    const { result, alerts } = await run();
    expect(result.failures).toEqual(['the primary bundle could not be read: AccessDenied (the KMS key refused to decrypt it)']);
    expect(alerts[0]!.summary).toBe('configuration restore test failed: the primary bundle could not be read: AccessDenied (the KMS key refused to decrypt it)');
    expect(JSON.stringify(alerts)).not.toContain('assumed-role');
  });

  it('SSM still throttling after the SDK\'s retries (the clients keep its default 3 attempts) fails that configuration, alerted, the bundles still checked', async () => {
    const bundle = bundleOf();
    s3.on(GetObjectCommand).callsFake(() => stored(bundle));
    ssm.reset();
    ssm.on(GetParametersByPathCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }));
    const { result, alerts } = await run();
    expect(result.outcome).toBe('failed');
    expect(result.failures).toEqual(["the live configuration could not be read to compare with: ThrottlingException (still throttled after the SDK's retries)"]);
    expect(result.replica?.state).toBe('same');
    expect(result.drift).toBeNull();
    expect(alerts).toHaveLength(1);
  });

  it('fails when there is no bundle at all, and a bundle of another configuration', async () => {
    s3.on(GetObjectCommand).rejects(noSuchKey());
    const none = await run();
    expect(none.result.failures).toEqual(['no bundle in the primary config bucket: the configuration was never backed up']);
    s3.reset();
    s3.on(HeadObjectCommand).rejects(notFound());
    s3.on(PutObjectCommand).resolves({});
    const foreign = bundleOf({ name: 'other-config' });
    s3.on(GetObjectCommand).callsFake(() => stored(foreign));
    const other = await run(new RecordingLog(), new RecordingAlerts(), { runId: 'foreign' });
    expect(other.result.failures).toEqual(['the primary bundle is of configuration "other-config"']);
  });

  it('a run already recorded under its run id is not run again (a retried or duplicate invocation); an unknown configuration is refused before anything is read', async () => {
    s3.on(HeadObjectCommand, { Bucket: REPORTS }).resolves({});
    const alerts = new RecordingAlerts();
    const results = await testConfigurationRestore(deps(new RecordingLog(), alerts), { resources: ['app-config'] });
    expect(results).toEqual([{ resource: 'app-config', runId: '20261206-06', outcome: 'already-recorded', evidenceKey: 'evidence/app-config/2026/12/config-restore-20261206-06.json' }]);
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(alerts.published).toEqual([]);
    s3.resetHistory();
    await expect(testConfigurationRestore(deps(), { resources: ['nope'] })).rejects.toThrow(new InvalidInput('resources', 'no configuration named "nope" in the policy'));
    expect(s3.calls()).toHaveLength(0);
    expect(ssm.calls()).toHaveLength(0);
  });
});
