// check-schedules: every schedule the region's deployment declares must be listed by EventBridge
// Scheduler and ENABLED — judged pure, read through ListSchedules (aws-sdk-client-mock: the exact
// commands, every page), alerted once per change through the posture memory and resolved when fixed,
// with the records its alarms watch (PostureFindings per component, SchedulesChecked every run).

import { ListSchedulesCommand, SchedulerClient, type ScheduleSummary } from '@aws-sdk/client-scheduler';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { checkSchedules, listStageSchedules } from '../../functions/platform/check-schedules/check-schedules.js';
import { handler } from '../../functions/platform/check-schedules/handler.js';
import { assessSchedules } from '../../functions/platform/check-schedules/plan.js';
import { ENV, METRICS_NAMESPACE, SERVICE } from '../../shared/contracts.js';
import { log, logger, setRuntime } from '../../shared/runtime/lambda.js';
import { encodeDeclaredSchedules, parseDeclaredSchedules } from '../../shared/schedule/declared.js';
import { lambdaContext } from '../../sandbox/lambda-context.js';
import { RecordingAlerts, RecordingLog, teamPolicy } from '../helpers/runtime.js';

const REGION = 'ap-northeast-1';
const PREFIX = 'backup-dr-prod-';
const NOW = Date.parse('2026-12-01T07:00:00+09:00');
const DAY = 86_400_000;
const DECLARED = {
  platform: [`${PREFIX}janitor`, `${PREFIX}check-schedules`],
  rds: [`${PREFIX}capture-db-manifest-app-db`, `${PREFIX}capture-db-manifest`, `${PREFIX}restore-test-app-db`],
};
const summary = (Name: string, State: 'ENABLED' | 'DISABLED' = 'ENABLED'): ScheduleSummary => ({ Name, State, GroupName: 'default', Arn: `arn:aws:scheduler:${REGION}:123456789012:schedule/default/${Name}` });
const allEnabled = () => Object.values(DECLARED).flat().map((name) => summary(name));
// The classes, so that the handler's own clients are stubbed too.
const schedulerMock = mockClient(SchedulerClient);
const s3Mock = mockClient(S3Client);

describe('assessSchedules', () => {
  it('finds nothing when every declared schedule is listed ENABLED, and ignores listed schedules nobody declared', () => {
    const listed = [...allEnabled().map((s) => ({ name: s.Name!, state: s.State })), { name: 'backup-dr-prod-eu-janitor', state: 'DISABLED' }, { name: `${PREFIX}made-by-hand`, state: 'DISABLED' }];
    expect(assessSchedules(DECLARED, listed)).toEqual([
      { component: 'platform', declared: 2, findings: [] },
      { component: 'rds', declared: 3, findings: [] },
    ]);
  });

  it('makes a missing and a DISABLED schedule a critical finding of its component, one memory key per schedule', () => {
    const listed = allEnabled()
      .filter((s) => s.Name !== `${PREFIX}restore-test-app-db`)
      .map((s) => ({ name: s.Name!, state: s.Name === `${PREFIX}capture-db-manifest-app-db` ? 'DISABLED' : s.State }));
    const [platform, rds] = assessSchedules(DECLARED, listed);
    expect(platform!.findings).toEqual([]);
    expect(rds!.findings).toEqual([
      expect.objectContaining({ severity: 'critical', check: `schedule:${PREFIX}capture-db-manifest-app-db`, state: 'DISABLED', summary: `the schedule ${PREFIX}capture-db-manifest-app-db is DISABLED, not ENABLED: what it starts does not run` }),
      expect.objectContaining({ severity: 'critical', check: `schedule:${PREFIX}restore-test-app-db`, state: 'missing', summary: `the schedule ${PREFIX}restore-test-app-db is gone: what it started no longer runs` }),
    ]);
  });

  it('reads a listed schedule without a state as not enabled', () => {
    expect(assessSchedules({ platform: [`${PREFIX}janitor`] }, [{ name: `${PREFIX}janitor`, state: undefined }])[0]!.findings.map((f) => f.state)).toEqual(['unknown']);
  });
});

