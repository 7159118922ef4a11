// The restore-configuration state machine executed from its ASL file, every Task bound to the real
// handler: the bundle written by the real back-up-configuration into the config bucket (S3 stand-in),
// Parameter Store and Secrets Manager answered by small stateful fakes (tests/config/config-fakes.ts). A
// dry run (the default) lists by name and writes nothing; a real run writes back what differs, each write
// with the version before it and an undo in the evidence; a second run writes nothing; the secondary's
// machine restores from its replica alone; a tampered bundle, bad input and a failing write reach the
// alert — and no secret value is in any state of the execution, its output, the evidence, a log line or an alert.

import { S3Client } from '@aws-sdk/client-s3';
import { PutSecretValueCommand, SecretsManagerClient, UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backUpConfiguration } from '../../../functions/config/back-up-configuration/back-up-configuration.js';
import { handler as apply } from '../../../functions/config/config-restore-apply/handler.js';
import { secretRequestToken } from '../../../functions/config/config-restore-apply/config-restore-apply.js';
import { handler as notify } from '../../../functions/config/config-restore-notify/handler.js';
import { handler as plan } from '../../../functions/config/config-restore-plan/handler.js';
import { handler as record } from '../../../functions/config/config-restore-record/handler.js';
import { S3StandIn } from '../../../sandbox/aws/s3-standin.js';
import { asTask, runLocally, type LocalTask } from '../../../sandbox/step-functions/asl.js';
import { snsAlertSink } from '../../../shared/alerts/sns.js';
import { configBucketName, configBundleKey, reportsBucketName } from '../../../shared/contracts.js';
import { logger, metrics, setRuntime } from '../../../shared/runtime/lambda.js';
import { configRestoreDefinition } from '../../../state-machines/config/restore-configuration.js';
import { RecordingAlerts, RecordingLog, teamPolicy } from '../../helpers/runtime.js';
import { FakeParameterStore, FakeSecrets } from '../config-fakes.js';

const PRIMARY = 'ap-northeast-1';
const SECONDARY = 'ap-southeast-1';
const ACCOUNT = '123456789012';
const BUCKET = configBucketName('test', ACCOUNT, PRIMARY);
const REPLICA = configBucketName('test', ACCOUNT, SECONDARY);
const TOPIC = `arn:aws:sns:${PRIMARY}:${ACCOUNT}:backup-dr-alerts-test`;
const NOW = Date.parse('2026-12-01T12:00:00+09:00');
const KEY = configBundleKey('app-config');

/** The values the bundle holds and the ones that replaced them: none may appear anywhere but in the services. */
const DB_PASSWORD = 'pw-backed-up-7c1f9e';
const DB_PASSWORD_NOW = 'pw-rotated-wrongly-2b8d';
const API_TOKEN = 'tok-backed-up-51aa0f';
const API_TOKEN_NOW = 'tok-broken-e3310c';
const SECRET_VALUES = [DB_PASSWORD, DB_PASSWORD_NOW, API_TOKEN, API_TOKEN_NOW];

const snsMock = mockClient(SNSClient);
let s3: S3StandIn;
let ssm: FakeParameterStore;
let secrets: FakeSecrets;
let log: RecordingLog;
/** Every Task's input and output, as the execution history would hold them. */
let history: unknown[];
const alerts = () => snsMock.commandCalls(PublishCommand).map((c) => JSON.parse((JSON.parse(c.args[0].input.Message ?? '{}') as { lambda: string }).lambda) as Record<string, any>);
const evidence = () => JSON.parse(s3.objects().filter((o) => o.key.startsWith('evidence/')).sort((a, b) => Number(a.versionId.slice(1)) - Number(b.versionId.slice(1))).at(-1)?.body ?? 'null') as Record<string, any>;

function useRegion(role: 'primary' | 'secondary'): void {
  const region = role === 'primary' ? PRIMARY : SECONDARY;
  process.env.CONFIG_BUCKET = role === 'primary' ? BUCKET : REPLICA;
  process.env.REPORTS_BUCKET = reportsBucketName('test', ACCOUNT, region);
  const policy = teamPolicy();
  setRuntime({ stage: 'test', policy, role, region, alerts: snsAlertSink(new SNSClient({ region }), TOPIC, policy.timezone), logger, log, metrics, now: () => NOW });
}

