// Noticing failures (issue 8): every function has a Throttles alarm and — unless its state machine
// retries its errors by design — an Errors alarm; every asynchronously invoked function records a failed
// invocation in an encrypted on-failure queue its role may write to; and every dead-letter or failure
// queue alarms as soon as it holds a message. All alarms go to the alerts topic, with a one-line runbook,
// and their names say the component, the function or queue, and the region.
import { describe, expect, it } from 'vitest';
import { lambdaLogicalId } from '../../deploy/core/cloudformation.js';
import type { Deployment } from '../../deploy/core/contribution.js';
import { SERVICE } from '../../shared/contracts.js';
import { deployIn, policyWith, resourcesOfType, statementsOf, withAction } from './deployments.js';

const policy = policyWith();
const primary = deployIn(policy);
const secondary = deployIn(policy, policy.regions.secondary);
const BOTH = [
  ['primary', primary, policy.regions.primary],
  ['secondary', secondary, policy.regions.secondary],
] as const;

const getAtt = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const alarms = (d: Deployment) => resourcesOfType(d, 'AWS::CloudWatch::Alarm').map(([id, r]) => ({ id, ...r.Properties }) as Record<string, any>);
const lambdaAlarm = (d: Deployment, fn: string, metric: string) =>
  alarms(d).filter((a) => a.Namespace === 'AWS/Lambda' && a.MetricName === metric && JSON.stringify(a.Dimensions) === JSON.stringify([{ Name: 'FunctionName', Value: { Ref: lambdaLogicalId(fn) } }]));
const componentOf = (d: Deployment, fn: string) => d.functions[fn]!.handler.split('/')[1];

/** Steps whose errors the state machine retries by design ("not ready yet", declared as retriedErrors): no Errors alarm. */
const RETRIED_BY_DESIGN = ['restore-test-status', 'restore-test-teardown', 'cache-restore-test-status', 'cache-restore-test-teardown', 'check-endpoint-change', 'database-recovery-teardown', 'cache-recovery-teardown', 'failover-db-status', 'failover-config-restore', 'application-recovery-poll', 'application-recovery-health'];

