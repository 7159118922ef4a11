// back-up-configuration's handler routing a change event (the real handler, SSM, Secrets Manager and S3
// answered by aws-sdk-client-mock): a Parameter Store change and a Secrets Manager call — the secret named
// by name, by full ARN, by CreateSecret's `name` — back up only the configurations with `onChange` that
// cover it; an unrelated parameter or secret, a configuration with `onChange: false`, a label, a failed
// call are no-ops that send nothing and say so in the log; an event missing what names the change is
// InvalidInput naming the field. And the matching itself, table-driven (shared/config/changes.ts).

import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/config/back-up-configuration/handler.js';
import { lambdaContext } from '../../sandbox/lambda-context.js';
import { changeOf, configurationsChangedBy, parameterPrefix, secretNameOf } from '../../shared/config/changes.js';
import { InvalidInput } from '../../shared/errors.js';
import { logger, metrics, setRuntime } from '../../shared/runtime/lambda.js';
import { RecordingAlerts, RecordingLog, teamPolicy } from '../helpers/runtime.js';

const REGION = 'ap-northeast-1';
const ssm = mockClient(SSMClient);
const sm = mockClient(SecretsManagerClient);
const s3 = mockClient(S3Client);
const ARN = (name: string) => `arn:aws:secretsmanager:${REGION}:123456789012:secret:${name}`;

const CONFIGURATIONS = [
  { name: 'app-config', ssmParameterPaths: ['/app/prod/'], secrets: ['app/prod/'], schedule: 'cron(0 3 * * ? *)', retention: { withinDaily: '30d', withinYearly: '7y' } },
  { name: 'billing-config', ssmParameterPaths: ['/billing'], secrets: ['billing/api-key'], schedule: 'cron(0 3 * * ? *)', retention: { withinDaily: '30d', withinYearly: '7y' } },
  { name: 'quiet-config', ssmParameterPaths: ['/quiet/'], secrets: ['quiet/key'], schedule: 'cron(0 3 * * ? *)', onChange: false, retention: { withinDaily: '30d', withinYearly: '7y' } },
];
const policy = teamPolicy((doc) => {
  doc.resources.configuration = CONFIGURATIONS;
});

const ssmEvent = (name: string, operation = 'Update') => ({ version: '0', source: 'aws.ssm', 'detail-type': 'Parameter Store Change', region: REGION, resources: [`arn:aws:ssm:${REGION}:123456789012:parameter${name}`], detail: { name, operation, type: 'String' } });
const secretEvent = (eventName: string, requestParameters: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  version: '0',
  source: 'aws.secretsmanager',
  'detail-type': 'AWS API Call via CloudTrail',
  region: REGION,
  resources: [],
  detail: { eventSource: 'secretsmanager.amazonaws.com', eventName, requestParameters, ...extra },
});

