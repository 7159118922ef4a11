// The configuration restore's plan and writes with S3, Parameter Store and Secrets Manager answered by
// aws-sdk-client-mock: the exact requests (PutParameter with Overwrite, the bundle's type and the key a
// SecureString keeps; PutSecretValue with the run's request token), the versions before recorded, a name
// already equal skipped, a retried batch writing nothing again, KMS refusing one write, throttling, a
// bundle changed since the plan refused before any write, unknown configurations and versions refused
// naming the field — and no secret value in any result, error or log line.

import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeSecretCommand, GetSecretValueCommand, ListSecretsCommand, PutSecretValueCommand, SecretsManagerClient, UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import { DescribeParametersCommand, GetParameterCommand, GetParametersByPathCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { applyBatch, MAX_THROTTLED, NAMES_PER_BATCH, RestoreThrottled, secretRequestToken, type ApplyDeps } from '../../functions/config/config-restore-apply/config-restore-apply.js';
import { planConfigRestore, type PlanDeps } from '../../functions/config/config-restore-plan/config-restore-plan.js';
import { checkRequest, planChanges, runbookParameters, withoutRunbookParameters } from '../../functions/config/config-restore-plan/plan.js';
import { configRestoreAlert } from '../../functions/config/config-restore-notify/plan.js';
import { recordConfigRestore } from '../../functions/config/config-restore-record/config-restore-record.js';
import { configRestoreOutcome, undoSteps } from '../../functions/config/config-restore-record/plan.js';
import { BUNDLE_FORMAT, BundleTampered, bundleChecksum, serializeBundle, type ConfigBundle } from '../../shared/config/bundle.js';
import type { ConfigRestoreRun } from '../../shared/config/restore-run.js';
import { InvalidInput } from '../../shared/errors.js';
import { RecordingLog, teamPolicy } from '../helpers/runtime.js';

const REGION = 'ap-northeast-1';
const BUCKET = 'backup-dr-config-test-123456789012-ap-northeast-1';
const KEY = 'config/app-config/bundle.json';
const NOW = Date.parse('2026-12-01T12:00:00+09:00');
const PASSWORD = 'pw-in-the-bundle-93ab';
const PASSWORD_NOW = 'pw-live-now-0c2e';
const TOKEN_VALUE = 'api-token-in-the-bundle-77d1';
const TOKEN_NOW = 'api-token-live-now-4410';
const VALUES = [PASSWORD, PASSWORD_NOW, TOKEN_VALUE, TOKEN_NOW];

const s3 = mockClient(S3Client);
const ssm = mockClient(SSMClient);
const sm = mockClient(SecretsManagerClient);
const policy = teamPolicy();

const BUNDLE: ConfigBundle = {
  format: BUNDLE_FORMAT,
  name: 'app-config',
  capturedAt: '2026-11-30T03:00:00.000Z',
  parameters: {
    '/app/prod/api/token': { type: 'SecureString', value: TOKEN_VALUE, version: 4 },
    '/app/prod/db/host': { type: 'String', value: 'db.internal', version: 2 },
    '/app/prod/hosts': { type: 'StringList', value: 'a,b', version: 1 },
  },
  secrets: { 'app/prod/db': { value: PASSWORD, versionId: 'sv-old' } },
};
const SHA = bundleChecksum(BUNDLE);

/** GetObject of the bundle as S3 answers it: the bytes, S3's SHA-256 in checksum mode, the bundle checksum in the metadata. */
function storeBundle(bundle: ConfigBundle = BUNDLE, versionId = 'b-1', recorded = bundleChecksum(bundle)): void {
  const text = serializeBundle(bundle);
  s3.on(GetObjectCommand).callsFake(async (input: { VersionId?: string }) => {
    if (input.VersionId !== undefined && input.VersionId !== versionId) throw Object.assign(new Error('The specified version does not exist.'), { name: 'NoSuchVersion' });
    return { Body: { transformToString: async () => text } as never, VersionId: versionId, ChecksumSHA256: createHash('sha256').update(text).digest('base64'), Metadata: { 'bundle-sha256': recorded } };
  });
}

function run(over: Partial<ConfigRestoreRun> = {}): ConfigRestoreRun {
  return {
    runId: 'exec-1',
    configuration: 'app-config',
    bundle: { bucket: BUCKET, key: KEY, versionId: 'b-1', sha256: SHA, capturedAt: BUNDLE.capturedAt },
    target: { role: 'primary', region: REGION },
    dryRun: false,
    plannedAt: NOW,
    parameters: { write: ['/app/prod/api/token', '/app/prod/db/host'], added: [], liveOnly: [], unchanged: 1 },
    secrets: { write: ['app/prod/db'], added: [], liveOnly: [], unchanged: 0 },
    remaining: 3,
    cursor: 0,
    throttled: 0,
    written: [],
    skipped: [],
    failed: [],
    ...over,
  };
}

function applyDeps(log = new RecordingLog(), parameterKey?: string): ApplyDeps {
  return { s3: new S3Client({ region: REGION }), ssm: new SSMClient({ region: REGION }), secrets: new SecretsManagerClient({ region: REGION }), parameterKey, log, now: () => NOW };
}

const TOKEN = secretRequestToken('exec-1', 'app/prod/db', SHA);

describe('config-restore-apply', () => {
  beforeEach(() => {
    s3.reset();
    ssm.reset();
    sm.reset();
    storeBundle();
    ssm.on(GetParameterCommand, { Name: '/app/prod/api/token' }).resolves({ Parameter: { Name: '/app/prod/api/token', Type: 'SecureString', Value: TOKEN_NOW, Version: 7 } });
    ssm.on(GetParameterCommand, { Name: '/app/prod/db/host' }).resolves({ Parameter: { Name: '/app/prod/db/host', Type: 'String', Value: 'db.wrong', Version: 3 } });
    ssm.on(DescribeParametersCommand).resolves({ Parameters: [{ Name: '/app/prod/api/token', Type: 'SecureString', KeyId: 'alias/app-params' }] });
    ssm.on(PutParameterCommand, { Name: '/app/prod/api/token' }).resolves({ Version: 8 });
    ssm.on(PutParameterCommand, { Name: '/app/prod/db/host' }).resolves({ Version: 4 });
    sm.on(GetSecretValueCommand).resolves({ SecretString: PASSWORD_NOW, VersionId: 'sv-now' });
    sm.on(PutSecretValueCommand).resolves({ VersionId: TOKEN });
  });

  it('writes each changed name with the exact request — Overwrite and the bundle\'s type, a SecureString under the key it has, the secret with the run\'s token — and records the version before', async () => {
    const log = new RecordingLog();
    const after = await applyBatch(applyDeps(log), run());
    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input)).toEqual([{ Bucket: BUCKET, Key: KEY, ChecksumMode: 'ENABLED', VersionId: 'b-1' }]);
    expect(ssm.commandCalls(GetParameterCommand).map((c) => c.args[0].input)).toEqual([
      { Name: '/app/prod/api/token', WithDecryption: true },
      { Name: '/app/prod/db/host', WithDecryption: true },
    ]);
    expect(ssm.commandCalls(DescribeParametersCommand).map((c) => c.args[0].input)).toEqual([{ ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: ['/app/prod/api/token'] }] }]);
    expect(ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input)).toEqual([
      { Name: '/app/prod/api/token', Value: TOKEN_VALUE, Type: 'SecureString', Overwrite: true, KeyId: 'alias/app-params' },
      { Name: '/app/prod/db/host', Value: 'db.internal', Type: 'String', Overwrite: true },
    ]);
    expect(sm.commandCalls(PutSecretValueCommand).map((c) => c.args[0].input)).toEqual([{ SecretId: 'app/prod/db', ClientRequestToken: TOKEN, SecretString: PASSWORD }]);
    expect(TOKEN).toMatch(/^[0-9a-f]{64}$/);
    expect(after).toMatchObject({ cursor: 3, remaining: 0, throttled: 0, skipped: [], failed: [] });
    expect(after.written).toEqual([
      { kind: 'parameter', name: '/app/prod/api/token', previousVersion: 7, newVersion: 8, previousType: 'SecureString', type: 'SecureString', keyId: 'alias/app-params' },
      { kind: 'parameter', name: '/app/prod/db/host', previousVersion: 3, newVersion: 4, previousType: 'String', type: 'String' },
      { kind: 'secret', name: 'app/prod/db', previousVersion: 'sv-now', newVersion: TOKEN },
    ]);
    for (const value of VALUES) expect(JSON.stringify([after, log.lines])).not.toContain(value);
  });

  it("a SecureString that has no key yet (new, or a String before) is written under the policy's key of the region, else AWS's aws/ssm (no KeyId); a StringList keeps its type", async () => {
    ssm.on(GetParameterCommand, { Name: '/app/prod/api/token' }).rejects(Object.assign(new Error('ParameterNotFound'), { name: 'ParameterNotFound' }));
    ssm.on(GetParameterCommand, { Name: '/app/prod/hosts' }).resolves({ Parameter: { Name: '/app/prod/hosts', Type: 'String', Value: 'a,b', Version: 1 } });
    ssm.on(PutParameterCommand).resolves({ Version: 1 });
    const planned = run({ parameters: { write: ['/app/prod/api/token', '/app/prod/hosts'], added: ['/app/prod/api/token'], liveOnly: [], unchanged: 1 }, secrets: { write: [], added: [], liveOnly: [], unchanged: 1 }, remaining: 2 });
    const withKey = await applyBatch(applyDeps(new RecordingLog(), 'alias/app-config'), planned);
    expect(ssm.commandCalls(DescribeParametersCommand)).toHaveLength(0);
    expect(ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input)).toEqual([
      { Name: '/app/prod/api/token', Value: TOKEN_VALUE, Type: 'SecureString', Overwrite: true, KeyId: 'alias/app-config' },
      { Name: '/app/prod/hosts', Value: 'a,b', Type: 'StringList', Overwrite: true },
    ]);
    expect(withKey.written[0]).toMatchObject({ previousVersion: null, previousType: null, keyId: 'alias/app-config' });
    ssm.resetHistory();
    await applyBatch(applyDeps(), planned);
    expect(ssm.commandCalls(PutParameterCommand)[0]!.args[0].input).toEqual({ Name: '/app/prod/api/token', Value: TOKEN_VALUE, Type: 'SecureString', Overwrite: true });
  });

  it('skips a name already equal to the bundle: nothing is written', async () => {
    ssm.on(GetParameterCommand, { Name: '/app/prod/db/host' }).resolves({ Parameter: { Name: '/app/prod/db/host', Type: 'String', Value: 'db.internal', Version: 9 } });
    sm.on(GetSecretValueCommand).resolves({ SecretString: PASSWORD, VersionId: 'sv-9' });
    const after = await applyBatch(applyDeps(), run());
    expect(ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input.Name)).toEqual(['/app/prod/api/token']);
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
    expect(after.skipped).toEqual(['/app/prod/db/host', 'app/prod/db']);
  });

  it('a retried batch writes nothing again: a secret whose current version is this run\'s token is recorded with the version before it (AWSPREVIOUS)', async () => {
    ssm.on(GetParameterCommand, { Name: '/app/prod/api/token' }).resolves({ Parameter: { Name: '/app/prod/api/token', Type: 'SecureString', Value: TOKEN_VALUE, Version: 8 } });
    ssm.on(GetParameterCommand, { Name: '/app/prod/db/host' }).resolves({ Parameter: { Name: '/app/prod/db/host', Type: 'String', Value: 'db.internal', Version: 4 } });
    sm.on(GetSecretValueCommand).resolves({ SecretString: PASSWORD, VersionId: TOKEN });
    sm.on(DescribeSecretCommand).resolves({ VersionIdsToStages: { [TOKEN]: ['AWSCURRENT'], 'sv-now': ['AWSPREVIOUS'], 'sv-older': [] } });
    const after = await applyBatch(applyDeps(), run());
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
    expect(sm.commandCalls(DescribeSecretCommand).map((c) => c.args[0].input)).toEqual([{ SecretId: 'app/prod/db' }]);
    expect(after.written).toEqual([{ kind: 'secret', name: 'app/prod/db', previousVersion: 'sv-now', newVersion: TOKEN }]);
    // The token is the run's: another execution, another token.
    expect(secretRequestToken('exec-2', 'app/prod/db', SHA)).not.toBe(TOKEN);
  });

  it("a retried batch finds a parameter its lost invocation wrote — equal to the bundle, one version after the plan's — and records it with the planned version before it; equal otherwise is skipped", async () => {
    ssm.on(GetParameterCommand, { Name: '/app/prod/api/token' }).resolves({ Parameter: { Name: '/app/prod/api/token', Type: 'SecureString', Value: TOKEN_VALUE, Version: 8 } });
    ssm.on(GetParameterCommand, { Name: '/app/prod/db/host' }).resolves({ Parameter: { Name: '/app/prod/db/host', Type: 'String', Value: 'db.internal', Version: 9 } });
    const planned = run({ parameters: { ...run().parameters, live: { '/app/prod/api/token': { version: 7, type: 'SecureString' }, '/app/prod/db/host': { version: 3, type: 'String' } } }, secrets: { write: [], added: [], liveOnly: [], unchanged: 1 }, remaining: 2 });
    const after = await applyBatch(applyDeps(), planned);
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
    expect(after.written).toEqual([{ kind: 'parameter', name: '/app/prod/api/token', previousVersion: 7, newVersion: 8, previousType: 'SecureString', type: 'SecureString', keyId: 'alias/app-params' }]);
    expect(after.skipped).toEqual(['/app/prod/db/host']);
  });

  it('KMS refusing one write fails that name alone, by the error\'s name (its message may quote a value); the others are written', async () => {
    ssm.on(PutParameterCommand, { Name: '/app/prod/api/token' }).rejects(Object.assign(new Error(`KMS key not accessible for ${TOKEN_VALUE}`), { name: 'AccessDeniedException' }));
    sm.on(PutSecretValueCommand).rejects(Object.assign(new Error('Access to KMS is not allowed'), { name: 'KMSAccessDeniedException' }));
    const log = new RecordingLog();
    const after = await applyBatch(applyDeps(log), run());
    expect(after.failed).toEqual([
      { kind: 'parameter', name: '/app/prod/api/token', error: 'AccessDeniedException' },
      { kind: 'secret', name: 'app/prod/db', error: 'KMSAccessDeniedException' },
    ]);
    expect(after.written.map((w) => w.name)).toEqual(['/app/prod/db/host']);
    expect(after.remaining).toBe(0);
    for (const value of VALUES) expect(JSON.stringify([after, log.lines])).not.toContain(value);
    expect(configRestoreOutcome({ run: after }).outcome).toBe('failed');
  });

  it('throttling stops the batch at that name (the machine waits and goes on from it); too many in a row gives up', async () => {
    ssm.on(PutParameterCommand, { Name: '/app/prod/db/host' }).rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })).resolves({ Version: 4 });
    const stopped = await applyBatch(applyDeps(), run());
    expect(stopped).toMatchObject({ cursor: 1, remaining: 2, throttled: 1 });
    expect(stopped.written.map((w) => w.name)).toEqual(['/app/prod/api/token']);
    const resumed = await applyBatch(applyDeps(), stopped);
    expect(resumed).toMatchObject({ cursor: 3, remaining: 0, throttled: 0 });
    expect(resumed.written.map((w) => w.name)).toEqual(['/app/prod/api/token', '/app/prod/db/host', 'app/prod/db']);
    ssm.on(PutParameterCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(applyBatch(applyDeps(), run({ throttled: MAX_THROTTLED }))).rejects.toThrow(RestoreThrottled);
  });

  it('a bundle changed since the plan (another checksum, or tampered bytes) is refused before anything is written; a dry run reads and writes nothing', async () => {
    storeBundle({ ...BUNDLE, parameters: { ...BUNDLE.parameters, '/app/prod/db/host': { type: 'String', value: 'db.attacker', version: 2 } } });
    await expect(applyBatch(applyDeps(), run())).rejects.toThrow(BundleTampered);
    storeBundle({ ...BUNDLE, parameters: { ...BUNDLE.parameters, '/app/prod/db/host': { type: 'String', value: 'db.attacker', version: 2 } } }, 'b-1', SHA);
    await expect(applyBatch(applyDeps(), run())).rejects.toThrow(/its content gives SHA-256 [0-9a-f]{64}, not the/);
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
    s3.resetHistory();
    expect(await applyBatch(applyDeps(), run({ dryRun: true }))).toMatchObject({ remaining: 0, written: [] });
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  it('an undo batch: a parameter gets its previous version\'s value and type back (read from name:version), a secret\'s AWSCURRENT moves back — once: moved already is this run\'s, moved elsewhere since the plan fails that name; the bundle is not read', async () => {
    const undo = { of: 'exec-1', evidenceKey: 'evidence/app-config/2026/12/exec-1.json', steps: { '/app/prod/db/host': { restoreVersion: 3, undoneVersion: 4 }, 'app/prod/db': { restoreVersion: 'sv-now', undoneVersion: TOKEN } }, changedSince: [], created: [] };
    const planned = run({ runId: 'undo-1', parameters: { write: ['/app/prod/db/host'], added: [], liveOnly: [], unchanged: 0 }, secrets: { write: ['app/prod/db'], added: [], liveOnly: [], unchanged: 0 }, remaining: 2, undo });
    ssm.on(GetParameterCommand, { Name: '/app/prod/db/host:3', WithDecryption: true }).resolves({ Parameter: { Name: '/app/prod/db/host', Type: 'String', Value: 'db.wrong', Version: 3 } });
    ssm.on(GetParameterCommand, { Name: '/app/prod/db/host', WithDecryption: true }).resolves({ Parameter: { Name: '/app/prod/db/host', Type: 'String', Value: 'db.internal', Version: 4 } });
    ssm.on(PutParameterCommand).resolves({ Version: 5 });
    sm.on(DescribeSecretCommand).resolves({ VersionIdsToStages: { [TOKEN]: ['AWSCURRENT'], 'sv-now': ['AWSPREVIOUS'] } });
    sm.on(UpdateSecretVersionStageCommand).resolves({});
    const after = await applyBatch(applyDeps(), planned);
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
    expect(ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input)).toEqual([{ Name: '/app/prod/db/host', Value: 'db.wrong', Type: 'String', Overwrite: true }]);
    expect(sm.commandCalls(UpdateSecretVersionStageCommand).map((c) => c.args[0].input)).toEqual([{ SecretId: 'app/prod/db', VersionStage: 'AWSCURRENT', MoveToVersionId: 'sv-now', RemoveFromVersionId: TOKEN }]);
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
    expect(after.written).toEqual([
      { kind: 'parameter', name: '/app/prod/db/host', previousVersion: 4, newVersion: 5, previousType: 'String', type: 'String' },
      { kind: 'secret', name: 'app/prod/db', previousVersion: TOKEN, newVersion: 'sv-now' },
    ]);
    // Retried after the move: recorded, not moved again. Moved elsewhere since the plan: that name fails.
    sm.resetHistory();
    sm.on(DescribeSecretCommand).resolves({ VersionIdsToStages: { 'sv-now': ['AWSCURRENT'], [TOKEN]: ['AWSPREVIOUS'] } });
    const retried = await applyBatch(applyDeps(), { ...planned, cursor: 1, remaining: 1 });
    expect(retried.written).toEqual([{ kind: 'secret', name: 'app/prod/db', previousVersion: TOKEN, newVersion: 'sv-now' }]);
    sm.on(DescribeSecretCommand).resolves({ VersionIdsToStages: { 'sv-later': ['AWSCURRENT'] } });
    const changed = await applyBatch(applyDeps(), { ...planned, cursor: 1, remaining: 1 });
    expect(changed.failed).toEqual([{ kind: 'secret', name: 'app/prod/db', error: 'ChangedSinceThePlan' }]);
    expect(sm.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
  });

  it(`writes at most ${NAMES_PER_BATCH} names per batch`, async () => {
    const names = Array.from({ length: NAMES_PER_BATCH + 5 }, (_, i) => `/app/prod/n/${String(i).padStart(3, '0')}`);
    const big: ConfigBundle = { ...BUNDLE, parameters: Object.fromEntries(names.map((n) => [n, { type: 'String' as const, value: 'v', version: 1 }])), secrets: {} };
    storeBundle(big);
    ssm.on(GetParameterCommand).rejects(Object.assign(new Error('ParameterNotFound'), { name: 'ParameterNotFound' }));
    ssm.on(PutParameterCommand).resolves({ Version: 1 });
    const planned = run({ bundle: { ...run().bundle, sha256: bundleChecksum(big) }, parameters: { write: names, added: names, liveOnly: [], unchanged: 0 }, secrets: { write: [], added: [], liveOnly: [], unchanged: 0 }, remaining: names.length });
    const first = await applyBatch(applyDeps(), planned);
    expect(first).toMatchObject({ cursor: NAMES_PER_BATCH, remaining: 5 });
    const second = await applyBatch(applyDeps(), first);
    expect(second).toMatchObject({ cursor: NAMES_PER_BATCH + 5, remaining: 0 });
    expect(second.written).toHaveLength(NAMES_PER_BATCH + 5);
  });
});

