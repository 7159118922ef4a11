// The stand-ins the configuration's backup, restore test, restore and drill run on, held to the API
// semantics they model: SSM Parameter Store (paths recursive or not, pages of at most 10, decryption,
// versions, ParameterNotFound / ParameterAlreadyExists / ParameterVersionNotFound, history), Secrets
// Manager (ListSecrets by name prefix and page, PutSecretValue versions moving AWSCURRENT and AWSPREVIOUS,
// a retried token a no-op) and S3 (metadata and the checksum stored at PutObject answered in checksum
// mode, a wrong checksum refused, tampered bytes that keep the stored checksum, replication of versions)
// — and the real shared/config readers on them.

import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, ListSecretsCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, GetParameterHistoryCommand, GetParametersByPathCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { S3StandIn } from '../../sandbox/aws/s3-standin.js';
import { SecretsStandIn } from '../../sandbox/aws/secrets-standin.js';
import { SsmStandIn } from '../../sandbox/aws/ssm-standin.js';
import { BUNDLE_FORMAT, BundleTampered, bundleChecksum, serializeBundle, type ConfigBundle } from '../../shared/config/bundle.js';
import { readLiveConfiguration } from '../../shared/config/live.js';
import { readStoredBundle } from '../../shared/config/stored.js';

const TOKYO = 'ap-northeast-1';
const SINGAPORE = 'ap-southeast-1';
const errorOf = (promise: Promise<unknown>) => promise.then(() => null, (e: unknown) => e as Error & { $metadata?: { httpStatusCode?: number } });

describe('SsmStandIn', () => {
  let clock = Date.parse('2026-12-01T00:00:00Z');
  const ssm = new SsmStandIn({ now: () => clock });
  const client = new SSMClient({ region: TOKYO });
  afterEach(() => ssm.restore());

  it('GetParametersByPath: direct children unless Recursive, pages of at most 10 with NextToken, SecureStrings decrypted only when asked; more than 10 a page is ValidationException', async () => {
    ssm.install();
    for (let i = 0; i < 12; i += 1) ssm.put(TOKYO, `/app/prod/flags/f${String(i).padStart(2, '0')}`, `on-${i}`);
    ssm.put(TOKYO, '/app/prod/db/password', 'pg-secret', 'SecureString');
    ssm.put(TOKYO, '/app/prod/region', 'tokyo');
    ssm.put(SINGAPORE, '/app/prod/region', 'singapore');
    const top = await client.send(new GetParametersByPathCommand({ Path: '/app/prod' }));
    expect(top.Parameters?.map((p) => p.Name)).toEqual(['/app/prod/region']);
    const first = await client.send(new GetParametersByPathCommand({ Path: '/app/prod/', Recursive: true }));
    expect(first.Parameters).toHaveLength(10);
    expect(first.Parameters?.[0]).toMatchObject({ Name: '/app/prod/db/password', Type: 'SecureString', Version: 1, LastModifiedDate: new Date(clock), ARN: 'arn:aws:ssm:ap-northeast-1:123456789012:parameter/app/prod/db/password' });
    expect(first.Parameters?.[0]!.Value).not.toContain('pg-secret');
    const second = await client.send(new GetParametersByPathCommand({ Path: '/app/prod/', Recursive: true, WithDecryption: true, NextToken: first.NextToken }));
    expect(second.Parameters?.map((p) => [p.Name, p.Value])).toEqual([['/app/prod/flags/f09', 'on-9'], ['/app/prod/flags/f10', 'on-10'], ['/app/prod/flags/f11', 'on-11'], ['/app/prod/region', 'tokyo']]);
    expect(second.NextToken).toBeUndefined();
    const tooMany = await errorOf(client.send(new GetParametersByPathCommand({ Path: '/app/prod/', MaxResults: 11 })));
    expect(tooMany?.name).toBe('ValidationException');
  });

  it('PutParameter: version 1, then ParameterAlreadyExists without Overwrite, the next version with it (type kept); GetParameter by name or name:version; the history oldest first', async () => {
    ssm.install();
    expect(await client.send(new PutParameterCommand({ Name: '/app/prod/db/host', Value: 'db-1', Type: 'String' }))).toMatchObject({ Version: 1 });
    const exists = await errorOf(client.send(new PutParameterCommand({ Name: '/app/prod/db/host', Value: 'db-2', Type: 'String' })));
    expect(exists?.name).toBe('ParameterAlreadyExists');
    clock += 60_000;
    expect(await client.send(new PutParameterCommand({ Name: '/app/prod/db/host', Value: 'db-2', Overwrite: true }))).toMatchObject({ Version: 2 });
    expect((await client.send(new GetParameterCommand({ Name: '/app/prod/db/host' }))).Parameter).toMatchObject({ Value: 'db-2', Version: 2, Type: 'String', LastModifiedDate: new Date(clock) });
    expect((await client.send(new GetParameterCommand({ Name: '/app/prod/db/host:1' }))).Parameter).toMatchObject({ Value: 'db-1', Version: 1, Selector: ':1' });
    expect((await errorOf(client.send(new GetParameterCommand({ Name: '/app/prod/db/host:9' }))))?.name).toBe('ParameterVersionNotFound');
    expect((await errorOf(client.send(new GetParameterCommand({ Name: '/app/prod/none' }))))?.name).toBe('ParameterNotFound');
    expect((await errorOf(client.send(new PutParameterCommand({ Name: 'app/prod/x', Value: 'v', Type: 'String' }))))?.name).toBe('ValidationException');
    expect((await errorOf(client.send(new PutParameterCommand({ Name: '/app/prod/new', Value: 'v' }))))?.name).toBe('ValidationException');
    const history = await client.send(new GetParameterHistoryCommand({ Name: '/app/prod/db/host', WithDecryption: true }));
    expect(history.Parameters?.map((p) => [p.Version, p.Value])).toEqual([[1, 'db-1'], [2, 'db-2']]);
    expect((await errorOf(client.send(new GetParameterHistoryCommand({ Name: '/app/prod/none' }))))?.name).toBe('ParameterNotFound');
  });
});

