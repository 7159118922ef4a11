// Packaging time only: the CloudFormation and IAM vocabulary every deploy/ module speaks — value and
// statement shapes, intrinsic-function helpers, ARNs, the logical ids modules refer to across each
// other, and osls' naming of functions and rules. No policy decisions here.

import { SERVICE } from '../../shared/contracts.js';

/** A CloudFormation value: a literal, or one of the intrinsic functions the deployment uses. */
export type CfnValue = string | { 'Fn::Sub': string } | { 'Fn::GetAtt': [string, string] } | { Ref: string };

export type Condition = Readonly<Record<string, Readonly<Record<string, CfnValue | readonly CfnValue[]>>>>;

export interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: readonly string[];
  readonly Resource: readonly CfnValue[];
  readonly Condition?: Condition;
}

/** A CloudFormation resource as the modules emit it (Properties are free-form). */
export interface CfnResource {
  readonly Type: string;
  readonly Properties: Readonly<Record<string, unknown>>;
  readonly DeletionPolicy?: 'Retain' | 'Delete';
  readonly UpdateReplacePolicy?: 'Retain' | 'Delete';
  /** Resources CloudFormation must create first (one it cannot infer from a reference). */
  readonly DependsOn?: readonly string[];
}

export interface CfnOutput {
  readonly Description: string;
  readonly Value: unknown;
}

/** A part of the template: resources and outputs by logical id. */
export interface TemplateFragment {
  readonly Resources?: Readonly<Record<string, CfnResource>>;
  readonly Outputs?: Readonly<Record<string, CfnOutput>>;
}

/** Logical ids one module declares and others refer to. */
export const LOGICAL_ID = {
  key: 'ServiceKey',
  keyAlias: 'ServiceKeyAlias',
  topic: 'AlertsTopic',
  topicPolicy: 'AlertsTopicPolicy',
  schedulerRole: 'SchedulerInvokeRole',
  stateMachineSchedulerRole: 'SchedulerStartExecutionRole',
  reportsBucket: 'ReportsBucket',
  reportsBucketPolicy: 'ReportsBucketPolicy',
  executionFailedRule: 'StateMachineExecutionFailedRule',
  /** Dead-letter queues of the Scheduler schedules and of the EventBridge rule targets. */
  scheduleDeadLetterQueue: 'ScheduleDeadLetterQueue',
  ruleDeadLetterQueue: 'RuleDeadLetterQueue',
  /** The on-failure destination of the asynchronously invoked functions. */
  asyncFailureQueue: 'AsyncFailureQueue',
  /** Replicates the primary's manifests to the secondary's reports bucket. */
  manifestReplicationRole: 'ManifestReplicationRole',
  /** Exported cache snapshots (.rdb) of the region, its policy, and the role S3 replicates them with. */
  exportBucket: 'CacheExportBucket',
  exportBucketPolicy: 'CacheExportBucketPolicy',
  exportReplicationRole: 'CacheExportReplicationRole',
  /** The role S3 replicates the managed media buckets with. */
  mediaReplicationRole: 'MediaReplicationRole',
  /** Admits 443 from the validation security groups to the interface endpoints. */
  endpointSecurityGroup: 'ApiEndpointSecurityGroup',
  /** The delayed escalation's topic: alarms still unresolved, to the levels of alerts.escalation.unresolved. */
  unresolvedTopic: 'EscalationUnresolvedTopic',
} as const;

/** A packaging error whose message is the whole story (no stack trace needed). */
export class PackagingError extends Error {
  override name = 'PackagingError';
}

export const ACCOUNT = '${AWS::AccountId}';
export const PARTITION = '${AWS::Partition}';

export const sub = (text: string): CfnValue => ({ 'Fn::Sub': text });
export const getAtt = (logicalId: string): CfnValue => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });
export const ref = (logicalId: string): { Ref: string } => ({ Ref: logicalId });

export const rdsArn = (region: string, resource: string): CfnValue => sub(`arn:${PARTITION}:rds:${region}:${ACCOUNT}:${resource}`);
export const elastiCacheArn = (region: string, resource: string): CfnValue => sub(`arn:${PARTITION}:elasticache:${region}:${ACCOUNT}:${resource}`);

/** "arn:…:secret:<name>-??????": Secrets Manager appends six random characters to a secret's name. */
export function secretArn(region: string, nameOrArn: string): CfnValue {
  if (nameOrArn.startsWith('arn:')) return nameOrArn;
  return sub(`arn:${PARTITION}:secretsmanager:${region}:${ACCOUNT}:secret:${nameOrArn}-??????`);
}

export const unique = <T>(values: readonly T[]): T[] => [...new Set(values)];

/** Drops statements without resources or actions (e.g. no databases in the policy yet): IAM refuses them. */
export const nonEmpty = (statements: readonly Statement[]): Statement[] => statements.filter((s) => s.Resource.length > 0 && s.Action.length > 0);

/** A trust policy for one AWS service, for principals of this account only. */
export function assumedBy(service: string): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } }],
  };
}

/** osls' logical id of a function: "take-db-snapshot" → "TakeDashdbDashsnapshotLambdaFunction". */
export function lambdaLogicalId(name: string): string {
  const normalized = name.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return `${normalized.charAt(0).toUpperCase()}${normalized.slice(1)}LambdaFunction`;
}

/** The logical id of a function's own role (serverless-iam-roles-per-function): "take-db-snapshot" → "TakeDashdbDashsnapshotIamRoleLambdaExecution". */
export function functionRoleLogicalId(name: string): string {
  return lambdaLogicalId(name).replace(/LambdaFunction$/, 'IamRoleLambdaExecution');
}

/**
 * osls' logical id of the EventBridge rule of a function's `eventBridge` event, the `index`-th (1-based)
 * of its events: "Backupdrdevcopydbsnapshotsrule2EventBridgeRule" (naming.getEventBridgeRuleLogicalId of
 * makeRuleName: "<service>-<stage>-<function>-rule-<index>", alphanumerics only).
 */
export function eventBridgeRuleLogicalId(stage: string, name: string, index: number): string {
  const ruleName = `${SERVICE}-${stage}-${name}-rule-${index}`.replace(/[^0-9A-Za-z]/g, '');
  return `${ruleName.charAt(0).toUpperCase()}${ruleName.slice(1)}EventBridgeRule`;
}

/** The ASL name of a function ("restoreTestPlan") → its key in serverless.yml ("restore-test-plan"). */
export function functionKeyOf(aslName: string): string {
  return aslName.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}