describe('config-restore-plan', () => {
  const planDeps = (log = new RecordingLog()): PlanDeps => ({ policy, role: 'primary', s3: new S3Client({ region: REGION }), bucket: BUCKET, reportsBucket: 'backup-dr-reports-test-123456789012-ap-northeast-1', ssm: new SSMClient({ region: REGION }), secrets: new SecretsManagerClient({ region: REGION }), log, now: () => NOW });

  beforeEach(() => {
    s3.reset();
    ssm.reset();
    sm.reset();
    storeBundle();
    ssm.on(GetParametersByPathCommand).resolves({
      Parameters: [
        { Name: '/app/prod/api/token', Type: 'SecureString', Value: TOKEN_NOW, Version: 7 },
        { Name: '/app/prod/db/host', Type: 'String', Value: 'db.internal', Version: 2 },
        { Name: '/app/prod/hosts', Type: 'String', Value: 'a,b', Version: 1 },
        { Name: '/app/prod/new', Type: 'String', Value: 'x', Version: 1 },
      ],
    });
    sm.on(ListSecretsCommand).resolves({ SecretList: [{ Name: 'app/prod/db' }, { Name: 'app/prod/other' }] });
    sm.on(GetSecretValueCommand, { SecretId: 'app/prod/db' }).resolves({ SecretString: PASSWORD, VersionId: 'sv-1' });
    sm.on(GetSecretValueCommand, { SecretId: 'app/prod/other' }).resolves({ SecretString: 'other', VersionId: 'sv-2' });
  });

  it('plans by name from the newest bundle and this region\'s live configuration — a type change counts — dry run by default, names and counts only', async () => {
    const log = new RecordingLog();
    const planned = await planConfigRestore(planDeps(log), { configuration: 'app-config' }, 'exec-1');
    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input)).toEqual([{ Bucket: BUCKET, Key: KEY, ChecksumMode: 'ENABLED' }]);
    expect(planned).toEqual({
      runId: 'exec-1',
      configuration: 'app-config',
      bundle: { bucket: BUCKET, key: KEY, versionId: 'b-1', sha256: SHA, capturedAt: BUNDLE.capturedAt },
      target: { role: 'primary', region: REGION },
      dryRun: true,
      plannedAt: NOW,
      parameters: {
        write: ['/app/prod/api/token', '/app/prod/hosts'],
        added: [],
        liveOnly: ['/app/prod/new'],
        unchanged: 1,
        live: { '/app/prod/api/token': { version: 7, type: 'SecureString' }, '/app/prod/hosts': { version: 1, type: 'String' } },
      },
      secrets: { write: [], added: [], liveOnly: ['app/prod/other'], unchanged: 1 },
      remaining: 2,
      cursor: 0,
      throttled: 0,
      written: [],
      skipped: [],
      failed: [],
    });
    for (const value of VALUES) expect(JSON.stringify([planned, log.lines])).not.toContain(value);
  });

  it('refuses, naming the field, an unknown configuration, an unknown or malformed version, a missing bundle, another region; a tampered bundle is BundleTampered — nothing read live', async () => {
    await expect(planConfigRestore(planDeps(), { configuration: 'nope' }, 'e')).rejects.toThrow(new InvalidInput('configuration', 'no configuration "nope" in the policy (known: app-config)'));
    await expect(planConfigRestore(planDeps(), { configuration: 'app-config', versionId: 'b-0' }, 'e')).rejects.toThrow(new InvalidInput('versionId', `no version "b-0" of s3://${BUCKET}/${KEY} (NoSuchVersion)`));
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('Invalid version id specified'), { name: 'InvalidArgument' }));
    await expect(planConfigRestore(planDeps(), { configuration: 'app-config', versionId: '???' }, 'e')).rejects.toThrow(/^versionId: no version "\?\?\?"/);
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' }));
    await expect(planConfigRestore(planDeps(), { configuration: 'app-config' }, 'e')).rejects.toThrow(/^configuration: no bundle of "app-config" in s3:/);
    expect(() => checkRequest(policy, 'secondary', { configuration: 'app-config', region: 'primary' })).toThrow(/^region: this state machine runs in the secondary region \(ap-southeast-1\) and writes only there: start the primary's/);
    expect(checkRequest(policy, 'secondary', { configuration: 'app-config' }).role).toBe('secondary');
    storeBundle(BUNDLE, 'b-1', 'f'.repeat(64));
    await expect(planConfigRestore(planDeps(), { configuration: 'app-config' }, 'e')).rejects.toThrow(BundleTampered);
    expect(ssm.commandCalls(GetParametersByPathCommand)).toHaveLength(0);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  it('planChanges: added, changed by value or type, live only, unchanged', () => {
    const live = { parameters: { '/a': { type: 'String' as const, value: '1', version: 1 }, '/b': { type: 'SecureString' as const, value: '2', version: 1 }, '/z': { type: 'String' as const, value: 'z', version: 1 } }, secrets: { s: { value: 'x', versionId: 'v' } } };
    const bundle = { parameters: { '/a': { type: 'String' as const, value: '1', version: 1 }, '/b': { type: 'String' as const, value: '2', version: 1 }, '/c': { type: 'String' as const, value: '3', version: 1 } }, secrets: { s: { value: 'y', versionId: 'v0' }, t: { value: 't', versionId: 'v0' } } };
    expect(planChanges(bundle, live)).toEqual({
      parameters: { write: ['/b', '/c'], added: ['/c'], liveOnly: ['/z'], unchanged: 1, live: { '/b': { version: 1, type: 'SecureString' } } },
      secrets: { write: ['s', 't'], added: ['t'], liveOnly: [], unchanged: 0 },
    });
  });
});