/** The live configuration as backed up: three parameters (one SecureString under a customer key) and two secrets. */
function liveAsBackedUp(): void {
  ssm.set('/app/prod/db/host', 'db.internal');
  ssm.set('/app/prod/api/token', API_TOKEN, 'SecureString', 'alias/app-params');
  ssm.set('/app/prod/hosts', 'a.internal,b.internal', 'StringList');
  secrets.set('app/prod/db', DB_PASSWORD);
  secrets.set('app/prod/mail', 'smtp-unchanged');
}

/** back-up-configuration itself writes the bundle (a new version of config/app-config/bundle.json). */
async function backUp(): Promise<string> {
  const [outcome] = await backUpConfiguration(
    { policy: teamPolicy(), ssm: new SSMClient({ region: PRIMARY }), secrets: new SecretsManagerClient({ region: PRIMARY }), s3: new S3Client({ region: PRIMARY }), bucket: BUCKET, kmsKey: 'alias/backup-dr-test', alerts: new RecordingAlerts(), log: new RecordingLog(), now: () => NOW - 86_400_000 },
    ['app-config'],
  );
  if (outcome?.status !== 'written' || outcome.versionId === undefined) throw new Error('no bundle written');
  return outcome.versionId;
}

/** What went wrong since the backup: the host and a token changed, a parameter added, a password changed. */
function breakIt(): void {
  ssm.set('/app/prod/db/host', 'db.wrong');
  ssm.set('/app/prod/api/token', API_TOKEN_NOW, 'SecureString');
  ssm.set('/app/prod/extra', 'added-later');
  secrets.set('app/prod/db', DB_PASSWORD_NOW);
}