describe('DECLARED_SCHEDULES', () => {
  it('carries the names without the prefix, by component, and reads back the full names', () => {
    const encoded = encodeDeclaredSchedules(PREFIX, [
      { name: `${PREFIX}janitor`, component: 'platform' },
      { name: `${PREFIX}capture-db-manifest-app-db`, component: 'rds' },
      { name: `${PREFIX}check-schedules`, component: 'platform' },
    ]);
    expect(JSON.parse(encoded)).toEqual({ platform: ['janitor', 'check-schedules'], rds: ['capture-db-manifest-app-db'] });
    expect(parseDeclaredSchedules(encoded, PREFIX)).toEqual({ platform: [`${PREFIX}janitor`, `${PREFIX}check-schedules`], rds: [`${PREFIX}capture-db-manifest-app-db`] });
  });

  it.each([
    ['not JSON', '{platform', 'DECLARED_SCHEDULES', 'is not JSON'],
    ['a list', '["janitor"]', 'DECLARED_SCHEDULES', 'must be an object of schedule names by component'],
    ['an empty list', '{"rds":[]}', 'DECLARED_SCHEDULES.rds', 'must be a non-empty list of schedule names'],
    ['a name that is not a string', '{"rds":["a",3]}', 'DECLARED_SCHEDULES.rds', 'must be a non-empty list of schedule names'],
    ['a name twice', '{"rds":["a"],"redis":["a"]}', 'DECLARED_SCHEDULES.redis', `names ${PREFIX}a twice`],
  ])('refuses %s, naming the variable', (_what, text, field, message) => {
    expect(() => parseDeclaredSchedules(text, PREFIX)).toThrow(expect.objectContaining({ name: 'InvalidInput', field, message: `${field}: ${message}` }));
  });
});

