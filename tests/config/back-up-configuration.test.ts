// back-up-configuration with SSM, Secrets Manager and S3 answered by aws-sdk-client-mock: the exact
// requests (parameters by path, recursive and decrypted, page by page; secrets by name and by prefix; the
// bundle under the policy's key with the SHA-256 S3 checks and stores), an unchanged bundle not written
// again, a configuration that cannot be read failing alone with one alert — and no secret value in any
// log line, alert or result.

import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { backUpConfiguration, configurationsOf } from '../../functions/config/back-up-configuration/back-up-configuration.js';
import { bundleChecksum, readBundle } from '../../shared/config/bundle.js';
import { InvalidInput, RunFailed } from '../../shared/errors.js';
import { RecordingAlerts, RecordingLog, teamPolicy } from '../helpers/runtime.js';

const NOW = Date.parse('2026-12-01T03:00:00+09:00');
const SECRET = 's3cr3t-database-password-never-logged';
const SECURE = 'api-token-from-a-securestring';
const BUCKET = 'backup-dr-config-test-123456789012-ap-northeast-1';
const KEY_ARN = 'arn:aws:kms:ap-northeast-1:123456789012:alias/backup-dr-test';

const ssm = mockClient(SSMClient);
const sm = mockClient(SecretsManagerClient);
const s3 = mockClient(S3Client);
const policy = teamPolicy();

function deps(log = new RecordingLog(), alerts = new RecordingAlerts()) {
  return { policy, ssm: new SSMClient({ region: 'ap-northeast-1' }), secrets: new SecretsManagerClient({ region: 'ap-northeast-1' }), s3: new S3Client({ region: 'ap-northeast-1' }), bucket: BUCKET, kmsKey: KEY_ARN, alerts, log, now: () => NOW };
}

describe('back-up-configuration', () => {
  beforeEach(() => {
    ssm.reset();
    sm.reset();
    s3.reset();
    ssm
      .on(GetParametersByPathCommand, { Path: '/app/prod/' })
      .resolvesOnce({ Parameters: [{ Name: '/app/prod/db/host', Type: 'String', Value: 'db.internal', Version: 3 }], NextToken: 't1' })
      .resolves({ Parameters: [{ Name: '/app/prod/api/token', Type: 'SecureString', Value: SECURE, Version: 7 }] });
    sm.on(ListSecretsCommand).resolves({ SecretList: [{ Name: 'app/prod/db' }, { Name: 'app/production-other' }] });
    sm.on(GetSecretValueCommand, { SecretId: 'app/prod/db' }).resolves({ SecretString: SECRET, VersionId: 'sv-1' });
    s3.on(HeadObjectCommand).rejects(Object.assign(new Error('Not Found'), { name: 'NotFound' }));
    s3.on(PutObjectCommand).resolves({ VersionId: 'b1' });
  });

  it('reads every parameter under the paths (recursive, decrypted, page by page) and the secrets under the prefix, and writes one bundle under the policy\'s key with its SHA-256', async () => {
    const log = new RecordingLog();
    const outcomes = await backUpConfiguration(deps(log), undefined);
    expect(ssm.commandCalls(GetParametersByPathCommand).map((c) => c.args[0].input)).toEqual([
      { Path: '/app/prod/', Recursive: true, WithDecryption: true, MaxResults: 10 },
      { Path: '/app/prod/', Recursive: true, WithDecryption: true, MaxResults: 10, NextToken: 't1' },
    ]);
    expect(sm).toHaveReceivedCommandWith(ListSecretsCommand, { Filters: [{ Key: 'name', Values: ['app/prod/'] }] });
    // "app/production-other" matches the name filter's prefix "app/prod" but is not under "app/prod/".
    expect(sm.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input.SecretId)).toEqual(['app/prod/db']);
    const put = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(put).toMatchObject({ Bucket: BUCKET, Key: 'config/app-config/bundle.json', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY_ARN, BucketKeyEnabled: true, ContentType: 'application/json' });
    expect(put.ChecksumSHA256).toBe(createHash('sha256').update(put.Body as string).digest('base64'));
    const bundle = readBundle(put.Body as string, put.Metadata!['bundle-sha256']!);
    expect(Object.keys(bundle.parameters)).toEqual(['/app/prod/api/token', '/app/prod/db/host']);
    expect(bundle.secrets['app/prod/db']).toEqual({ value: SECRET, versionId: 'sv-1' });
    expect(outcomes).toEqual([{ resource: 'app-config', status: 'written', parameters: 2, secrets: 1, sha256: bundleChecksum(bundle), versionId: 'b1', bytes: Buffer.byteLength(put.Body as string) }]);
    for (const value of [SECRET, SECURE]) {
      expect(JSON.stringify(log.lines)).not.toContain(value);
      expect(JSON.stringify(outcomes)).not.toContain(value);
    }
  });

  it('does not write a bundle whose checksum is the one stored', async () => {
    await backUpConfiguration(deps(), undefined);
    const stored = s3.commandCalls(PutObjectCommand)[0]!.args[0].input.Metadata!['bundle-sha256'];
    s3.reset();
    s3.on(HeadObjectCommand, { Bucket: BUCKET, Key: 'config/app-config/bundle.json' }).resolves({ Metadata: { 'bundle-sha256': stored! } });
    ssm.reset();
    ssm.on(GetParametersByPathCommand).resolves({ Parameters: [{ Name: '/app/prod/api/token', Type: 'SecureString', Value: SECURE, Version: 7 }, { Name: '/app/prod/db/host', Type: 'String', Value: 'db.internal', Version: 3 }] });
    const outcomes = await backUpConfiguration({ ...deps(), now: () => NOW + 86_400_000 }, ['app-config']);
    expect(outcomes[0]).toMatchObject({ status: 'unchanged' });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('a configuration that cannot be read fails with one alert naming no value; an unknown name is refused with no side effect', async () => {
    sm.on(GetSecretValueCommand).rejects(Object.assign(new Error(`User is not authorized to access ${SECRET}`), { name: 'AccessDeniedException' }));
    const alerts = new RecordingAlerts();
    const log = new RecordingLog();
    await expect(backUpConfiguration(deps(log, alerts), undefined)).rejects.toThrow(RunFailed);
    expect(alerts.published).toHaveLength(1);
    expect(alerts.published[0]).toMatchObject({ severity: 'critical', kind: 'backup-failed', resource: 'app-config', summary: 'configuration backup of app-config failed: AccessDeniedException' });
    expect(JSON.stringify(alerts.published)).not.toContain(SECRET);
    expect(JSON.stringify(log.lines)).not.toContain(SECRET);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(() => configurationsOf(policy, ['nope'])).toThrow(new InvalidInput('resources', 'no configuration named "nope" in the policy'));
  });
});