describe('SecretsStandIn', () => {
  const secrets = new SecretsStandIn();
  const client = new SecretsManagerClient({ region: TOKYO });
  afterEach(() => secrets.restore());

  it('ListSecrets by name prefix (names only), paged; PutSecretValue makes a version AWSCURRENT and the one before AWSPREVIOUS; the same token again is a no-op, with another value refused', async () => {
    secrets.put(TOKYO, 'app/prod/db', { password: 'first' });
    secrets.put(TOKYO, 'app/prod/api', 'key-1');
    secrets.put(TOKYO, 'app/production-other', 'x');
    secrets.put(SINGAPORE, 'app/prod/db', 'elsewhere');
    secrets.install();
    const page = await client.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: ['app/prod/'] }], MaxResults: 1 }));
    expect(page.SecretList?.map((s) => s.Name)).toEqual(['app/prod/api']);
    const rest = await client.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: ['app/prod/'] }], MaxResults: 1, NextToken: page.NextToken }));
    expect(rest.SecretList?.map((s) => s.Name)).toEqual(['app/prod/db']);
    expect(rest.NextToken).toBeUndefined();
    expect(JSON.stringify([page, rest])).not.toContain('first');

    const put = await client.send(new PutSecretValueCommand({ SecretId: 'app/prod/db', SecretString: '{"password":"second"}', ClientRequestToken: 'token-2' }));
    expect(put).toMatchObject({ VersionId: 'token-2', VersionStages: ['AWSCURRENT'] });
    expect(await client.send(new PutSecretValueCommand({ SecretId: 'app/prod/db', SecretString: '{"password":"second"}', ClientRequestToken: 'token-2' }))).toMatchObject({ VersionId: 'token-2' });
    expect((await errorOf(client.send(new PutSecretValueCommand({ SecretId: 'app/prod/db', SecretString: 'other', ClientRequestToken: 'token-2' }))))?.name).toBe('ResourceExistsException');
    expect(secrets.versions(TOKYO, 'app/prod/db').map((v) => [v.versionId, v.stages])).toEqual([['v1', ['AWSPREVIOUS']], ['token-2', ['AWSCURRENT']]]);
    expect(await client.send(new GetSecretValueCommand({ SecretId: 'app/prod/db' }))).toMatchObject({ SecretString: '{"password":"second"}', VersionId: 'token-2', VersionStages: ['AWSCURRENT'] });
    expect(await client.send(new GetSecretValueCommand({ SecretId: 'app/prod/db', VersionStage: 'AWSPREVIOUS' }))).toMatchObject({ SecretString: '{"password":"first"}', VersionId: 'v1' });
    expect((await errorOf(client.send(new GetSecretValueCommand({ SecretId: 'app/nope' }))))?.name).toBe('ResourceNotFoundException');
  });
});