describe('check-schedules', () => {
  const scheduler = new SchedulerClient({ region: REGION });
  const s3 = new S3Client({ region: REGION });
  let memory: Map<string, string>;

  beforeEach(() => {
    schedulerMock.reset();
    s3Mock.reset();
    memory = new Map();
    // The reports bucket, as S3 keeps a memory object: 404 before the first write, then what was written.
    s3Mock.on(GetObjectCommand).callsFake(async (input: { Key: string }) => {
      const text = memory.get(input.Key);
      if (text === undefined) throw Object.assign(new Error('none'), { name: 'NoSuchKey' });
      return { Body: { transformToString: async () => text } as never, ETag: `"${text.length}"` };
    });
    s3Mock.on(PutObjectCommand).callsFake(async (input: { Key: string; Body: string }) => {
      memory.set(input.Key, input.Body);
      return { ETag: `"${input.Body.length}"` };
    });
  });

  const run = async (now = NOW, withMemory = true) => {
    const alerts = new RecordingAlerts();
    const report = await checkSchedules({ scheduler, stage: 'prod', region: REGION, declared: DECLARED, alerts, ...(withMemory ? { memory: { s3, bucket: 'reports' } } : {}), log: new RecordingLog(), now: () => now });
    return { report, alerts: alerts.published };
  };

  it('lists the stage\'s schedules of the default group by name prefix, page after page', async () => {
    const all = allEnabled();
    schedulerMock.on(ListSchedulesCommand).resolvesOnce({ Schedules: all.slice(0, 2), NextToken: 'page-2' }).resolvesOnce({ Schedules: all.slice(2, 4), NextToken: 'page-3' }).resolvesOnce({ Schedules: all.slice(4) });
    expect(await listStageSchedules(scheduler, 'prod')).toEqual(all.map((s) => ({ name: s.Name, state: 'ENABLED' })));
    expect(schedulerMock.commandCalls(ListSchedulesCommand).map((c) => c.args[0].input)).toEqual([
      { GroupName: 'default', NamePrefix: PREFIX, MaxResults: 100 },
      { GroupName: 'default', NamePrefix: PREFIX, MaxResults: 100, NextToken: 'page-2' },
      { GroupName: 'default', NamePrefix: PREFIX, MaxResults: 100, NextToken: 'page-3' },
    ]);
  });

  it('judges a schedule on a later page like one on the first: a DISABLED one there is found, extra ones ignored', async () => {
    const all = allEnabled();
    schedulerMock
      .on(ListSchedulesCommand)
      .resolvesOnce({ Schedules: [...all.slice(0, 3), summary('backup-dr-prod-eu-janitor', 'DISABLED')], NextToken: 't' })
      .resolvesOnce({ Schedules: [summary(`${PREFIX}restore-test-app-db`, 'DISABLED'), all[3]!] });
    const { report, alerts } = await run(NOW, false);
    expect(report.checked).toBe(5);
    expect(alerts.map((a) => [a.resource, a.region, a.kind, a.severity, a.details?.component, a.details?.schedule, a.details?.state])).toEqual([['schedules', REGION, 'posture', 'critical', 'rds', `${PREFIX}restore-test-app-db`, 'DISABLED']]);
  });

  it('alerts a disabled schedule once, a second one too, and resolves each when it is enabled again', async () => {
    const disabled = (names: string[]) => schedulerMock.on(ListSchedulesCommand).resolves({ Schedules: allEnabled().map((s) => (names.includes(s.Name!) ? { ...s, State: 'DISABLED' } : s)) });
    const manifest = `${PREFIX}capture-db-manifest-app-db`;
    const janitor = `${PREFIX}janitor`;

    disabled([manifest]);
    expect((await run(NOW)).alerts.map((a) => [a.details?.component, a.summary])).toEqual([['rds', `the schedule ${manifest} is DISABLED, not ENABLED: what it starts does not run`]]);
    // The next day: still disabled (silent), and the janitor's disabled too (alerted, as platform's).
    disabled([manifest, janitor]);
    expect((await run(NOW + DAY)).alerts.map((a) => [a.details?.component, a.details?.schedule])).toEqual([['platform', janitor]]);
    // Enabled again: one resolution each, nothing else.
    disabled([]);
    const fixed = await run(NOW + 2 * DAY);
    expect(fixed.alerts.map((a) => [a.severity, a.details?.component, a.details?.resolved, a.summary])).toEqual([
      ['info', 'platform', true, `resolved: the schedule ${janitor} is DISABLED, not ENABLED: what it starts does not run`],
      ['info', 'rds', true, `resolved: the schedule ${manifest} is DISABLED, not ENABLED: what it starts does not run`],
    ]);
    // One memory per component, under the resource "schedules".
    expect([...memory.keys()].sort()).toEqual([`posture/platform/${REGION}/schedules.json`, `posture/rds/${REGION}/schedules.json`]);
    expect((await run(NOW + 3 * DAY)).alerts).toEqual([]);
  });

  it('alerts again when a disabled schedule is deleted (what it says changed)', async () => {
    const manifest = `${PREFIX}capture-db-manifest-app-db`;
    schedulerMock.on(ListSchedulesCommand).resolves({ Schedules: allEnabled().map((s) => (s.Name === manifest ? { ...s, State: 'DISABLED' } : s)) });
    await run(NOW);
    schedulerMock.on(ListSchedulesCommand).resolves({ Schedules: allEnabled().filter((s) => s.Name !== manifest) });
    expect((await run(NOW + DAY)).alerts.map((a) => [a.summary, a.details?.changed])).toEqual([[`the schedule ${manifest} is gone: what it started no longer runs`, true]]);
  });

  it('fails, sending nothing, when the schedules cannot be listed (the handler alerts the error)', async () => {
    schedulerMock.on(ListSchedulesCommand).rejects(Object.assign(new Error('not authorized to perform scheduler:ListSchedules'), { name: 'AccessDeniedException' }));
    await expect(run(NOW)).rejects.toThrow('not authorized');
    expect(s3Mock.commandCalls(PutObjectCommand)).toEqual([]);
  });
});

