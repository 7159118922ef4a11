// Packaging time only: where failed deliveries and failed invocations go instead of nowhere — the
// encrypted dead-letter queues of the Scheduler schedules and of the EventBridge rule targets, the
// on-failure destination of the asynchronously invoked functions, the retry policies in front of them,
// and what the senders may do with them. Each queue alarms (platform/alarms.ts).
//
// AWS facts relied on:
// - EventBridge sends a rule target's undelivered events to its DLQ as events.amazonaws.com: the queue
//   policy must allow it (aws:SourceArn = the rule), https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html;
//   with a KMS-encrypted queue the key policy must let the service use the key (kms:GenerateDataKey,
//   kms:Decrypt), https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html
//   (the service key's policy does, platform/alerts.ts).
// - EventBridge Scheduler sends to a schedule's DLQ with the schedule's execution role, which needs
//   sqs:SendMessage, https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html;
//   a producer of an encrypted queue also needs kms:GenerateDataKey and kms:Decrypt (SQS key management).
// - Lambda sends an async invocation's failure record to its destination with the function's execution
//   role (sqs:SendMessage), https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html.

import { SERVICE } from '../../shared/contracts.js';
import { eventBridgeRuleLogicalId, getAtt, LOGICAL_ID, ref, sub, type CfnResource, type Statement } from '../core/cloudformation.js';
import type { Context, Contribution, Deployed, FunctionConfig, ScheduleTargetSettings } from '../core/contribution.js';

/** Retry policies in front of the dead-letter queues. */
export const RETRY = {
  /** A schedule's invocation of its target (throttling, a transient error): for up to an hour. */
  schedule: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
  /** An RDS event to its function: for up to an hour (the hourly reconcile schedule catches up anyway). */
  rdsEvent: { maximumEventAge: 3600, maximumRetryAttempts: 10 },
  /** The execution-failed notice to the alerts topic: as long as EventBridge allows (24 h, 185 attempts). */
  alert: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
  /** An event that starts a state machine (an alarm's ALARM to escalate-unresolved): as long as EventBridge allows too. */
  stateMachine: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
} as const;

/** SQS keeps a message at most 14 days: the time to read, fix and redrive. */
const RETENTION_SECONDS = 1_209_600;

export interface FailureQueue {
  readonly id: string;
  /** The queue's name after `<service>-<stage>-`. */
  readonly name: string;
  /** What lands in it and what to do, for the alarm's one-line runbook. */
  readonly runbook: string;
}

const QUEUES = {
  schedule: {
    id: LOGICAL_ID.scheduleDeadLetterQueue,
    name: 'schedule-dlq',
    runbook:
      'a Scheduler schedule could not invoke its function or start its state machine (retried for an hour). Runbook: read the message ' +
      '(its attributes name the schedule, target and error), fix the cause (permissions, a deleted target, throttling), run the job by hand, then delete the message.',
  },
  rule: {
    id: LOGICAL_ID.ruleDeadLetterQueue,
    name: 'rule-dlq',
    runbook:
      'an EventBridge rule could not deliver an event (an RDS snapshot event to its function, an execution-failed notice to the alerts topic, or an alarm to the escalate-unresolved state machine). ' +
      'Runbook: read the message (RULE_ARN, TARGET_ARN, ERROR_CODE attributes), fix the target or its permissions or key, act on the event, then delete the message.',
  },
  failure: {
    id: LOGICAL_ID.asyncFailureQueue,
    name: 'async-failures',
    runbook:
      'a scheduled or event-driven function failed twice on the same event (invocation and its retry). Runbook: the record holds the event and ' +
      'the error; read the function logs, fix the cause, re-run the function with the event (requestPayload), then delete the message.',
  },
} as const satisfies Record<string, FailureQueue>;

/** The functions' EventBridge rules (osls logical ids), the execution-failed rule and the rules that start state machines: the rule DLQ's senders. */
function ruleIds(ctx: Context, deployed: Deployed): string[] {
  const functionRules = Object.entries(deployed.functions).flatMap(([name, fn]) =>
    fn.events.flatMap((event, index) => ('eventBridge' in event ? [eventBridgeRuleLogicalId(ctx.stage, name, index + 1)] : [])),
  );
  const machineRules = Object.entries(deployed.stateMachineRules).flatMap(([name, rules]) => (deployed.stateMachines[name] === undefined ? [] : rules.map((rule) => rule.id)));
  return [...functionRules, ...(Object.keys(deployed.stateMachines).length > 0 ? [LOGICAL_ID.executionFailedRule] : []), ...machineRules];
}

const hasSchedules = (deployed: Deployed) =>
  Object.values(deployed.functions).some((fn) => fn.events.some((e) => 'schedule' in e)) || Object.values(deployed.stateMachines).some((m) => m.events.length > 0);