describe('S3StandIn: checksums, metadata, tampering and replication', () => {
  let s3 = new S3StandIn();
  afterEach(() => {
    s3.restore();
    s3 = new S3StandIn();
  });
  const bundle: ConfigBundle = { format: BUNDLE_FORMAT, name: 'app-config', capturedAt: '2026-12-01T00:00:00.000Z', parameters: {}, secrets: { 'app/prod/db': { value: 'pw', versionId: 'v1' } } };
  const body = serializeBundle(bundle);
  const put = (client: S3Client, checksum = createHash('sha256').update(body).digest('base64')) =>
    client.send(new PutObjectCommand({ Bucket: 'primary', Key: 'config/app-config/bundle.json', Body: body, ChecksumSHA256: checksum, ContentType: 'application/json', Metadata: { 'bundle-sha256': bundleChecksum(bundle) } }));

  it('keeps the metadata and the SHA-256 written, answers them in checksum mode, refuses bytes that do not give the checksum sent (BadDigest)', async () => {
    s3.install();
    const client = new S3Client({ region: TOKYO });
    await put(client);
    const got = await client.send(new GetObjectCommand({ Bucket: 'primary', Key: 'config/app-config/bundle.json', ChecksumMode: 'ENABLED' }));
    expect(got).toMatchObject({ ChecksumSHA256: createHash('sha256').update(body).digest('base64'), Metadata: { 'bundle-sha256': bundleChecksum(bundle) }, ContentType: 'application/json' });
    expect((await client.send(new GetObjectCommand({ Bucket: 'primary', Key: 'config/app-config/bundle.json' }))).ChecksumSHA256).toBeUndefined();
    const bad = await errorOf(put(client, createHash('sha256').update('other').digest('base64')));
    expect([bad?.name, bad?.$metadata?.httpStatusCode]).toEqual(['BadDigest', 400]);
    expect(s3.versions('primary', 'config/app-config/bundle.json')).toHaveLength(1);
    expect((await readStoredBundle(client, 'primary', 'config/app-config/bundle.json'))?.bundle).toEqual(bundle);
  });

  it('tampered bytes keep the stored checksum (readStoredBundle finds them); replication copies the version as written, into the other region\'s bucket', async () => {
    s3.install();
    const tokyo = new S3Client({ region: TOKYO });
    const singapore = new S3Client({ region: SINGAPORE });
    const { VersionId } = await put(tokyo);
    const replicas = s3.replicate('primary', 'secondary', 'config/');
    expect(replicas.map((r) => [r.key, r.versionId, r.replicationStatus])).toEqual([['config/app-config/bundle.json', VersionId, 'REPLICA']]);
    expect(s3.replicate('primary', 'secondary', 'config/')).toEqual([]);
    s3.tamper('primary', 'config/app-config/bundle.json', (bytes) => bytes.toString().replace('"pw"', '"px"'));
    expect(s3.object('primary', 'config/app-config/bundle.json')?.sha256).toBe(createHash('sha256').update(body).digest('base64'));
    await expect(readStoredBundle(tokyo, 'primary', 'config/app-config/bundle.json')).rejects.toThrow(BundleTampered);
    expect((await readStoredBundle(singapore, 'secondary', 'config/app-config/bundle.json'))?.versionId).toBe(VersionId);
  });
});

describe('readLiveConfiguration on the stand-ins', () => {
  it('reads every parameter under the paths (across pages) and every secret under a prefix, with when each last changed', async () => {
    const at = Date.parse('2026-12-01T00:00:00Z');
    const ssm = new SsmStandIn({ now: () => at });
    const secrets = new SecretsStandIn({ now: () => at + 1000 });
    for (let i = 0; i < 11; i += 1) ssm.put(TOKYO, `/app/prod/p${i}`, `v${i}`, i === 0 ? 'SecureString' : 'String');
    secrets.put(TOKYO, 'app/prod/db', { password: 'pw' });
    ssm.install();
    secrets.install();
    try {
      const live = await readLiveConfiguration(new SSMClient({ region: TOKYO }), new SecretsManagerClient({ region: TOKYO }), { ssmParameterPaths: ['/app/prod/'], secrets: ['app/prod/'] });
      expect(Object.keys(live.parameters)).toHaveLength(11);
      expect(live.parameters['/app/prod/p0']).toEqual({ type: 'SecureString', value: 'v0', version: 1 });
      expect(live.secrets['app/prod/db']).toEqual({ value: '{"password":"pw"}', versionId: 'v1' });
      expect(live.changedAt).toEqual({ parameters: expect.objectContaining({ '/app/prod/p0': at }), secrets: { 'app/prod/db': at + 1000 } });
    } finally {
      ssm.restore();
      secrets.restore();
    }
  });
});