describe('config-restore-plan: the recovery runbooks\' own parameters', () => {
  it('never writes maintenance mode or an endpoint back from a bundle: region-failover restores the configuration while its maintenance mode is on', () => {
    const owned = runbookParameters(policy);
    expect([...owned].sort()).toEqual(['/app/prod/database/host', '/app/prod/maintenance-mode', '/app/prod/redis/host']);
    const plan = { write: ['/app/prod/api/token', '/app/prod/database/host', '/app/prod/maintenance-mode'], added: ['/app/prod/database/host'], liveOnly: [], unchanged: 2, live: { '/app/prod/api/token': { version: 3, type: 'SecureString' }, '/app/prod/maintenance-mode': { version: 9, type: 'String' } } };
    expect(withoutRunbookParameters(plan, owned)).toEqual({
      plan: { write: ['/app/prod/api/token'], added: [], liveOnly: [], unchanged: 2, live: { '/app/prod/api/token': { version: 3, type: 'SecureString' } } },
      left: ['/app/prod/database/host', '/app/prod/maintenance-mode'],
    });
    const untouched = { write: ['/app/prod/api/token'], added: [], liveOnly: [], unchanged: 0 };
    expect(withoutRunbookParameters(untouched, owned)).toEqual({ plan: untouched, left: [] });
  });
});

