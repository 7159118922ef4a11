// Packaging time only: what every state machine stands on — its definition with the Lambda references
// pointed at this region's functions, a role that may invoke exactly those, a log group, schedules in
// the policy's time zone, the EventBridge rules that start it on an event (with a role that may start
// exactly those machines, retries and the rule dead-letter queue), and the EventBridge rule that brings
// a failed, timed-out or aborted execution to the alerts topic even when its own notify step could not run.
//
// AWS fact relied on: an EventBridge rule targets a state machine through a role that EventBridge assumes,
// with states:StartExecution on it; the execution's input is the matched event
// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-target-sfn.html).

import { PREFIX, SERVICE, stateMachineName } from '../../shared/contracts.js';
import { assumedBy, functionKeyOf, getAtt, lambdaLogicalId, LOGICAL_ID, PackagingError, ref, unique, type CfnResource, type Statement } from '../core/cloudformation.js';
import type { Context, Contribution, Deployed, StateMachineConfig, StateMachineSpec } from '../core/contribution.js';
import { alertRuleTargetFailures, stateMachineRuleTargetFailures } from './failures.js';
import { scheduleKey, scheduleName } from '../core/schedules.js';

const roleId = (id: string) => `${id}Role`;
const logGroupId = (id: string) => `${id}LogGroup`;

/**
 * The definition with each `{"Fn::GetAtt": ["restoreTestPlan", "Arn"]}` pointed at the Lambda's logical
 * id ("RestoreDashtestDashplanLambdaFunction"), and the function keys it references. A reference to a
 * function this region does not deploy fails packaging.
 */
function pointAtFunctions(source: string, definition: unknown, deployed: ReadonlySet<string>): { definition: Record<string, unknown>; steps: string[] } {
  const steps: string[] = [];
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (node === null || typeof node !== 'object') return node;
    const entries = Object.entries(node as Record<string, unknown>);
    const [only] = entries;
    if (entries.length === 1 && only !== undefined && only[0] === 'Fn::GetAtt') {
      const [target, attribute] = only[1] as [unknown, unknown];
      if (typeof target !== 'string' || attribute !== 'Arn') throw new PackagingError(`${source}: unsupported Fn::GetAtt ${JSON.stringify(only[1])}`);
      const key = functionKeyOf(target);
      if (!deployed.has(key)) {
        throw new PackagingError(`${source} references the function "${target}" (${key}), which this region does not deploy (it deploys ${[...deployed].join(', ')})`);
      }
      steps.push(key);
      return { 'Fn::GetAtt': [lambdaLogicalId(key), 'Arn'] };
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, rewrite(v)]));
  };
  return { definition: rewrite(definition) as Record<string, unknown>, steps: unique(steps) };
}

