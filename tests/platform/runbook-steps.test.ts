// The two shared runbook steps and the Route 53 wait, each command asserted as sent: set-maintenance-mode
// (the policy's parameter to on/off, left alone when it reads so already, nothing without
// recovery.maintenanceMode) and switch-endpoint (an SSM parameter or a Route 53 CNAME UPSERT, the value
// before the execution's first switch recorded and reported on a re-run), check-endpoint-change
// (PENDING is the error the state machine retries on).

import { ChangeResourceRecordSetsCommand, GetChangeCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient, type ParameterType } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkEndpointChange } from '../../functions/platform/check-endpoint-change/check-endpoint-change.js';
import { maintenanceModeInput } from '../../functions/platform/set-maintenance-mode/handler.js';
import { setMaintenanceMode } from '../../functions/platform/set-maintenance-mode/set-maintenance-mode.js';
import { switchEndpointInput } from '../../functions/platform/switch-endpoint/handler.js';
import { endpointRecordKey, switchEndpoint, type SwitchEndpointDeps } from '../../functions/platform/switch-endpoint/switch-endpoint.js';
import type { Policy } from '../../shared/policy/schema.js';
import { executionOf } from '../../shared/platform/approval.js';
import { parseInput } from '../../shared/runtime/input.js';
import { S3StandIn } from '../../sandbox/aws/s3-standin.js';
import { RecordingLog, teamPolicy } from '../helpers/runtime.js';

const REGION = 'ap-southeast-1';
const BUCKET = 'backup-dr-reports-prod-123456789012-ap-southeast-1';
const ARN = 'arn:aws:states:ap-southeast-1:123456789012:execution:backup-dr-prod-region-failover:failover-1';
const EXECUTION = executionOf('execution', ARN);
const ZONE = 'Z0123456789ABCDEFGHIJ';

const ssm = new SSMClient({ region: REGION });
const ssmMock = mockClient(ssm);
const route53 = new Route53Client({ region: REGION });
const route53Mock = mockClient(route53);
const s3Client = new S3Client({ region: REGION });
let s3: S3StandIn;

const notFound = () => new ParameterNotFound({ message: 'not found', $metadata: {} });
const parameterIs = (value: string, type: ParameterType = 'String') => ssmMock.on(GetParameterCommand).resolves({ Parameter: { Name: 'x', Value: value, Type: type } });
const puts = () => ssmMock.commandCalls(PutParameterCommand).map((c) => c.args[0].input);

beforeEach(() => {
  ssmMock.reset();
  route53Mock.reset();
  ssmMock.on(PutParameterCommand).resolves({ Version: 2 });
  s3 = new S3StandIn();
  s3.install();
});
afterEach(() => s3.restore());

describe('set-maintenance-mode', () => {
  const policy = teamPolicy();
  const run = (mode: 'on' | 'off', recovery = policy.recovery) => setMaintenanceMode({ mode, execution: ARN }, { recovery, ssm, log: new RecordingLog() });

  it('on: PutParameter of the policy\'s "on" value, Overwrite, the value it replaced as previous', async () => {
    parameterIs('off');
    expect(await run('on')).toEqual({ parameter: '/app/prod/maintenance-mode', previous: 'off', current: 'on', changed: true });
    expect(ssmMock.commandCalls(GetParameterCommand).map((c) => c.args[0].input)).toEqual([{ Name: '/app/prod/maintenance-mode' }]);
    expect(puts()).toEqual([{ Name: '/app/prod/maintenance-mode', Value: 'on', Overwrite: true }]);
  });

  it('is idempotent: a parameter that reads the value already is not written', async () => {
    parameterIs('off');
    expect(await run('off')).toEqual({ parameter: '/app/prod/maintenance-mode', previous: 'off', current: 'off', changed: false });
    expect(puts()).toEqual([]);
  });

  it('creates a missing parameter as a String (previous null)', async () => {
    ssmMock.on(GetParameterCommand).rejects(notFound());
    expect(await run('on')).toEqual({ parameter: '/app/prod/maintenance-mode', previous: null, current: 'on', changed: true });
    expect(puts()).toEqual([{ Name: '/app/prod/maintenance-mode', Value: 'on', Overwrite: true, Type: 'String', Description: 'backup-dr: maintenance mode the application reads (recovery.maintenanceMode)' }]);
  });

  it('uses the values the policy names', async () => {
    parameterIs('serving');
    const custom = teamPolicy((d) => { d.recovery.maintenanceMode = { parameter: '/app/maint', on: 'maintenance', off: 'serving' }; }).recovery;
    expect(await run('on', custom)).toEqual({ parameter: '/app/maint', previous: 'serving', current: 'maintenance', changed: true });
  });

  it('refuses to overwrite a SecureString (it would compare ciphertext, and the application reads plain text)', async () => {
    parameterIs('AQICAHh…', 'SecureString');
    await expect(run('on')).rejects.toThrow('/app/prod/maintenance-mode is a SecureString parameter');
    expect(puts()).toEqual([]);
  });

  it('without recovery.maintenanceMode: skipped, nothing sent', async () => {
    const without = teamPolicy((d) => { delete d.recovery.maintenanceMode; }).recovery;
    expect(await run('on', without)).toEqual({ skipped: 'no maintenanceMode in the policy' });
    expect(ssmMock.calls()).toEqual([]);
  });

  it.each([
    [{ mode: 'ON', execution: ARN }, 'mode: must be "on" or "off"'],
    [{ mode: 'on' }, 'execution: must be a non-empty string'],
    [{ mode: 'on', execution: ARN, value: 'x' }, 'value: unknown input field (allowed: mode, execution)'],
  ])('bad input %j is refused naming the field', (input, message) => {
    expect(() => parseInput(maintenanceModeInput, input)).toThrow(message);
  });
});