describe('config-restore: the runbooks\' parameters left alone are named in the run, the evidence\'s summary and the alert', () => {
  const REPORTS = 'backup-dr-reports-test-123456789012-ap-northeast-1';
  const deps = (log = new RecordingLog()): PlanDeps => ({ policy, role: 'primary', s3: new S3Client({ region: REGION }), bucket: BUCKET, reportsBucket: REPORTS, ssm: new SSMClient({ region: REGION }), secrets: new SecretsManagerClient({ region: REGION }), log, now: () => NOW });

  beforeEach(() => {
    s3.reset();
    ssm.reset();
    sm.reset();
  });

  it('a restore leaves maintenance mode and an endpoint in the bundle unwritten, and says which', async () => {
    const bundle: ConfigBundle = {
      ...BUNDLE,
      parameters: { ...BUNDLE.parameters, '/app/prod/maintenance-mode': { type: 'String', value: 'off', version: 3 }, '/app/prod/database/host': { type: 'String', value: 'old-db.internal', version: 5 } },
    };
    storeBundle(bundle);
    ssm.on(GetParametersByPathCommand).resolves({
      Parameters: [
        { Name: '/app/prod/api/token', Type: 'SecureString', Value: TOKEN_VALUE, Version: 4 },
        { Name: '/app/prod/db/host', Type: 'String', Value: 'db.internal', Version: 2 },
        { Name: '/app/prod/hosts', Type: 'StringList', Value: 'a,b', Version: 1 },
        { Name: '/app/prod/maintenance-mode', Type: 'String', Value: 'on', Version: 9 },
        { Name: '/app/prod/database/host', Type: 'String', Value: 'bdr-rec-app-db.internal', Version: 12 },
      ],
    });
    sm.on(ListSecretsCommand).resolves({ SecretList: [{ Name: 'app/prod/db' }] });
    sm.on(GetSecretValueCommand).resolves({ SecretString: PASSWORD, VersionId: 'sv-1' });
    const planned = await planConfigRestore(deps(), { configuration: 'app-config', dryRun: false }, 'exec-left');
    expect(planned.parameters.write).toEqual([]);
    expect(planned.leftToRunbooks).toEqual(['/app/prod/database/host', '/app/prod/maintenance-mode']);
    expect(planned.remaining).toBe(0);
    const { outcome, summary } = configRestoreOutcome({ run: planned });
    expect(outcome).toBe('restored');
    expect(summary).toContain('2 left to the recovery runbooks, not written (/app/prod/database/host, /app/prod/maintenance-mode)');
  });

  it('an undo never puts back a runbook parameter an older run wrote: it is named, not read, not written', async () => {
    const evidenceKey = 'evidence/app-config/2026/11/old-run.json';
    const evidence = {
      schema: 'backup-dr/config-restore-evidence/v1',
      outcome: 'restored',
      run: { runId: 'old-run', configuration: 'app-config', bundle: { bucket: BUCKET, key: KEY, versionId: 'b-0', sha256: SHA, capturedAt: BUNDLE.capturedAt }, target: { role: 'primary', region: REGION }, dryRun: false },
      written: [
        { kind: 'parameter', name: '/app/prod/maintenance-mode', previousVersion: 8, newVersion: 9, previousType: 'String', type: 'String' },
        { kind: 'parameter', name: '/app/prod/database/host', previousVersion: 11, newVersion: 12, previousType: 'String', type: 'String' },
        { kind: 'parameter', name: '/app/prod/db/host', previousVersion: 1, newVersion: 2, previousType: 'String', type: 'String' },
      ],
    };
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: evidenceKey }] });
    s3.on(GetObjectCommand, { Bucket: REPORTS, Key: evidenceKey }).resolves({ Body: { transformToString: async () => JSON.stringify(evidence) } as never });
    ssm.on(GetParameterCommand, { Name: '/app/prod/db/host' }).resolves({ Parameter: { Name: '/app/prod/db/host', Version: 2 } });
    const log = new RecordingLog();
    const planned = await planConfigRestore(deps(log), { undo: 'old-run', dryRun: false }, 'undo-left');
    expect(planned.parameters.write).toEqual(['/app/prod/db/host']);
    expect(planned.undo?.steps).toEqual({ '/app/prod/db/host': { restoreVersion: 1, undoneVersion: 2 } });
    expect(planned.leftToRunbooks).toEqual(['/app/prod/maintenance-mode', '/app/prod/database/host']);
    expect(ssm.commandCalls(GetParameterCommand).map((c) => c.args[0].input.Name)).toEqual(['/app/prod/db/host']);
    expect(configRestoreOutcome({ run: planned }).summary).toContain('2 left to the recovery runbooks, not written (/app/prod/maintenance-mode, /app/prod/database/host)');
    s3.on(PutObjectCommand).resolves({});
    await recordConfigRestore({ policy, s3: new S3Client({ region: REGION }), bucket: REPORTS, log, now: () => NOW }, { run: planned, execution: 'undo-left' });
    const recorded = JSON.parse(s3.commandCalls(PutObjectCommand)[0]!.args[0].input.Body as string) as Record<string, unknown>;
    expect(recorded['leftToRunbooks']).toEqual(['/app/prod/maintenance-mode', '/app/prod/database/host']);
    expect(recorded['undo']).toEqual([]);
    const failed = { run: { ...planned, failed: [{ kind: 'parameter' as const, name: '/app/prod/db/host', error: 'AccessDeniedException' }] } };
    const alert = configRestoreAlert(policy, REGION, { ...failed, verdict: { ...configRestoreOutcome(failed), evidenceKey: null } }, REPORTS, NOW);
    expect(alert.action).toContain('Not written, left to the recovery runbooks (set-maintenance-mode, switch-endpoint): /app/prod/maintenance-mode, /app/prod/database/host');
    expect(alert.details).toMatchObject({ leftToRunbooks: '/app/prod/maintenance-mode, /app/prod/database/host' });
  });
});