describe('restore-configuration state machine', () => {
  beforeEach(() => {
    snsMock.reset();
    snsMock.on(PublishCommand).resolves({ MessageId: 'm' });
    s3 = new S3StandIn({ now: () => NOW });
    s3.install();
    ssm = new FakeParameterStore(PRIMARY);
    secrets = new FakeSecrets(PRIMARY);
    log = new RecordingLog();
    history = [];
    useRegion('primary');
  });
  afterEach(() => {
    s3.restore();
    ssm.restore();
    secrets.restore();
  });
  afterAll(() => setRuntime(undefined));

  const recorded = (name: string, task: LocalTask): LocalTask => async (input) => {
    history.push({ name, input });
    const output = await task(input);
    history.push({ name, output });
    return output;
  };
  const tasks = (over: Partial<Record<string, LocalTask>> = {}): Record<string, LocalTask> => ({
    configRestorePlan: recorded('plan', asTask('configRestorePlan', plan)),
    configRestoreApply: recorded('apply', over.configRestoreApply ?? asTask('configRestoreApply', apply)),
    configRestoreRecord: recorded('record', asTask('configRestoreRecord', record)),
    configRestoreNotify: recorded('notify', asTask('configRestoreNotify', notify)),
  });
  const run = async (input: unknown, executionName: string, over: Partial<Record<string, LocalTask>> = {}) => {
    const result = await runLocally(configRestoreDefinition(), input, tasks(over), { executionName });
    history.push(result);
    return result;
  };
  /** No value in the execution's states, its output, the evidence, the log or the alerts. */
  const expectNoValue = () => {
    const everywhere = JSON.stringify([history, s3.objects().filter((o) => !o.key.startsWith('config/')).map((o) => o.body), log.lines, alerts()]);
    for (const value of SECRET_VALUES) expect(everywhere).not.toContain(value);
  };

  it('a dry run (the default) plans by name — changed, added back, live only, unchanged — and writes nothing', async () => {
    liveAsBackedUp();
    const versionId = await backUp();
    breakIt();
    ssm.set('/app/prod/hosts-removed-later', 'x');
    const before = { token: ssm.current('/app/prod/api/token'), db: secrets.current('app/prod/db') };
    const result = await run({ configuration: 'app-config' }, 'dry-1');
    expect(result.status).toBe('SUCCEEDED');
    expect(result.states).toEqual(['Start', 'Plan', 'Dry run?', 'Record', 'Failed?', 'Done']);
    expect(ssm.mock.commandCalls(PutParameterCommand)).toHaveLength(0);
    expect(secrets.mock.commandCalls(PutSecretValueCommand)).toHaveLength(0);
    expect({ token: ssm.current('/app/prod/api/token'), db: secrets.current('app/prod/db') }).toEqual(before);
    const e = evidence();
    expect(e).toMatchObject({
      outcome: 'dry-run',
      execution: 'dry-1',
      run: {
        runId: 'dry-1',
        configuration: 'app-config',
        bundle: { bucket: BUCKET, key: KEY, versionId },
        target: { role: 'primary', region: PRIMARY },
        dryRun: true,
        parameters: { write: ['/app/prod/api/token', '/app/prod/db/host'], added: [], liveOnly: ['/app/prod/extra', '/app/prod/hosts-removed-later'], unchanged: 1 },
        secrets: { write: ['app/prod/db'], added: [], liveOnly: [], unchanged: 1 },
      },
      written: [],
      undo: [],
    });
    expect(e.summary).toMatch(/^dry run — app-config \(bundle version .+\) into ap-northeast-1: 2 parameters and 1 secrets to write \(0 not there now\), 2 unchanged, 2 live but not in the bundle \(left alone\)/);
    expect(s3.objects().find((o) => o.key.startsWith('evidence/'))?.key).toBe('evidence/app-config/2026/12/dry-1.json');
    expectNoValue();
  });

  it('a real run writes back what differs (SecureString under its key, the secret with the run\'s token), records the versions before, and a second run writes nothing', async () => {
    liveAsBackedUp();
    await backUp();
    breakIt();
    ssm.set('/app/prod/db/host', 'db.wrong-again');
    const result = await run({ configuration: 'app-config', dryRun: false }, 'real-1');
    expect(result.status).toBe('SUCCEEDED');
    expect(result.states).toEqual(['Start', 'Plan', 'Dry run?', 'Write a batch', 'More names?', 'Record', 'Failed?', 'Done']);
    expect(ssm.current('/app/prod/db/host')).toMatchObject({ value: 'db.internal', type: 'String', version: 4 });
    // The token was overwritten without a KeyId (aws/ssm): it goes back under the key it has now, not the one it had.
    expect(ssm.current('/app/prod/api/token')).toMatchObject({ value: API_TOKEN, type: 'SecureString', version: 3, keyId: 'alias/app-params' });
    expect(ssm.current('/app/prod/extra')).toMatchObject({ value: 'added-later' });
    const token = secretRequestToken('real-1', 'app/prod/db', evidence().run.bundle.sha256);
    expect(secrets.current('app/prod/db')).toMatchObject({ id: token, value: DB_PASSWORD });
    expect(secrets.versions('app/prod/mail')).toHaveLength(1);
    const e = evidence();
    expect(e.outcome).toBe('restored');
    expect(e.written).toEqual([
      { kind: 'parameter', name: '/app/prod/api/token', previousVersion: 2, newVersion: 3, previousType: 'SecureString', type: 'SecureString', keyId: 'alias/app-params' },
      { kind: 'parameter', name: '/app/prod/db/host', previousVersion: 3, newVersion: 4, previousType: 'String', type: 'String' },
      { kind: 'secret', name: 'app/prod/db', previousVersion: 'sv-3', newVersion: token },
    ]);
    expect(e.undo.map((u: { command: string }) => u.command)).toEqual([
      `aws ssm put-parameter --region ${PRIMARY} --name '/app/prod/api/token' --type SecureString --key-id 'alias/app-params' --overwrite --cli-input-json "$(aws ssm get-parameter --region ${PRIMARY} --name '/app/prod/api/token:2' --with-decryption --query '{Value: Parameter.Value}' --output json)"`,
      `aws ssm put-parameter --region ${PRIMARY} --name '/app/prod/db/host' --type String --overwrite --cli-input-json "$(aws ssm get-parameter --region ${PRIMARY} --name '/app/prod/db/host:3' --with-decryption --query '{Value: Parameter.Value}' --output json)"`,
      `aws secretsmanager update-secret-version-stage --region ${PRIMARY} --secret-id 'app/prod/db' --version-stage AWSCURRENT --move-to-version-id 'sv-3' --remove-from-version-id '${token}'`,
    ]);
    // The versions the undo names hold what was there before the run.
    expect(ssm.version('/app/prod/db/host', 3)?.value).toBe('db.wrong-again');
    expect(secrets.versions('app/prod/db').find((v) => v.id === 'sv-3')?.value).toBe(DB_PASSWORD_NOW);
    expectNoValue();

    const puts = ssm.mock.commandCalls(PutParameterCommand).length;
    const again = await run({ configuration: 'app-config', dryRun: false }, 'real-2');
    expect(again.status).toBe('SUCCEEDED');
    expect(again.states).toEqual(['Start', 'Plan', 'Dry run?', 'Record', 'Failed?', 'Done']);
    expect(ssm.mock.commandCalls(PutParameterCommand)).toHaveLength(puts);
    expect(secrets.versions('app/prod/db')).toHaveLength(3);
    expect(evidence()).toMatchObject({ outcome: 'restored', written: [], run: { parameters: { write: [], unchanged: 3 }, secrets: { write: [], unchanged: 2 } } });
  });

  it('{"undo": "<execution name>"} puts back what that run replaced — dry run first — from its evidence: parameters from their previous versions, secrets by moving AWSCURRENT back; a second undo changes nothing', async () => {
    liveAsBackedUp();
    await backUp();
    breakIt();
    await run({ configuration: 'app-config', dryRun: false }, 'real-1');
    expect(ssm.current('/app/prod/db/host')?.value).toBe('db.internal');
    const token = secretRequestToken('real-1', 'app/prod/db', evidence().run.bundle.sha256);
    // Changed again since the restore: left alone by the undo.
    ssm.set('/app/prod/api/token', 'tok-set-after-the-restore', 'SecureString');

    const dry = await run({ undo: 'real-1' }, 'undo-dry');
    expect(dry.status).toBe('SUCCEEDED');
    expect(dry.states).toEqual(['Start', 'Plan', 'Dry run?', 'Record', 'Failed?', 'Done']);
    expect(evidence()).toMatchObject({
      outcome: 'dry-run',
      run: {
        parameters: { write: ['/app/prod/db/host'] },
        secrets: { write: ['app/prod/db'] },
        undo: { of: 'real-1', evidenceKey: 'evidence/app-config/2026/12/real-1.json', steps: { '/app/prod/db/host': { restoreVersion: 2, undoneVersion: 3 }, 'app/prod/db': { restoreVersion: 'sv-3', undoneVersion: token } }, changedSince: ['/app/prod/api/token'], created: [] },
      },
    });
    expect(ssm.current('/app/prod/db/host')?.value).toBe('db.internal');

    const undone = await run({ undo: 'real-1', dryRun: false }, 'undo-1');
    expect(undone.status).toBe('SUCCEEDED');
    expect(ssm.current('/app/prod/db/host')).toMatchObject({ value: 'db.wrong', version: 4 });
    expect(ssm.current('/app/prod/api/token')).toMatchObject({ value: 'tok-set-after-the-restore', keyId: 'alias/app-params' });
    expect(secrets.current('app/prod/db')).toMatchObject({ id: 'sv-3', value: DB_PASSWORD_NOW });
    expect(secrets.mock.commandCalls(UpdateSecretVersionStageCommand).map((c) => c.args[0].input)).toEqual([{ SecretId: 'app/prod/db', VersionStage: 'AWSCURRENT', MoveToVersionId: 'sv-3', RemoveFromVersionId: token }]);
    expect(evidence()).toMatchObject({ outcome: 'restored', written: [{ name: '/app/prod/db/host', previousVersion: 3, newVersion: 4 }, { name: 'app/prod/db', previousVersion: token, newVersion: 'sv-3' }] });
    expect(evidence().summary).toMatch(/^undone — 2 put back, 0 already equal; undo of real-1 \(app-config in ap-northeast-1\): 1 parameters and 1 secrets to put back, 1 changed since \(left alone\)/);
    expectNoValue();

    // The undo is itself a run with an undo; undoing real-1 again finds every name moved on: nothing is written.
    const puts = ssm.mock.commandCalls(PutParameterCommand).length;
    const again = await run({ undo: 'real-1', dryRun: false }, 'undo-2');
    expect(again.status).toBe('SUCCEEDED');
    expect(ssm.mock.commandCalls(PutParameterCommand)).toHaveLength(puts);
    expect(evidence().run.undo).toMatchObject({ changedSince: ['/app/prod/api/token', '/app/prod/db/host'], steps: {} });
    expect(evidence().run.secrets.unchanged).toBe(1);

    const unknown = await run({ undo: 'no-such-run', dryRun: false }, 'undo-3');
    expect(unknown.status).toBe('FAILED');
    expect(evidence().summary).toMatch(/^InvalidInput: undo: no evidence of a configuration restore named "no-such-run"/);
    const dryOne = await run({ undo: 'undo-dry', dryRun: false }, 'undo-4');
    expect(dryOne.status).toBe('FAILED');
    expect(evidence().summary).toMatch(/^InvalidInput: undo: "undo-dry" was a dry run: it wrote nothing to undo/);
  });

  it('restores an older version named by its S3 version id, and a parameter deleted since comes back', async () => {
    liveAsBackedUp();
    const first = await backUp();
    ssm.set('/app/prod/db/host', 'db2.internal');
    await backUp();
    ssm.delete('/app/prod/hosts');
    const result = await run({ configuration: 'app-config', versionId: first, dryRun: false, region: 'primary' }, 'older-1');
    expect(result.status).toBe('SUCCEEDED');
    expect(ssm.current('/app/prod/db/host')?.value).toBe('db.internal');
    expect(ssm.current('/app/prod/hosts')).toMatchObject({ value: 'a.internal,b.internal', type: 'StringList', version: 1 });
    expect(evidence()).toMatchObject({ run: { bundle: { versionId: first }, parameters: { write: ['/app/prod/db/host', '/app/prod/hosts'], added: ['/app/prod/hosts'] } } });
    // Undoing the parameter the restore created deletes it.
    expect(evidence().undo.find((u: { name: string }) => u.name === '/app/prod/hosts')).toEqual({ kind: 'parameter', name: '/app/prod/hosts', restoreVersion: null, command: `aws ssm delete-parameter --region ${PRIMARY} --name '/app/prod/hosts'` });
  });

  it("the secondary's machine restores into the secondary from its replica alone — the primary's bucket gone", async () => {
    // Backed up in the primary; the bundle as replication brings it to the secondary's bucket (same version id, same metadata).
    liveAsBackedUp();
    const versionId = await backUp();
    const stored = s3.object(BUCKET, KEY)!;
    s3.put(REPLICA, KEY, stored.body, {}, { versionId, metadata: stored.metadata });
    s3.putDeleteMarker(BUCKET, KEY);
    ssm.restore();
    secrets.restore();
    ssm = new FakeParameterStore(SECONDARY);
    secrets = new FakeSecrets(SECONDARY);
    ssm.set('/app/prod/db/host', 'db.broken-in-secondary');
    secrets.set('app/prod/db', DB_PASSWORD_NOW);
    secrets.set('app/prod/mail', 'smtp-unchanged');
    useRegion('secondary');
    const reads = s3.requests().length;
    const result = await run({ configuration: 'app-config', dryRun: false }, 'dr-1');
    expect(result.status).toBe('SUCCEEDED');
    expect(ssm.current('/app/prod/db/host')?.value).toBe('db.internal');
    expect(ssm.current('/app/prod/api/token')).toMatchObject({ value: API_TOKEN, type: 'SecureString', version: 1, keyId: 'alias/aws/ssm' });
    expect(secrets.current('app/prod/db')?.value).toBe(DB_PASSWORD);
    expect(evidence().run.parameters.added).toEqual(['/app/prod/api/token', '/app/prod/hosts']);
    // Only the secondary's buckets: the plan's and the batch's reads of the replica, the evidence in the secondary's reports bucket.
    expect(s3.requests().slice(reads).map((r) => `${r.command} ${r.region} ${r.bucket}`)).toEqual([
      `GetObject ${SECONDARY} ${REPLICA}`,
      `GetObject ${SECONDARY} ${REPLICA}`,
      `PutObject ${SECONDARY} ${reportsBucketName('test', ACCOUNT, SECONDARY)}`,
    ]);
    expectNoValue();
  });

  it('refuses bad input naming the field — unknown configuration, unknown version, another region, an unknown field — writing nothing, and alerts', async () => {
    liveAsBackedUp();
    await backUp();
    breakIt();
    const cases: [unknown, RegExp][] = [
      [{ configuration: 'billing', dryRun: false }, /^InvalidInput: configuration: no configuration "billing" in the policy \(known: app-config\)/],
      [{ configuration: 'app-config', versionId: 'no-such-version', dryRun: false }, /^InvalidInput: versionId: no version "no-such-version" of s3:\/\/.+\/config\/app-config\/bundle.json \(NoSuchVersion\)/],
      [{ configuration: 'app-config', region: 'secondary', dryRun: false }, /^InvalidInput: region: this state machine runs in the primary region \(ap-northeast-1\) and writes only there/],
      [{ configuration: 'app-config', dryRun: 'no' }, /^InvalidInput: dryRun: must be true or false/],
      [{ configuration: 'app-config', value: DB_PASSWORD }, /^InvalidInput: value: unknown input field \(allowed: configuration, versionId, undo, region, dryRun\)/],
    ];
    for (const [input, summary] of cases) {
      const result = await run(input, `bad-${cases.findIndex((c) => c[0] === input)}`);
      expect(result.status).toBe('FAILED');
      expect(result.states).toEqual(['Start', 'Plan', 'Record', 'Failed?', 'Notify', 'Failed']);
      expect(evidence()).toMatchObject({ outcome: 'failed', run: null });
      expect(evidence().summary).toMatch(summary);
    }
    // The alert names the configuration asked for (the unknown one too).
    expect(alerts().map((a) => [a.kind, a.severity, a.resource])).toEqual(cases.map(([input]) => ['config-restore-failed', 'critical', (input as { configuration: string }).configuration]));
    expect(ssm.mock.commandCalls(PutParameterCommand)).toHaveLength(0);
    expect(secrets.mock.commandCalls(PutSecretValueCommand)).toHaveLength(0);
    // A value typed into the input by mistake is not copied into the evidence: only the request's fields and the others' names.
    expect(evidence().input).toEqual({ configuration: 'app-config', unknownFields: ['value'] });
    expect(JSON.stringify([s3.objects().filter((o) => o.key.startsWith('evidence/')).map((o) => o.body), alerts()])).not.toContain(DB_PASSWORD);
  });

  it('a tampered bundle is refused before anything is written, and alerts', async () => {
    liveAsBackedUp();
    await backUp();
    breakIt();
    const stored = s3.object(BUCKET, KEY)!;
    // Someone with write access replaced the bundle, keeping its recorded checksum.
    s3.put(BUCKET, KEY, stored.body.replace('db.internal', 'db.attacker'), {}, { metadata: stored.metadata });
    const result = await run({ configuration: 'app-config', dryRun: false }, 'tampered-1');
    expect(result.status).toBe('FAILED');
    expect(evidence().summary).toMatch(/^BundleTampered: its content gives SHA-256 [0-9a-f]{64}, not the [0-9a-f]{64} recorded/);
    expect(alerts()).toHaveLength(1);
    expect(ssm.current('/app/prod/db/host')?.value).toBe('db.wrong');
  });

  it('a write KMS refuses fails that name alone: the others are written, the run fails and alerts with the names and the undo of what was written', async () => {
    liveAsBackedUp();
    await backUp();
    breakIt();
    ssm.failNext('/app/prod/api/token', 'PutParameter', Object.assign(new Error(`KMS denied encrypting ${API_TOKEN}`), { name: 'AccessDeniedException' }));
    const result = await run({ configuration: 'app-config', dryRun: false }, 'kms-1');
    expect(result.status).toBe('FAILED');
    expect(result.states).toEqual(['Start', 'Plan', 'Dry run?', 'Write a batch', 'More names?', 'Record', 'Failed?', 'Notify', 'Failed']);
    expect(ssm.current('/app/prod/api/token')?.value).toBe(API_TOKEN_NOW);
    expect(ssm.current('/app/prod/db/host')?.value).toBe('db.internal');
    expect(secrets.current('app/prod/db')?.value).toBe(DB_PASSWORD);
    expect(evidence()).toMatchObject({ outcome: 'failed', failed: [{ kind: 'parameter', name: '/app/prod/api/token', error: 'AccessDeniedException' }] });
    expect(evidence().undo).toHaveLength(2);
    expect(alerts()[0]).toMatchObject({ kind: 'config-restore-failed', resource: 'app-config', region: PRIMARY, details: { runId: 'kms-1', written: 2, failedNames: 'parameter /app/prod/api/token: AccessDeniedException' } });
    expectNoValue();
    // Started again once KMS allows it: only the token is written.
    const again = await run({ configuration: 'app-config', dryRun: false }, 'kms-2');
    expect(again.status).toBe('SUCCEEDED');
    expect(evidence().written.map((w: { name: string }) => w.name)).toEqual(['/app/prod/api/token']);
  });

  it('a batch whose Lambda dies after writing is retried by the machine and writes nothing twice: every write is still recorded with the version before it (a secret by its token, a parameter by the version the plan saw)', async () => {
    liveAsBackedUp();
    await backUp();
    breakIt();
    const real = asTask('configRestoreApply', apply);
    let calls = 0;
    // The first invocation does its writes, then the invocation fails as a Lambda service error does (its result lost).
    const dying: LocalTask = async (input) => {
      calls += 1;
      const result = await real(input);
      if (calls === 1) throw Object.assign(new Error('Lambda was unable to return'), { name: 'Lambda.ServiceException' });
      return result;
    };
    const result = await run({ configuration: 'app-config', dryRun: false }, 'retried-1', { configRestoreApply: dying });
    expect(result.status).toBe('SUCCEEDED');
    expect(calls).toBe(2);
    expect(ssm.mock.commandCalls(PutParameterCommand)).toHaveLength(2);
    expect(secrets.mock.commandCalls(PutSecretValueCommand)).toHaveLength(1);
    expect(secrets.versions('app/prod/db')).toHaveLength(3);
    const token = secretRequestToken('retried-1', 'app/prod/db', evidence().run.bundle.sha256);
    expect(evidence().written).toEqual([
      { kind: 'parameter', name: '/app/prod/api/token', previousVersion: 2, newVersion: 3, previousType: 'SecureString', type: 'SecureString', keyId: 'alias/app-params' },
      { kind: 'parameter', name: '/app/prod/db/host', previousVersion: 2, newVersion: 3, previousType: 'String', type: 'String' },
      { kind: 'secret', name: 'app/prod/db', previousVersion: 'sv-3', newVersion: token },
    ]);
    expect(evidence().skipped).toEqual([]);
    expect(ssm.version('/app/prod/db/host', 2)?.value).toBe('db.wrong');
  });

  it('throttling pauses the writes and goes on from the name it stopped at; a batch that fails outright goes to the alert', async () => {
    liveAsBackedUp();
    await backUp();
    breakIt();
    secrets.failNext('app/prod/db', 'PutSecretValue', Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const result = await run({ configuration: 'app-config', dryRun: false }, 'throttled-1');
    expect(result.status).toBe('SUCCEEDED');
    expect(result.states).toEqual(['Start', 'Plan', 'Dry run?', 'Write a batch', 'More names?', 'Wait after throttling', 'Write a batch', 'More names?', 'Record', 'Failed?', 'Done']);
    expect(evidence().written.map((w: { name: string }) => w.name)).toEqual(['/app/prod/api/token', '/app/prod/db/host', 'app/prod/db']);

    breakIt();
    const failing = await run({ configuration: 'app-config', dryRun: false }, 'broken-2', { configRestoreApply: async () => Promise.reject(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' })) });
    expect(failing.status).toBe('FAILED');
    expect(failing.states).toEqual(['Start', 'Plan', 'Dry run?', 'Write a batch', 'Record', 'Failed?', 'Notify', 'Failed']);
    expect(alerts().at(-1)).toMatchObject({ kind: 'config-restore-failed', summary: 'configuration restore failed: AccessDenied: Access Denied' });
  });
});