describe('back-up-configuration: change events', () => {
  let log: RecordingLog;
  beforeEach(() => {
    ssm.reset();
    sm.reset();
    s3.reset();
    ssm.on(GetParametersByPathCommand).resolves({ Parameters: [] });
    sm.on(ListSecretsCommand).resolves({ SecretList: [] });
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'never-logged', VersionId: 'sv' });
    s3.on(HeadObjectCommand).rejects(Object.assign(new Error('Not Found'), { name: 'NotFound' }));
    s3.on(PutObjectCommand).resolves({ VersionId: 'v1' });
    process.env.CONFIG_BUCKET = 'config-bucket';
    process.env.CONFIG_KEY = 'alias/backup-dr-test';
    log = new RecordingLog();
    setRuntime({ stage: 'test', policy, role: 'primary', region: REGION, alerts: new RecordingAlerts(), logger, log, metrics, now: () => Date.parse('2026-12-01T03:00:00Z') });
  });
  afterAll(() => setRuntime(undefined));

  const invoke = (event: unknown) => handler(event, lambdaContext('back-up-configuration', { region: REGION })) as Promise<{ outcomes: { resource: string }[] }>;
  const written = () => s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key);

  it.each([
    ['a parameter under a path given without its trailing slash', ssmEvent('/billing/rate'), ['billing-config']],
    ['a parameter created under a path', ssmEvent('/app/prod/db/host', 'Create'), ['app-config']],
    ['a parameter deleted under a path', ssmEvent('/app/prod/db/host', 'Delete'), ['app-config']],
    ['PutSecretValue naming the secret by name', secretEvent('PutSecretValue', { secretId: 'billing/api-key' }), ['billing-config']],
    ['UpdateSecret naming the secret by its full ARN', secretEvent('UpdateSecret', { secretId: ARN('billing/api-key-AbCdEf') }), ['billing-config']],
    ['RotateSecret naming a secret under a prefix by ARN', secretEvent('RotateSecret', { secretId: ARN('app/prod/db-Zz9Yy8') }), ['app-config']],
    ['UpdateSecretVersionStage (rotation making the new value current)', secretEvent('UpdateSecretVersionStage', { secretId: 'app/prod/db', versionStage: 'AWSCURRENT' }), ['app-config']],
    ['CreateSecret under a prefix (requestParameters.name)', secretEvent('CreateSecret', { name: 'app/prod/new-key' }), ['app-config']],
  ])('%s: backs up exactly the configurations covering it', async (_case, event, expected) => {
    const result = await invoke(event);
    expect(result.outcomes.map((o) => o.resource)).toEqual(expected);
    expect(written()).toEqual(expected.map((name) => `config/${name}/bundle.json`));
  });

  it.each([
    ['a parameter beside a path ("/billing-old/…" is not under "/billing")', ssmEvent('/billing-old/rate')],
    ['an unrelated secret', secretEvent('PutSecretValue', { secretId: 'other/thing' })],
    ['an unrelated secret by ARN', secretEvent('PutSecretValue', { secretId: ARN('other/thing-AbCdEf') })],
    ['a secret whose name only starts like a watched one', secretEvent('PutSecretValue', { secretId: 'billing/api-key-rotated' })],
    ['a parameter of a configuration with onChange: false', ssmEvent('/quiet/x')],
    ['a secret of a configuration with onChange: false', secretEvent('PutSecretValue', { secretId: 'quiet/key' })],
  ])('%s: a no-op — nothing read or written, and logged by name', async (_case, event) => {
    const result = await invoke(event);
    expect(result.outcomes).toEqual([]);
    expect([...ssm.calls(), ...sm.calls(), ...s3.calls()]).toEqual([]);
    expect(log.lines.map((l) => l.message)).toContain('change event for nothing configured (or without onChange): no backup');
  });

  it.each([
    ['a label on a parameter version', ssmEvent('/billing/rate', 'LabelParameterVersion')],
    ['a failed call', secretEvent('PutSecretValue', { secretId: 'billing/api-key' }, { errorCode: 'AccessDenied' })],
    ['a call that changes no value', secretEvent('TagResource', { secretId: 'billing/api-key' })],
  ])('%s: changes nothing captured — a no-op', async (_case, event) => {
    expect((await invoke(event)).outcomes).toEqual([]);
    expect(s3.calls()).toEqual([]);
    expect(log.lines.map((l) => l.message)).toContain('change event changes nothing captured: no backup');
  });

  it.each([
    ['a parameter change without its name', { source: 'aws.ssm', detail: { operation: 'Update' } }, 'detail.name'],
    ['a PutSecretValue without secretId', secretEvent('PutSecretValue', {}), 'detail.requestParameters.secretId'],
    ['a CreateSecret without name', secretEvent('CreateSecret', { secretId: 'x' }), 'detail.requestParameters.name'],
    ['an event from another source', { source: 'aws.s3', detail: {} }, 'source'],
  ])('%s: InvalidInput naming %s, nothing sent', async (_case, event, field) => {
    const error = await invoke(event).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInput);
    expect((error as InvalidInput).field).toBe(field);
    expect(s3.calls()).toEqual([]);
  });

  it('a schedule still backs up the configuration it names, onChange or not', async () => {
    const result = await invoke({ resources: ['quiet-config'] });
    expect(result.outcomes.map((o) => o.resource)).toEqual(['quiet-config']);
    expect(written()).toEqual(['config/quiet-config/bundle.json']);
  });
});

describe('shared/config/changes.ts', () => {
  it.each([
    ['/app/prod/', '/app/prod/'],
    ['/billing', '/billing/'],
  ])('the hierarchy of path %s is %s', (path, prefix) => expect(parameterPrefix(path)).toBe(prefix));

  it.each([
    ['billing/api-key', 'billing/api-key'],
    [ARN('billing/api-key-AbCdEf'), 'billing/api-key-AbCdEf'],
    ['arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:x/y', 'x/y'],
  ])('the name of secret id %s is %s', (id, name) => expect(secretNameOf(id)).toBe(name));

  it('a configured secret ARN matches the secret by name, partial ARN and full ARN; not another with a longer name', () => {
    const configs = [{ name: 'c', ssmParameterPaths: [], secrets: [ARN('billing/api-key-AbCdEf')], onChange: true }];
    for (const id of ['billing/api-key', ARN('billing/api-key'), ARN('billing/api-key-AbCdEf')]) expect(configurationsChangedBy(configs, { kind: 'secret', id }), id).toEqual(configs);
    expect(configurationsChangedBy(configs, { kind: 'secret', id: 'billing/api-key-other' })).toEqual([]);
  });

  it('reads what an event says changed, or why it is ignored', () => {
    expect(changeOf({ source: 'aws.ssm', detail: { name: '/a/b', operation: 'Update' } })).toEqual({ change: { kind: 'parameter', name: '/a/b' } });
    expect(changeOf({ source: 'aws.secretsmanager', detail: { eventName: 'CreateSecret', requestParameters: { name: 'a/b' } } })).toEqual({ change: { kind: 'secret', id: 'a/b' } });
    expect(changeOf({ source: 'aws.secretsmanager', detail: { eventName: 'DeleteSecret', requestParameters: { secretId: 'a/b' } } })).toHaveProperty('ignored');
  });
});