describe('config-restore-record: the outcome and the undo', () => {
  it('names the exact command per name written: a secret moves AWSCURRENT back, a parameter gets its previous version\'s value back (same type and key), a created one is deleted', () => {
    const done = run({
      written: [
        { kind: 'parameter', name: "/app/prod/it's", previousVersion: 3, newVersion: 4, previousType: 'StringList', type: 'StringList' },
        { kind: 'parameter', name: '/app/prod/new', previousVersion: null, newVersion: 1, previousType: null, type: 'String' },
        { kind: 'secret', name: 'app/prod/db', previousVersion: 'sv-now', newVersion: TOKEN },
      ],
    });
    expect(undoSteps(done)).toEqual([
      {
        kind: 'parameter',
        name: "/app/prod/it's",
        restoreVersion: 3,
        command: `aws ssm put-parameter --region ${REGION} --name '/app/prod/it'\\''s' --type StringList --overwrite --cli-input-json "$(aws ssm get-parameter --region ${REGION} --name '/app/prod/it'\\''s:3' --with-decryption --query '{Value: Parameter.Value}' --output json)"`,
      },
      { kind: 'parameter', name: '/app/prod/new', restoreVersion: null, command: `aws ssm delete-parameter --region ${REGION} --name '/app/prod/new'` },
      { kind: 'secret', name: 'app/prod/db', restoreVersion: 'sv-now', command: `aws secretsmanager update-secret-version-stage --region ${REGION} --secret-id 'app/prod/db' --version-stage AWSCURRENT --move-to-version-id 'sv-now' --remove-from-version-id '${TOKEN}'` },
    ]);
    expect(configRestoreOutcome({ run: done })).toEqual({ outcome: 'restored', summary: expect.stringMatching(/^restored — 3 written, 0 already equal; app-config \(bundle version b-1 of 2026-11-30T03:00:00.000Z\) into ap-northeast-1/) });
    expect(configRestoreOutcome({ error: { Error: 'InvalidInput', Cause: 'configuration: no configuration "x"' } })).toEqual({ outcome: 'failed', summary: 'InvalidInput: configuration: no configuration "x"' });
  });
});