const hasAsyncFunctions = (deployed: Deployed) => Object.values(deployed.functions).some((fn) => fn.maximumRetryAttempts !== undefined);

/** The queues this region deploys. */
export function failureQueues(ctx: Context, deployed: Deployed): FailureQueue[] {
  return [
    ...(hasSchedules(deployed) ? [QUEUES.schedule] : []),
    ...(ruleIds(ctx, deployed).length > 0 ? [QUEUES.rule] : []),
    ...(hasAsyncFunctions(deployed) ? [QUEUES.failure] : []),
  ];
}

/** What every Scheduler schedule's Target gets (applied by deploy/plugin.cjs); undefined without schedules. */
export function scheduleTargetSettings(deployed: Deployed): ScheduleTargetSettings | undefined {
  return hasSchedules(deployed) ? { DeadLetterConfig: { Arn: getAtt(QUEUES.schedule.id) }, RetryPolicy: RETRY.schedule } : undefined;
}

/** The dead-letter settings of the execution-failed rule's target. */
export const alertRuleTargetFailures = () => ({ DeadLetterConfig: { Arn: getAtt(QUEUES.rule.id) }, RetryPolicy: RETRY.alert });

/** The dead-letter settings of a rule's target that starts a state machine. */
export const stateMachineRuleTargetFailures = () => ({ DeadLetterConfig: { Arn: getAtt(QUEUES.rule.id) }, RetryPolicy: RETRY.stateMachine });

/** A producer of a queue encrypted with the service key: SendMessage, and the key through SQS in this region. */
export function sendToQueueStatements(queueId: string): Statement[] {
  return [
    { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [getAtt(queueId)] },
    {
      Effect: 'Allow',
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: [getAtt(LOGICAL_ID.key)],
      Condition: { StringEquals: { 'kms:ViaService': sub('sqs.${AWS::Region}.amazonaws.com') } },
    },
  ];
}

/** The Scheduler roles send undeliverable invocations to the schedule DLQ. */
export const scheduleDeadLetterStatements = (): Statement[] => sendToQueueStatements(QUEUES.schedule.id);

/**
 * A function as deployed with its failure handling: an async one records an invocation that still fails
 * after its retry in the failure queue (and may write to it); its EventBridge rules retry, then dead-letter.
 */
export function withFailureHandling(config: FunctionConfig): FunctionConfig {
  const events = config.events.map((event) =>
    'eventBridge' in event ? { eventBridge: { ...event.eventBridge, deadLetterQueueArn: getAtt(QUEUES.rule.id), retryPolicy: RETRY.rdsEvent } } : event,
  );
  if (config.maximumRetryAttempts === undefined) return { ...config, events };
  return {
    ...config,
    events,
    destinations: { onFailure: { arn: getAtt(QUEUES.failure.id), type: 'sqs' } },
    iamRoleStatements: [...config.iamRoleStatements, ...sendToQueueStatements(QUEUES.failure.id)],
  };
}

function queuePolicy(queueId: string, extra: readonly Record<string, unknown>[]): CfnResource {
  return {
    Type: 'AWS::SQS::QueuePolicy',
    Properties: {
      Queues: [ref(queueId)],
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'DenyWithoutTls', Effect: 'Deny', Principal: '*', Action: 'sqs:*', Resource: getAtt(queueId), Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
          ...extra,
        ],
      },
    },
  };
}

export const failureHandling: Contribution = {
  component: 'platform',
  name: 'platform/failures',
  resources: (ctx, deployed) => {
    const resources: Record<string, CfnResource> = {};
    for (const queue of failureQueues(ctx, deployed)) {
      resources[queue.id] = {
        Type: 'AWS::SQS::Queue',
        Properties: { QueueName: `${SERVICE}-${ctx.stage}-${queue.name}`, KmsMasterKeyId: ref(LOGICAL_ID.key), MessageRetentionPeriod: RETENTION_SECONDS },
      };
      // Only EventBridge, and only for this stack's rules, may send to the rule DLQ.
      const senders =
        queue.id === QUEUES.rule.id
          ? [
              {
                Sid: 'EventBridgeRulesOfThisStackSend',
                Effect: 'Allow',
                Principal: { Service: 'events.amazonaws.com' },
                Action: 'sqs:SendMessage',
                Resource: getAtt(queue.id),
                Condition: { ArnEquals: { 'aws:SourceArn': ruleIds(ctx, deployed).map((id) => getAtt(id)) } },
              },
            ]
          : [];
      resources[`${queue.id}Policy`] = queuePolicy(queue.id, senders);
    }
    return {
      Resources: resources,
      Outputs: Object.fromEntries(
        failureQueues(ctx, deployed).map((queue) => [`${queue.id}Url`, { Description: `Dead-letter / failure queue: ${queue.runbook.split('. Runbook')[0]}`, Value: ref(queue.id) }]),
      ),
    };
  },
};