describe('function alarms', () => {
  it.each(BOTH)('%s: every function has an Errors alarm (except steps retried by design) and a Throttles alarm, to the alerts topic', (_role, d, region) => {
    for (const fn of Object.keys(d.functions)) {
      for (const metric of ['Errors', 'Throttles']) {
        const found = lambdaAlarm(d, fn, metric);
        if (metric === 'Errors' && RETRIED_BY_DESIGN.includes(fn)) {
          expect(found, `${fn} ${metric}`).toEqual([]);
          continue;
        }
        expect(found, `${fn} ${metric}`).toHaveLength(1);
        const alarm = found[0]!;
        expect(alarm).toMatchObject({
          AlarmName: `${SERVICE}-test-${componentOf(d, fn)}-${fn}-${metric.toLowerCase()}-${region}`,
          Statistic: 'Sum',
          Period: 300,
          EvaluationPeriods: 1,
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
          TreatMissingData: 'notBreaching',
          AlarmActions: [{ Ref: 'AlertsTopic' }],
        });
        expect(alarm.AlarmDescription).toMatch(/Runbook: /);
        expect(alarm.AlarmDescription).not.toContain('\n');
        expect(String(alarm.AlarmDescription).length).toBeLessThanOrEqual(1024);
      }
    }
  });

  it('names the component of each function in its alarms (the janitor is platform, the pipeline rds)', () => {
    expect(lambdaAlarm(primary, 'janitor', 'Errors')[0]!.AlarmName).toBe(`${SERVICE}-test-platform-janitor-errors-${policy.regions.primary}`);
    expect(lambdaAlarm(secondary, 'verify-db-snapshots', 'Throttles')[0]!.AlarmName).toBe(`${SERVICE}-test-rds-verify-db-snapshots-throttles-${policy.regions.secondary}`);
    // The cache restore test's steps are redis, in both regions.
    expect(lambdaAlarm(secondary, 'cache-restore-test-seed', 'Errors')[0]!.AlarmName).toBe(`${SERVICE}-test-redis-cache-restore-test-seed-errors-${policy.regions.secondary}`);
    expect(lambdaAlarm(primary, 'validate-cache-restore', 'Errors')[0]!.AlarmName).toBe(`${SERVICE}-test-redis-validate-cache-restore-errors-${policy.regions.primary}`);
    // The media restore's steps are media, in the primary.
    expect(lambdaAlarm(primary, 'media-restore-pass', 'Errors')[0]!.AlarmName).toBe(`${SERVICE}-test-media-media-restore-pass-errors-${policy.regions.primary}`);
    // …and so are the replication check and the replication-event alert.
    expect(lambdaAlarm(primary, 'verify-media-replication', 'Errors')[0]!.AlarmName).toBe(`${SERVICE}-test-media-verify-media-replication-errors-${policy.regions.primary}`);
  });

  it('answer-approval (behind its function URL, no state machine or Lambda retry): its alarms say the approver was told and answers again', () => {
    for (const d of [primary, secondary]) {
      for (const metric of ['Errors', 'Throttles']) {
        const description = String(lambdaAlarm(d, 'answer-approval', metric)[0]!.AlarmDescription);
        expect(description, metric).toContain('through its function URL by the CLI (approve or reject; no retry)');
        expect(description, metric).toContain('the approver answers again');
        expect(description, metric).not.toContain('state machine retried');
      }
    }
    // A step of a state machine keeps its own runbook.
    expect(String(lambdaAlarm(primary, 'request-approval', 'Errors')[0]!.AlarmDescription)).toContain('its state machine retried or caught it');
  });

  it('the media replication check and the replication-event alert (primary only, asynchronous): an Errors and a Throttles alarm each, an on-failure destination they may write to; none in the secondary', () => {
    for (const fn of ['verify-media-replication', 'alert-media-replication-failure']) {
      for (const metric of ['Errors', 'Throttles']) {
        expect(lambdaAlarm(primary, fn, metric), `${fn} ${metric}`).toHaveLength(1);
        expect(lambdaAlarm(primary, fn, metric)[0]!.AlarmName, `${fn} ${metric}`).toBe(`${SERVICE}-test-media-${fn}-${metric.toLowerCase()}-${policy.regions.primary}`);
        // Its runbook says a failed invocation is retried once, then kept in the failure queue.
        expect(lambdaAlarm(primary, fn, metric)[0]!.AlarmDescription, `${fn} ${metric}`).toContain('async-failures queue');
        expect(lambdaAlarm(secondary, fn, metric), `${fn} ${metric}`).toEqual([]);
      }
      expect(primary.functions[fn]!.maximumRetryAttempts, fn).toBe(1);
      expect(primary.functions[fn]!.destinations, fn).toEqual({ onFailure: { arn: getAtt('AsyncFailureQueue'), type: 'sqs' } });
      expect(withAction(statementsOf(primary, fn), 'sqs:SendMessage'), fn).toEqual([{ Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [getAtt('AsyncFailureQueue')] }]);
    }
  });

  it('the configuration backup (primary only, asynchronous): an Errors and a Throttles alarm named for the config component, an on-failure destination it may write to; none in the secondary', () => {
    const fn = 'back-up-configuration';
    for (const metric of ['Errors', 'Throttles']) {
      expect(lambdaAlarm(primary, fn, metric), metric).toHaveLength(1);
      expect(lambdaAlarm(primary, fn, metric)[0]!.AlarmName, metric).toBe(`${SERVICE}-test-config-${fn}-${metric.toLowerCase()}-${policy.regions.primary}`);
      expect(lambdaAlarm(primary, fn, metric)[0]!.AlarmDescription, metric).toContain('async-failures queue');
      expect(lambdaAlarm(secondary, fn, metric), metric).toEqual([]);
    }
    expect(primary.functions[fn]!.maximumRetryAttempts).toBe(1);
    expect(primary.functions[fn]!.destinations).toEqual({ onFailure: { arn: getAtt('AsyncFailureQueue'), type: 'sqs' } });
    expect(withAction(statementsOf(primary, fn), 'sqs:SendMessage')).toEqual([{ Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [getAtt('AsyncFailureQueue')] }]);
    expect(secondary.functions[fn]).toBeUndefined();
  });

  it('the media restore steps (primary only): each an Errors alarm (none is retried by design) and a Throttles alarm; none in the secondary', () => {
    for (const fn of ['media-restore-plan', 'media-restore-pass', 'media-restore-record', 'media-restore-notify']) {
      for (const metric of ['Errors', 'Throttles']) {
        expect(lambdaAlarm(primary, fn, metric), `${fn} ${metric}`).toHaveLength(1);
        expect(lambdaAlarm(primary, fn, metric)[0]!.AlarmName, `${fn} ${metric}`).toBe(`${SERVICE}-test-media-${fn}-${metric.toLowerCase()}-${policy.regions.primary}`);
        expect(lambdaAlarm(secondary, fn, metric), `${fn} ${metric}`).toEqual([]);
      }
      // A step of its state machine: no on-failure destination, nothing to send to the failure queue.
      expect(primary.functions[fn]!.destinations, fn).toBeUndefined();
      expect(withAction(statementsOf(primary, fn), 'sqs:SendMessage'), fn).toEqual([]);
    }
  });

  it.each(BOTH)('%s: the cache restore test steps retried by design (not ready yet) have no Errors alarm but a Throttles alarm; the other steps both', (_role, d) => {
    for (const fn of ['cache-restore-test-status', 'cache-restore-test-teardown']) {
      expect(lambdaAlarm(d, fn, 'Errors'), fn).toEqual([]);
      expect(lambdaAlarm(d, fn, 'Throttles'), fn).toHaveLength(1);
    }
    for (const fn of ['cache-restore-test-plan', 'cache-restore-test-seed', 'validate-cache-restore', 'cache-restore-test-record', 'cache-restore-test-notify']) {
      expect(lambdaAlarm(d, fn, 'Errors'), fn).toHaveLength(1);
    }
  });
});