describe('switch-endpoint', () => {
  const ssmPolicy = teamPolicy();
  const route53Policy = teamPolicy((d) => { d.resources.databases[0].endpoint = { route53: { hostedZoneId: ZONE, recordName: 'DB.internal.example.com.', ttl: 30 } }; });
  const deps = (policy: Policy): SwitchEndpointDeps => ({ policy, ssm, route53, s3: s3Client, bucket: BUCKET, log: new RecordingLog() });
  const run = (policy: Policy, address: string, port?: number) => switchEndpoint({ resource: 'app-db', address, port, execution: EXECUTION }, deps(policy));
  const KEY = endpointRecordKey(EXECUTION, 'app-db');
  const NEW = 'app-db-failover.c1.ap-southeast-1.rds.amazonaws.com';
  const OLD = 'app-db.c0.ap-northeast-1.rds.amazonaws.com';

  it('SSM: writes host:port over the old value, records the switch first, reports the previous value', async () => {
    parameterIs(`${OLD}:5432`);
    expect(await run(ssmPolicy, NEW, 5432)).toEqual({ resource: 'app-db', target: 'ssm:/app/prod/database/host', previous: `${OLD}:5432`, current: `${NEW}:5432`, changed: true });
    expect(puts()).toEqual([{ Name: '/app/prod/database/host', Value: `${NEW}:5432`, Overwrite: true }]);
    expect(KEY).toBe('endpoints/backup-dr-prod-region-failover/failover-1/app-db.json');
    expect(JSON.parse(s3.read(BUCKET, KEY) ?? '')).toEqual({ target: 'ssm:/app/prod/database/host', previous: `${OLD}:5432`, current: `${NEW}:5432` });
  });

  it('a re-run of the same execution (after a partial failure) writes nothing and still reports the value before its first switch', async () => {
    parameterIs(OLD);
    await run(ssmPolicy, NEW);
    parameterIs(NEW);
    expect(await run(ssmPolicy, NEW)).toEqual({ resource: 'app-db', target: 'ssm:/app/prod/database/host', previous: OLD, current: NEW, changed: false });
    expect(puts()).toHaveLength(1);
  });

  it('an undo (the old address again) records anew: its previous is the recovered address', async () => {
    parameterIs(OLD);
    await run(ssmPolicy, NEW);
    parameterIs(NEW);
    expect(await run(ssmPolicy, OLD)).toMatchObject({ previous: NEW, current: OLD, changed: true });
  });

  it('Route 53: UPSERT of the simple CNAME in the policy\'s zone with its TTL; the change id to wait on', async () => {
    route53Mock.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [{ Name: 'db.internal.example.com.', Type: 'CNAME', TTL: 30, ResourceRecords: [{ Value: OLD }] }], IsTruncated: false, MaxItems: 1 });
    route53Mock.on(ChangeResourceRecordSetsCommand).resolves({ ChangeInfo: { Id: '/change/C2682N5HXP0BZ4', Status: 'PENDING', SubmittedAt: new Date() } });
    expect(await run(route53Policy, NEW)).toEqual({ resource: 'app-db', target: 'route53:db.internal.example.com', previous: OLD, current: NEW, changed: true, changeId: '/change/C2682N5HXP0BZ4', insync: false });
    expect(route53Mock.commandCalls(ListResourceRecordSetsCommand).map((c) => c.args[0].input)).toEqual([{ HostedZoneId: ZONE, StartRecordName: 'DB.internal.example.com.', StartRecordType: 'CNAME', MaxItems: 1 }]);
    expect(route53Mock.commandCalls(ChangeResourceRecordSetsCommand).map((c) => c.args[0].input)).toEqual([
      {
        HostedZoneId: ZONE,
        ChangeBatch: {
          Comment: `backup-dr failover-1: app-db to ${NEW}`,
          Changes: [{ Action: 'UPSERT', ResourceRecordSet: { Name: 'DB.internal.example.com.', Type: 'CNAME', TTL: 30, ResourceRecords: [{ Value: NEW }] } }],
        },
      },
    ]);
    expect(ssmMock.calls()).toEqual([]);
  });

  it('Route 53: a record that points there already (compared as DNS compares names) is not changed', async () => {
    route53Mock.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [{ Name: 'db.internal.example.com.', Type: 'CNAME', TTL: 30, ResourceRecords: [{ Value: `${NEW.toUpperCase()}.` }] }] });
    expect(await run(route53Policy, NEW)).toMatchObject({ changed: false, insync: true });
    expect(route53Mock).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
  });

  it('Route 53: a missing record is created (previous null); the next record in the zone is not mistaken for it', async () => {
    route53Mock.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [{ Name: 'dc.internal.example.com.', Type: 'CNAME', ResourceRecords: [{ Value: 'x.example.com' }] }] });
    route53Mock.on(ChangeResourceRecordSetsCommand).resolves({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() } });
    expect(await run(route53Policy, NEW)).toMatchObject({ previous: null, changed: true });
  });

  it('Route 53: an alias or weighted record is refused (UPSERT would replace it), nothing changed', async () => {
    route53Mock.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [{ Name: 'db.internal.example.com.', Type: 'CNAME', SetIdentifier: 'blue', Weight: 50, ResourceRecords: [{ Value: OLD }] }] });
    await expect(run(route53Policy, NEW)).rejects.toThrow('DB.internal.example.com. is an alias or a routing-policy record (blue)');
    expect(s3.requests()).toEqual([]);
    expect(route53Mock).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
  });

  it('Route 53: a port or an IP address is refused naming the field, before anything is read', async () => {
    await expect(run(route53Policy, NEW, 5432)).rejects.toThrow('port: a Route 53 CNAME holds a host name only');
    await expect(run(route53Policy, '10.0.0.12')).rejects.toThrow('address: a CNAME points at a host name, not an IP address');
    expect(route53Mock.calls()).toEqual([]);
  });

  it('a resource not in the policy, or without an endpoint, is refused naming resource; nothing sent', async () => {
    await expect(switchEndpoint({ resource: 'nope', address: NEW, execution: EXECUTION }, deps(ssmPolicy))).rejects.toThrow('resource: no database or cache named "nope" in the policy');
    const noEndpoint = teamPolicy((d) => { delete d.resources.databases[0].endpoint; });
    await expect(run(noEndpoint, NEW)).rejects.toThrow('resource: app-db has no endpoint in the policy');
    expect(ssmMock.calls()).toEqual([]);
    expect(s3.requests()).toEqual([]);
  });

  it.each([
    [{ resource: 'app-db', address: 'host name with spaces', execution: ARN }, 'address: must be a host name'],
    [{ resource: 'app-db', address: 'a.example.com', port: 70000, execution: ARN }, 'port: must be a port number (1–65535)'],
    [{ resource: 'app-db', address: 'a.example.com', port: '5432', execution: ARN }, 'port: must be a port number'],
    [{ resource: 'app-db', address: 'a.example.com' }, 'execution: must be a non-empty string'],
    [{ resource: '', address: 'a.example.com', execution: ARN }, 'resource: must be a non-empty string'],
  ])('bad input %j is refused naming the field', (input, message) => {
    expect(() => parseInput(switchEndpointInput, input)).toThrow(message);
  });
});

describe('check-endpoint-change', () => {
  it('INSYNC: done', async () => {
    route53Mock.on(GetChangeCommand).resolves({ ChangeInfo: { Id: '/change/C1', Status: 'INSYNC', SubmittedAt: new Date() } });
    expect(await checkEndpointChange('/change/C1', route53)).toEqual({ changeId: '/change/C1', status: 'INSYNC', insync: true });
    expect(route53Mock.commandCalls(GetChangeCommand).map((c) => c.args[0].input)).toEqual([{ Id: '/change/C1' }]);
  });

  it('PENDING: EndpointChangePending, the error the state machine retries on', async () => {
    route53Mock.on(GetChangeCommand).resolves({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() } });
    await expect(checkEndpointChange('/change/C1', route53)).rejects.toMatchObject({ name: 'EndpointChangePending', message: 'Route 53 change /change/C1 is PENDING, not yet INSYNC' });
  });
});
