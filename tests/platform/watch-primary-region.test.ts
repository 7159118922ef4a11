// The watch on the primary region: the round verdict and the consecutive-failure counter (pure), the
// HTTPS probe against a real local HTTPS server (a self-signed certificate for localhost, trusted as the
// probe's CA), the API probe's "any answer is an answer", and whole rounds through the state object
// (aws-sdk-client-mock): alerted once after failuresBeforeAlert, failover proposed under one name, a
// duplicate round counted once, "answering again" once.

import { DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { decideRound, INITIAL_STATE, proposalName, roundFailed, type ProbeResult, type WatchState } from '../../functions/platform/watch-primary-region/plan.js';
import { probeApi, probeUrl } from '../../functions/platform/watch-primary-region/probe.js';
import { watchPrimaryRegion, type WatchDeps } from '../../functions/platform/watch-primary-region/watch-primary-region.js';
import { handler } from '../../functions/platform/watch-primary-region/handler.js';
import { lambdaContext } from '../../sandbox/lambda-context.js';
import { log, logger, metrics, setRuntime } from '../../shared/runtime/lambda.js';
import { RecordingAlerts, RecordingLog, teamPolicy } from '../helpers/runtime.js';

const PRIMARY = 'ap-northeast-1';
const SECONDARY = 'ap-southeast-1';
const MIN = 60_000;
const T0 = Date.parse('2026-12-03T01:05:00Z');
const down: ProbeResult = { probe: 'rds:app-db-prod', answered: false, detail: 'TimeoutError' };
const up: ProbeResult = { probe: 'rds:app-db-prod', answered: true, detail: 'answered' };

describe('decideRound', () => {
  const round = (previous: WatchState, at: number, results: ProbeResult[], proposeFailover = false) => decideRound({ previous, at, results, failuresBeforeAlert: 3, proposeFailover });

  it('fails a round only when no probe answered', () => {
    expect(roundFailed([down, { ...down, probe: 'https://app.example.com/health' }])).toBe(true);
    expect(roundFailed([down, up])).toBe(false);
    expect(roundFailed([])).toBe(false);
  });

  it('counts failed rounds in a row, alerts at the third only, and remembers when the outage began', () => {
    const first = round(INITIAL_STATE, T0, [down]);
    const second = round(first.state, T0 + 5 * MIN, [down]);
    const third = round(second.state, T0 + 10 * MIN, [down]);
    const fourth = round(third.state, T0 + 15 * MIN, [down]);
    expect([first, second, third, fourth].map((d) => [d.state.consecutiveFailures, d.actions.map((a) => a.kind)])).toEqual([
      [1, []],
      [2, []],
      [3, ['alert-down']],
      [4, []],
    ]);
    expect(third.actions[0]).toEqual({ kind: 'alert-down', failures: 3, since: T0 });
    expect(fourth.state).toEqual(expect.objectContaining({ outageStartedAt: T0, alerted: true }));
  });

  it('an answering round resets the count: failures must be consecutive', () => {
    let state = round(INITIAL_STATE, T0, [down]).state;
    state = round(state, T0 + 5 * MIN, [down]).state;
    state = round(state, T0 + 10 * MIN, [down, up]).state;
    expect(state.consecutiveFailures).toBe(0);
    const again = round(round(state, T0 + 15 * MIN, [down]).state, T0 + 20 * MIN, [down]);
    expect([again.state.consecutiveFailures, again.actions, again.state.outageStartedAt]).toEqual([2, [], T0 + 15 * MIN]);
  });

  it('a round at or before the last counted one is a duplicate: nothing changes', () => {
    const first = round(INITIAL_STATE, T0, [down]);
    expect(round(first.state, T0, [down])).toEqual({ counted: false, state: first.state, actions: [] });
    expect(round(first.state, T0 - 5 * MIN, [down]).counted).toBe(false);
  });

  it('says "answering again" once after an alerted outage, and nothing after one that never alerted', () => {
    let state = INITIAL_STATE;
    for (let i = 0; i < 3; i++) state = round(state, T0 + i * 5 * MIN, [down]).state;
    const recovered = round(state, T0 + 15 * MIN, [up]);
    expect(recovered.actions).toEqual([{ kind: 'alert-up', since: T0, failures: 3 }]);
    expect(recovered.state).toEqual({ ...INITIAL_STATE, lastRoundAt: T0 + 15 * MIN, lastResults: [up] });
    expect(round(recovered.state, T0 + 20 * MIN, [up]).actions).toEqual([]);
    const brief = round(round(INITIAL_STATE, T0, [down]).state, T0 + 5 * MIN, [up]);
    expect(brief.actions).toEqual([]);
  });

  it('with proposeFailover, proposes under the outage\'s name until a start succeeded', () => {
    let state = INITIAL_STATE;
    for (let i = 0; i < 2; i++) state = round(state, T0 + i * 5 * MIN, [down], true).state;
    const third = round(state, T0 + 10 * MIN, [down], true);
    expect(third.actions).toEqual([
      { kind: 'alert-down', failures: 3, since: T0 },
      { kind: 'propose-failover', executionName: 'primary-down-20261203T0105Z', since: T0 },
    ]);
    // The start failed (no failoverExecution remembered): the next round proposes the same name again, without alerting again.
    expect(round(third.state, T0 + 15 * MIN, [down], true).actions).toEqual([{ kind: 'propose-failover', executionName: 'primary-down-20261203T0105Z', since: T0 }]);
    expect(round({ ...third.state, failoverExecution: 'primary-down-20261203T0105Z' }, T0 + 15 * MIN, [down], true).actions).toEqual([]);
  });

  it('names the proposal a valid Step Functions execution name, the same for every round of one outage', () => {
    expect(proposalName(T0)).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
    expect(proposalName(T0 + 59_000)).toBe(proposalName(T0));
  });
});

describe('probeUrl against a real HTTPS server', () => {
  const fixtures = new URL('./fixtures/', import.meta.url);
  const cert = readFileSync(new URL('localhost-cert.pem', fixtures));
  const key = readFileSync(new URL('localhost-key.pem', fixtures));
  let server: Server;
  let base: string;
  const open = new Set<import('node:stream').Duplex>();

  beforeAll(async () => {
    server = createServer({ cert, key }, (req, res) => {
      if (req.url === '/hang') return; // never answers
      const status = Number(req.url?.slice(1)) || 200;
      res.writeHead(status, status === 301 ? { location: '/200' } : {});
      res.end('body that is never read');
    });
    server.on('connection', (socket) => {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `https://localhost:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const socket of open) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const probe = (path: string, timeoutMs = 2_000) => probeUrl(`${base}${path}`, { timeoutMs, ca: cert });

  it('answers on 2xx and 3xx (a redirect is not followed), not on 4xx or 5xx', async () => {
    expect(await probe('/200')).toEqual({ probe: `${base}/200`, answered: true, detail: 'HTTP 200' });
    expect(await probe('/301')).toEqual(expect.objectContaining({ answered: true, detail: 'HTTP 301' }));
    expect(await probe('/404')).toEqual(expect.objectContaining({ answered: false, detail: 'HTTP 404' }));
    expect(await probe('/503')).toEqual(expect.objectContaining({ answered: false, detail: 'HTTP 503' }));
  });

  it('gives up on a server that accepts but never answers, within its timeout', async () => {
    const started = Date.now();
    expect(await probe('/hang', 300)).toEqual(expect.objectContaining({ answered: false, detail: 'no answer within 300 ms' }));
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('does not answer when the certificate is not trusted, the port is closed, or the URL is not https', async () => {
    expect(await probeUrl(`${base}/200`, { timeoutMs: 2_000 })).toEqual(expect.objectContaining({ answered: false, detail: 'DEPTH_ZERO_SELF_SIGNED_CERT' }));
    const closed = createServer({ cert, key });
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await probeUrl(`https://localhost:${port}/`, { timeoutMs: 2_000, ca: cert })).toEqual(expect.objectContaining({ answered: false, detail: 'ECONNREFUSED' }));
    expect(await probeUrl(`http://localhost:${port}/`, { timeoutMs: 2_000 })).toEqual(expect.objectContaining({ answered: false, detail: 'TypeError' }));
  });
});

describe('probeApi', () => {
  const failing = (name: string, status?: number) => () => Promise.reject(Object.assign(new Error(name), { name, ...(status === undefined ? {} : { $metadata: { httpStatusCode: status } }) }));

  it('any answer of the service is an answer; a 5xx or no response is not', async () => {
    expect(await probeApi('rds:x', () => Promise.resolve({}))).toEqual({ probe: 'rds:x', answered: true, detail: 'answered' });
    expect(await probeApi('rds:x', failing('DBInstanceNotFoundFault', 404))).toEqual({ probe: 'rds:x', answered: true, detail: 'answered DBInstanceNotFoundFault (HTTP 404)' });
    expect((await probeApi('rds:x', failing('AccessDenied', 403))).answered).toBe(true);
    expect(await probeApi('rds:x', failing('InternalFailure', 503))).toEqual({ probe: 'rds:x', answered: false, detail: 'InternalFailure (HTTP 503)' });
    expect(await probeApi('rds:x', failing('TimeoutError'))).toEqual({ probe: 'rds:x', answered: false, detail: 'TimeoutError' });
  });
});

describe('watch-primary-region', () => {
  const ARN = `arn:aws:states:${SECONDARY}:123456789012:stateMachine:backup-dr-test-region-failover`;
  const rds = new RDSClient({ region: PRIMARY });
  const elasticache = new ElastiCacheClient({ region: PRIMARY });
  const sfn = new SFNClient({ region: SECONDARY });
  const s3 = new S3Client({ region: SECONDARY });
  const mocks = { rds: mockClient(rds), ec: mockClient(elasticache), sfn: mockClient(sfn), s3: mockClient(s3) };
  let stored: { body: string; etag: string } | undefined;
  let urlAnswers: boolean;

  const policyWith = (proposeFailover: boolean) =>
    teamPolicy((doc) => {
      doc.recovery.primaryHealth = { urls: ['https://app.example.com/health'], failuresBeforeAlert: 3, proposeFailover };
    });

  beforeEach(() => {
    for (const m of Object.values(mocks)) m.reset();
    stored = undefined;
    urlAnswers = true;
    let etags = 0;
    mocks.s3.on(GetObjectCommand).callsFake(async () => {
      if (stored === undefined) throw Object.assign(new Error('none'), { name: 'NoSuchKey' });
      const { body, etag } = stored;
      return { Body: { transformToString: async () => body } as never, ETag: etag };
    });
    mocks.s3.on(PutObjectCommand).callsFake(async (input: { Body: string; IfMatch?: string; IfNoneMatch?: string }) => {
      if ((input.IfNoneMatch === '*' && stored !== undefined) || (input.IfMatch !== undefined && stored?.etag !== input.IfMatch)) throw Object.assign(new Error('precondition'), { name: 'PreconditionFailed' });
      stored = { body: input.Body, etag: `"e${++etags}"` };
      return { ETag: stored.etag };
    });
    mocks.rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: 'app-db-prod' }] });
    mocks.ec.on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: [{ ReplicationGroupId: 'app-redis-prod' }] });
    mocks.sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:x`, startDate: new Date(T0) });
  });

  function primaryGone(): void {
    urlAnswers = false;
    const timeout = Object.assign(new Error('timed out'), { name: 'TimeoutError' });
    mocks.rds.on(DescribeDBInstancesCommand).rejects(timeout);
    mocks.ec.on(DescribeReplicationGroupsCommand).rejects(timeout);
  }

  const run = async (at: number, proposeFailover = true) => {
    const alerts = new RecordingAlerts();
    const deps: WatchDeps = {
      policy: policyWith(proposeFailover),
      stage: 'test',
      probeUrl: async (url) => ({ probe: url, answered: urlAnswers, detail: urlAnswers ? 'HTTP 200' : 'ECONNREFUSED' }),
      primaryRds: rds,
      primaryElastiCache: elasticache,
      sfn,
      regionFailoverArn: ARN,
      s3,
      bucket: 'reports',
      alerts,
      log: new RecordingLog(),
    };
    const outcome = await watchPrimaryRegion(deps, at, at + 20_000);
    return { outcome, alerts: alerts.published };
  };

  it('probes the source instance and replication group in the primary: cheap reads, nothing else', async () => {
    await run(T0);
    expect(mocks.rds.commandCalls(DescribeDBInstancesCommand).map((c) => c.args[0].input)).toEqual([{ DBInstanceIdentifier: 'app-db-prod' }]);
    expect(mocks.ec.commandCalls(DescribeReplicationGroupsCommand).map((c) => c.args[0].input)).toEqual([{ ReplicationGroupId: 'app-redis-prod' }]);
    expect(mocks.sfn.calls()).toEqual([]);
  });

  it('after three silent rounds alerts once and starts region-failover under the outage\'s name; a repeat is a no-op', async () => {
    primaryGone();
    const rounds = [];
    for (let i = 0; i < 3; i++) rounds.push(await run(T0 + i * 5 * MIN));
    expect(rounds.map((r) => [r.outcome.state.consecutiveFailures, r.alerts.length])).toEqual([
      [1, 0],
      [2, 0],
      [3, 1],
    ]);
    const alert = rounds[2]!.alerts[0]!;
    expect([alert.severity, alert.kind, alert.resource, alert.region, alert.summary]).toEqual([
      'critical',
      'primary-region-down',
      'primary-region',
      PRIMARY,
      `primary region ${PRIMARY} not answering: nothing answered 3 rounds in a row since 2026-12-03T01:05:00.000Z`,
    ]);
    expect(alert.details?.probes).toBe('https://app.example.com/health: ECONNREFUSED; rds:app-db-prod: TimeoutError; elasticache:app-redis-prod: TimeoutError');
    expect(alert.action).toMatch(/backup-dr-test-region-failover in ap-southeast-1\) has been started and waits for approval/);
    expect(mocks.sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input)).toEqual([{ stateMachineArn: ARN, name: 'primary-down-20261203T0105Z', input: '{"mode":"failover"}' }]);
    expect(JSON.parse(stored!.body)).toEqual(expect.objectContaining({ consecutiveFailures: 3, alerted: true, failoverExecution: 'primary-down-20261203T0105Z', outageStartedAt: T0 }));

    // The same round again (a retried invocation): nothing probed, nothing alerted, nothing started.
    const probesBefore = mocks.rds.commandCalls(DescribeDBInstancesCommand).length;
    const repeat = await run(T0 + 10 * MIN);
    expect([repeat.outcome.counted, repeat.alerts, mocks.rds.commandCalls(DescribeDBInstancesCommand).length]).toEqual([false, [], probesBefore]);

    // Still down: counted, but already alerted and proposed.
    const fourth = await run(T0 + 15 * MIN);
    expect([fourth.outcome.state.consecutiveFailures, fourth.alerts, mocks.sfn.commandCalls(StartExecutionCommand).length]).toEqual([4, [], 1]);
  });

  it('says "answering again" once when the primary is back, then stays quiet without writing', async () => {
    primaryGone();
    for (let i = 0; i < 3; i++) await run(T0 + i * 5 * MIN, false);
    mocks.rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
    const back = await run(T0 + 15 * MIN, false);
    expect(back.alerts.map((a) => [a.severity, a.summary, a.details?.resolved])).toEqual([['info', `primary region ${PRIMARY} answering again (not answering since 2026-12-03T01:05:00.000Z, 3 rounds)`, true]]);
    const writes = mocks.s3.commandCalls(PutObjectCommand).length;
    const quiet = await run(T0 + 20 * MIN, false);
    expect([quiet.alerts, mocks.s3.commandCalls(PutObjectCommand).length]).toEqual([[], writes]);
    // Without proposeFailover nothing is started.
    expect(mocks.sfn.calls()).toEqual([]);
  });

  it('one answering probe keeps the primary "answering": the RDS API answering "not found" is an answer', async () => {
    primaryGone();
    mocks.rds.on(DescribeDBInstancesCommand).rejects(Object.assign(new Error('nf'), { name: 'DBInstanceNotFoundFault', $metadata: { httpStatusCode: 404 } }));
    for (let i = 0; i < 4; i++) expect((await run(T0 + i * 5 * MIN)).outcome.state.consecutiveFailures).toBe(0);
  });

  it('an execution that already exists for this outage is fine; a failed start alerts once and is retried every round', async () => {
    primaryGone();
    mocks.sfn.on(StartExecutionCommand).rejects(Object.assign(new Error('missing'), { name: 'StateMachineDoesNotExist' }));
    for (let i = 0; i < 3; i++) await run(T0 + i * 5 * MIN);
    const fourth = await run(T0 + 15 * MIN);
    expect(fourth.alerts).toEqual([]);
    expect(mocks.sfn.commandCalls(StartExecutionCommand).length).toBe(2);
    mocks.sfn.on(StartExecutionCommand).rejects(Object.assign(new Error('exists'), { name: 'ExecutionAlreadyExists' }));
    await run(T0 + 20 * MIN);
    expect(JSON.parse(stored!.body)).toEqual(expect.objectContaining({ failoverExecution: 'primary-down-20261203T0105Z', proposalError: null }));
    await run(T0 + 25 * MIN);
    expect(mocks.sfn.commandCalls(StartExecutionCommand).length).toBe(3);
  });

  it('alerts the failed start once, naming the error', async () => {
    primaryGone();
    mocks.sfn.on(StartExecutionCommand).rejects(Object.assign(new Error('missing'), { name: 'StateMachineDoesNotExist' }));
    const rounds = [];
    for (let i = 0; i < 3; i++) rounds.push(await run(T0 + i * 5 * MIN));
    expect(rounds[2]!.alerts.map((a) => [a.severity, a.summary])).toEqual([
      ['critical', `primary region ${PRIMARY} not answering: nothing answered 3 rounds in a row since 2026-12-03T01:05:00.000Z`],
      ['critical', 'could not start region-failover (primary-down-20261203T0105Z): StateMachineDoesNotExist'],
    ]);
  });

  it('refuses to run without a recovery section, before reading or probing anything', async () => {
    const deps = { policy: teamPolicy((doc) => delete doc.recovery), stage: 'test', probeUrl: async () => up, primaryRds: rds, primaryElastiCache: elasticache, sfn, regionFailoverArn: ARN, s3, bucket: 'reports', alerts: new RecordingAlerts(), log: new RecordingLog() };
    await expect(watchPrimaryRegion(deps, T0, T0)).rejects.toMatchObject({ name: 'ConfigurationError', message: expect.stringMatching(/^recovery: /) });
    expect([mocks.s3.calls(), mocks.rds.calls()]).toEqual([[], []]);
  });

  it('two runs of one round at once count it once and alert once', async () => {
    primaryGone();
    for (let i = 0; i < 2; i++) await run(T0 + i * 5 * MIN);
    const [a, b] = await Promise.all([run(T0 + 10 * MIN), run(T0 + 10 * MIN)]);
    expect([...a.alerts, ...b.alerts].filter((x) => x.severity === 'critical')).toHaveLength(1);
    expect(JSON.parse(stored!.body).consecutiveFailures).toBe(3);
    expect(mocks.sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });
});

describe('watch-primary-region handler', () => {
  afterAll(() => setRuntime(undefined));

  it('refuses a bad scheduled time or an unknown field, naming it, before anything is read or probed', async () => {
    // Every S3 client (the handler makes its own): wrapped only now, after the instance mocks above.
    const s3Mock = mockClient(S3Client);
    onTestFinished(() => s3Mock.restore());
    const alerts = new RecordingAlerts();
    setRuntime({ stage: 'test', policy: teamPolicy(), role: 'secondary', region: SECONDARY, alerts, logger, log, metrics, now: () => T0 });
    await expect(handler({ scheduledTime: 'yesterday' }, lambdaContext('watch-primary-region'))).rejects.toMatchObject({ name: 'InvalidInput', field: 'scheduledTime' });
    await expect(handler({ resources: ['app-db'] }, lambdaContext('watch-primary-region'))).rejects.toMatchObject({ name: 'InvalidInput', field: 'resources' });
    expect(s3Mock.calls()).toEqual([]);
    // The failure reaches the alerts topic like every scheduled function's.
    expect(alerts.published.map((a) => [a.kind, a.source])).toEqual([
      ['function-error', 'watch-primary-region'],
      ['function-error', 'watch-primary-region'],
    ]);
  });
});