describe('on-failure destinations of asynchronous invocations', () => {
  it.each(BOTH)('%s: every async function records a failed invocation (after its one retry) in the failure queue, and may write to it', (_role, d) => {
    for (const [fn, config] of Object.entries(d.functions)) {
      if (config.maximumRetryAttempts === undefined) {
        // A step of a state machine: invoked synchronously, the state machine retries and catches.
        expect(config.destinations, fn).toBeUndefined();
        expect(withAction(statementsOf(d, fn), 'sqs:SendMessage'), fn).toEqual([]);
        continue;
      }
      expect(config.destinations, fn).toEqual({ onFailure: { arn: getAtt('AsyncFailureQueue'), type: 'sqs' } });
      expect(withAction(statementsOf(d, fn), 'sqs:SendMessage'), fn).toEqual([{ Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [getAtt('AsyncFailureQueue')] }]);
      expect(statementsOf(d, fn), fn).toContainEqual({
        Effect: 'Allow',
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: [getAtt('ServiceKey')],
        Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'sqs.${AWS::Region}.amazonaws.com' } } },
      });
    }
  });

  it.each(BOTH)('%s: the failure queue is encrypted with the service key, keeps records 14 days and refuses requests without TLS', (_role, d) => {
    expect(d.resources.Resources.AsyncFailureQueue).toMatchObject({
      Type: 'AWS::SQS::Queue',
      Properties: { QueueName: `${SERVICE}-test-async-failures`, KmsMasterKeyId: { Ref: 'ServiceKey' }, MessageRetentionPeriod: 1_209_600 },
    });
    expect(d.resources.Resources.AsyncFailureQueuePolicy!.Properties).toMatchObject({ Queues: [{ Ref: 'AsyncFailureQueue' }] });
  });
});

describe('queue alarms', () => {
  it.each(BOTH)('%s: every dead-letter or failure queue alarms on its first visible message', (_role, d, region) => {
    const queues = resourcesOfType(d, 'AWS::SQS::Queue').map(([id]) => id);
    expect(queues.sort()).toEqual(['AsyncFailureQueue', 'RuleDeadLetterQueue', 'ScheduleDeadLetterQueue']);
    for (const queue of queues) {
      const found = alarms(d).filter((a) => a.Namespace === 'AWS/SQS' && JSON.stringify(a.Dimensions) === JSON.stringify([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }]));
      expect(found, queue).toHaveLength(1);
      expect(found[0]).toMatchObject({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Statistic: 'Maximum',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: 'AlertsTopic' }],
      });
      expect(found[0]!.AlarmName).toMatch(new RegExp(`^${SERVICE}-test-platform-[a-z-]+-${region}$`));
      expect(found[0]!.AlarmDescription).toMatch(/Runbook: /);
    }
  });
});