describe('check-schedules handler: the records its alarms watch', () => {
  const saved = { dev: process.env.POWERTOOLS_DEV, disabled: process.env.POWERTOOLS_METRICS_DISABLED };
  let out: MockInstance<typeof console.log>;

  beforeEach(() => {
    schedulerMock.reset();
    s3Mock.reset();
    process.env.POWERTOOLS_DEV = 'true';
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    process.env[ENV.reportsBucket] = 'reports';
    out = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => {
    out.mockRestore();
    delete process.env[ENV.declaredSchedules];
  });
  afterAll(() => {
    for (const [key, value] of [['POWERTOOLS_DEV', saved.dev], ['POWERTOOLS_METRICS_DISABLED', saved.disabled]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    setRuntime(undefined);
  });

  const records = () =>
    out.mock.calls
      .map((call) => String(call[0]))
      .filter((line) => line.includes('"_aws"'))
      .map((line) => {
        const emf = JSON.parse(line) as { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] } } & Record<string, unknown>;
        const directive = emf._aws.CloudWatchMetrics[0]!;
        return { namespace: directive.Namespace, dimensions: [...directive.Dimensions[0]!].sort(), metric: directive.Metrics[0]!.Name, component: emf.component, resource: emf.resource, region: emf.region, value: emf[directive.Metrics[0]!.Name] };
      });

  it('writes PostureFindings per component and SchedulesChecked for the run (component, resource, region)', async () => {
    const alerts = new RecordingAlerts();
    setRuntime({ stage: 'prod', policy: teamPolicy(), role: 'primary', region: REGION, alerts, logger, log, metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE }), now: () => NOW });
    process.env[ENV.declaredSchedules] = JSON.stringify({ platform: ['janitor', 'check-schedules'], rds: ['capture-db-manifest-app-db'] });
    schedulerMock.on(ListSchedulesCommand).resolves({ Schedules: [summary(`${PREFIX}janitor`), summary(`${PREFIX}check-schedules`)] });
    s3Mock.on(GetObjectCommand).rejects(Object.assign(new Error('none'), { name: 'NoSuchKey' }));
    s3Mock.on(PutObjectCommand).resolves({ ETag: '"e"' });
    await handler({}, lambdaContext('check-schedules'));
    const dims = ['component', 'region', 'resource', 'service'];
    expect(records().map((r) => [r.namespace, r.metric, r.dimensions, r.component, r.resource, r.region, r.value])).toEqual([
      [METRICS_NAMESPACE, 'PostureFindings', dims, 'platform', 'schedules', REGION, 0],
      [METRICS_NAMESPACE, 'PostureFindings', dims, 'rds', 'schedules', REGION, 1],
      [METRICS_NAMESPACE, 'SchedulesChecked', dims, 'platform', 'schedules', REGION, 3],
    ]);
    expect(alerts.published.map((a) => a.summary)).toEqual([`the schedule ${PREFIX}capture-db-manifest-app-db is gone: what it started no longer runs`]);
  });

  it('refuses a malformed DECLARED_SCHEDULES before calling Scheduler, and alerts the error', async () => {
    const alerts = new RecordingAlerts();
    setRuntime({ stage: 'prod', policy: teamPolicy(), role: 'primary', region: REGION, alerts, logger, log, metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE }), now: () => NOW });
    process.env[ENV.declaredSchedules] = '{"rds":[]}';
    await expect(handler({}, lambdaContext('check-schedules'))).rejects.toThrow('DECLARED_SCHEDULES.rds: must be a non-empty list of schedule names');
    expect(schedulerMock.commandCalls(ListSchedulesCommand)).toEqual([]);
    expect(alerts.published.map((a) => [a.kind, a.summary])).toEqual([['function-error', 'check-schedules failed: InvalidInput']]);
    expect(records()).toEqual([]);
  });
});