/** One state machine as serverless-step-functions takes it, and the functions it invokes. */
export function buildStateMachine(ctx: Context, name: string, spec: StateMachineSpec, deployed: ReadonlySet<string>): { config: StateMachineConfig; steps: string[] } {
  let raw: Record<string, unknown>;
  try {
    raw = spec.definition(ctx);
  } catch (error) {
    throw new PackagingError(`cannot build the ${name} state machine from ${spec.source}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const { definition, steps } = pointAtFunctions(spec.source, raw, deployed);
  const config: StateMachineConfig = {
    id: spec.id,
    name: stateMachineName(ctx.stage, name),
    definition,
    role: getAtt(roleId(spec.id)),
    loggingConfig: { level: 'ERROR', includeExecutionData: false, destinations: [getAtt(logGroupId(spec.id))] },
    tracingConfig: { enabled: false },
    events: spec.schedules(ctx).map((s) => ({
      schedule: {
        method: 'scheduler',
        rate: s.expression,
        timezone: ctx.policy.timezone,
        role: getAtt(LOGICAL_ID.stateMachineSchedulerRole),
        description: s.description,
        input: s.input,
        name: scheduleName(ctx.stage, name, scheduleKey(s.input)),
      },
    })),
  };
  return { config, steps };
}

/** The role EventBridge assumes to start the state machines that rules start. */
export const STATE_MACHINE_EVENTS_ROLE = 'StateMachineEventsRole';

function ownResources(ctx: Context, name: string, id: string, steps: readonly string[], statements: readonly Statement[]): Record<string, CfnResource> {
  return {
    // ERROR level without execution data: failures are logged with their error and cause; the inputs
    // and outputs (database endpoints, secret names, table names, row counts, assertion results) stay in
    // the execution history (90 days) and the evidence record rather than in a log group.
    [logGroupId(id)]: {
      Type: 'AWS::Logs::LogGroup',
      Properties: { LogGroupName: `/aws/vendedlogs/states/${SERVICE}-${ctx.stage}-${name}`, RetentionInDays: 90 },
    },
    // The state machine's own role: it may invoke exactly its Lambdas, and deliver its logs (the log
    // delivery APIs have no resource type: IAM accepts only "*" for them).
    [roleId(id)]: {
      Type: 'AWS::IAM::Role',
      Properties: {
        Description: `${SERVICE} ${ctx.stage}: the ${name} state machine invokes its steps`,
        AssumeRolePolicyDocument: assumedBy('states.amazonaws.com'),
        Policies: [
          {
            PolicyName: `${name}-steps`,
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                { Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: steps.map((fn) => getAtt(lambdaLogicalId(fn))) },
                // Its service integrations (StateMachineSpec.statements): a nested execution, a Lambda the policy names.
                ...statements,
                {
                  Effect: 'Allow',
                  Action: [
                    'logs:CreateLogDelivery',
                    'logs:GetLogDelivery',
                    'logs:UpdateLogDelivery',
                    'logs:DeleteLogDelivery',
                    'logs:ListLogDeliveries',
                    'logs:PutResourcePolicy',
                    'logs:DescribeResourcePolicies',
                    'logs:DescribeLogGroups',
                  ],
                  Resource: ['*'],
                },
              ],
            },
          },
        ],
      },
    },
  };
}

/** EventBridge: an execution that ends FAILED, TIMED_OUT or ABORTED reaches the alerts topic, even when its Notify step could not run. */
function executionFailedRule(ctx: Context, stateMachineIds: readonly string[]): CfnResource {
  return {
    Type: 'AWS::Events::Rule',
    Properties: {
      Description: `${SERVICE} ${ctx.stage}: a state machine execution (a restore or PITR test, a restore, the delayed escalation) failed, timed out or was aborted`,
      State: 'ENABLED',
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: stateMachineIds.map((id) => ref(id)) },
      },
      Targets: [
        {
          Id: 'alerts-topic',
          Arn: ref(LOGICAL_ID.topic),
          // Retried as long as EventBridge allows, then kept in the rule DLQ, which alarms (no RoleArn:
          // SNS targets use the topic policy, and a role breaks delivery to an encrypted topic,
          // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html).
          ...alertRuleTargetFailures(),
          InputTransformer: {
            InputPathsMap: {
              status: '$.detail.status',
              execution: '$.detail.name',
              stateMachine: '$.detail.stateMachineArn',
              region: '$.region',
              time: '$.time',
            },
            InputTemplate:
              `"[${SERVICE} CRITICAL] <region>: execution <execution> of <stateMachine> ended <status> at <time>. ` +
              'A restore or PITR test that does not pass is a failed recovery proof. If no detailed alert from restore-test-notify ' +
              'followed, the test could not report itself: read the execution history in the Step Functions console, and check RDS in ' +
              `<region> for a leftover temporary instance (${PREFIX.restoreInstance}*) to delete. Of escalate-unresolved: the alarm of its event may not have ` +
              'reached the unresolved levels — check it in the CloudWatch console."',
          },
        },
      ],
    },
  };
}

/** The rules that start state machines on an event, and the one role EventBridge assumes for them (StartExecution on those machines only). */
function startRules(ctx: Context, deployed: Deployed): Record<string, CfnResource> {
  const rules = Object.entries(deployed.stateMachineRules).flatMap(([name, specs]) => {
    const machine = deployed.stateMachines[name];
    return machine === undefined ? [] : specs.map((spec) => ({ spec, machineId: machine.id }));
  });
  if (rules.length === 0) return {};
  const resources: Record<string, CfnResource> = {
    [STATE_MACHINE_EVENTS_ROLE]: {
      Type: 'AWS::IAM::Role',
      Properties: {
        Description: `${SERVICE} ${ctx.stage}: EventBridge starts the state machines its rules target`,
        AssumeRolePolicyDocument: assumedBy('events.amazonaws.com'),
        Policies: [
          {
            PolicyName: 'start-state-machines',
            PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['states:StartExecution'], Resource: unique(rules.map((r) => r.machineId)).map((id) => ref(id)) }] },
          },
        ],
      },
    },
  };
  for (const { spec, machineId } of rules) {
    resources[spec.id] = {
      Type: 'AWS::Events::Rule',
      Properties: {
        Description: spec.description,
        State: 'ENABLED',
        EventPattern: spec.pattern,
        // The whole event is the execution's input; retried, then kept in the rule DLQ, which alarms.
        Targets: [{ Id: 'state-machine', Arn: ref(machineId), RoleArn: getAtt(STATE_MACHINE_EVENTS_ROLE), ...stateMachineRuleTargetFailures() }],
      },
    };
  }
  return resources;
}

export const stateMachinePlumbing: Contribution = {
  component: 'platform',
  name: 'platform/state-machines',
  resources: (ctx, deployed) => {
    const machines = Object.entries(deployed.stateMachines);
    const resources: Record<string, CfnResource> = {};
    for (const [name, machine] of machines) Object.assign(resources, ownResources(ctx, name, machine.id, deployed.stateMachineSteps[name] ?? [], deployed.stateMachineStatements?.[name] ?? []));
    if (machines.length > 0) resources[LOGICAL_ID.executionFailedRule] = executionFailedRule(ctx, machines.map(([, machine]) => machine.id));
    return { Resources: { ...resources, ...startRules(ctx, deployed) } };
  },
};
