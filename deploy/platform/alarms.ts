// Packaging time only: the alarms that notice a failure nobody reported — per function an Errors and a
// Throttles alarm (AWS/Lambda), per dead-letter or failure queue an alarm on its first visible message
// (AWS/SQS), and per state machine one on its executions that failed, timed out or were aborted
// (AWS/States, besides the execution-status rule's message: the alarm shows on the dashboard) — all to
// this region's alerts topic, each named after its component, function, queue or machine and region,
// and described with a one-line runbook. The components' own alarms: deploy/components/<c>/alarms.ts.
//
// Missing data is "not breaching": a function that did not run has no Errors datapoint, and SQS
// publishes a queue's metrics only while the queue is active (holds messages or is used), so an empty
// DLQ reports nothing: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html.
// Alarms publish to the encrypted topic through the key policy's CloudWatch statement (platform/alerts.ts).

import { SERVICE } from '../../shared/contracts.js';
import { ALERTS_TOPIC_ACTIONS } from '../core/alarms.js';
import { lambdaLogicalId, ref, type CfnResource } from '../core/cloudformation.js';
import type { AlarmResources, Context, Contribution, Deployed } from '../core/contribution.js';
import { failureQueues, type FailureQueue } from './failures.js';

const PERIOD_SECONDS = 300;

/** "take-db-snapshot" → "TakeDbSnapshot" (alarm logical ids). */
const pascal = (name: string) => name.replace(/(^|-)([a-z0-9])/g, (_m, _dash: string, letter: string) => letter.toUpperCase());

function alarm(ctx: Context, name: string, description: string, metric: Record<string, unknown>): CfnResource {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmName: `${SERVICE}-${ctx.stage}-${name}-${ctx.region}`,
      AlarmDescription: description,
      ...metric,
      Period: PERIOD_SECONDS,
      EvaluationPeriods: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      ...ALERTS_TOPIC_ACTIONS,
    },
  };
}

function functionAlarms(ctx: Context, deployed: Deployed): Record<string, CfnResource> {
  const alarms: Record<string, CfnResource> = {};
  for (const [fn, config] of Object.entries(deployed.functions)) {
    const meta = deployed.functionMeta[fn];
    const component = meta?.component ?? 'platform';
    const lambda = `${SERVICE}-${ctx.stage}-${fn}`;
    const dimensions = { Namespace: 'AWS/Lambda', Dimensions: [{ Name: 'FunctionName', Value: ref(lambdaLogicalId(fn)) }], Statistic: 'Sum' };
    const after =
      meta?.afterFailure ??
      (config.maximumRetryAttempts === undefined
        ? 'its state machine retried or caught it: see the execution in the Step Functions console'
        : 'Lambda retries it once, then records the event and error in the async-failures queue: re-run it from there once fixed');
    if ((meta?.retriedErrors ?? []).length === 0) {
      alarms[`${pascal(fn)}ErrorsAlarm`] = alarm(
        ctx,
        `${component}-${fn}-errors`,
        `${lambda} (${component}, ${ctx.region}) ended an invocation with an unhandled error. Runbook: read its log group /aws/lambda/${lambda} ` +
          `(and the alert it published, if any) for the error; ${after}.`,
        { ...dimensions, MetricName: 'Errors' },
      );
    }
    alarms[`${pascal(fn)}ThrottlesAlarm`] = alarm(
      ctx,
      `${component}-${fn}-throttles`,
      `${lambda} (${component}, ${ctx.region}) was throttled. Runbook: check the account's Lambda concurrency in ${ctx.region} (ConcurrentExecutions, ` +
        `other functions' reserved concurrency) and raise the quota or free capacity; ${after}.`,
      { ...dimensions, MetricName: 'Throttles' },
    );
  }
  return alarms;
}

function queueAlarm(ctx: Context, queue: FailureQueue): CfnResource {
  return alarm(ctx, `platform-${queue.name}`, `${SERVICE}-${ctx.stage}-${queue.name} (${ctx.region}) holds a message: ${queue.runbook}`, {
    Namespace: 'AWS/SQS',
    MetricName: 'ApproximateNumberOfMessagesVisible',
    Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue.id, 'QueueName'] } }],
    Statistic: 'Maximum',
  });
}

const EXECUTION_ENDINGS = [
  ['failed', 'ExecutionsFailed'],
  ['timedOut', 'ExecutionsTimedOut'],
  ['aborted', 'ExecutionsAborted'],
] as const;

/**
 * Failed + timed out + aborted executions of one machine in 5 minutes (metric math; FILL: a series
 * without data is 0, not a gap that drops the others' datapoints).
 */
function executionAlarm(ctx: Context, name: string, logicalId: string, component: string): CfnResource {
  const machine = `${SERVICE}-${ctx.stage}-${name}`;
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmName: `${SERVICE}-${ctx.stage}-${component}-${name}-executions-failed-${ctx.region}`,
      AlarmDescription:
        `An execution of ${machine} (${component}, ${ctx.region}) failed, timed out or was aborted. Runbook: open the execution in the Step Functions console (the alert from the execution-status rule names it), ` +
        'read the failed step and its log; a restore test leaves nothing behind only once its teardown ran — check for temporary instances or groups and delete them; then start it again.',
      Metrics: [
        ...EXECUTION_ENDINGS.map(([id, metric]) => ({
          Id: id,
          MetricStat: { Metric: { Namespace: 'AWS/States', MetricName: metric, Dimensions: [{ Name: 'StateMachineArn', Value: ref(logicalId) }] }, Period: PERIOD_SECONDS, Stat: 'Sum' },
          ReturnData: false,
        })),
        { Id: 'ended', Expression: EXECUTION_ENDINGS.map(([id]) => `FILL(${id}, 0)`).join(' + '), Label: 'failed, timed out or aborted', ReturnData: true },
      ],
      EvaluationPeriods: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      ...ALERTS_TOPIC_ACTIONS,
    },
  };
}

function stateMachineAlarms(ctx: Context, deployed: Deployed): Record<string, CfnResource> {
  const alarms: Record<string, CfnResource> = {};
  for (const [name, machine] of Object.entries(deployed.stateMachines)) {
    // A machine's component: that of its steps (every step of a machine belongs to one component).
    const component = deployed.functionMeta[deployed.stateMachineSteps[name]?.[0] ?? '']?.component ?? 'platform';
    alarms[`${machine.id}ExecutionsAlarm`] = executionAlarm(ctx, name, machine.id, component);
  }
  return alarms;
}

export const failureAlarms: Contribution = {
  component: 'platform',
  name: 'platform/alarms',
  alarms: (ctx, deployed): AlarmResources => ({
    ...functionAlarms(ctx, deployed),
    ...stateMachineAlarms(ctx, deployed),
    ...Object.fromEntries(failureQueues(ctx, deployed).map((queue) => [`${queue.id}Alarm`, queueAlarm(ctx, queue)])),
  }),
};
