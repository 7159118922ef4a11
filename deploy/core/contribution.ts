// Packaging time only: what a component (deploy/components/<component>/) or a platform module
// (deploy/platform/) contributes to a region's deployment — functions with their triggers and IAM, state
// machines, resources, alarms and dashboard widgets — and the shapes deploy/assemble.ts turns them into
// for serverless.yml (functions, stepFunctions.stateMachines, resources, provider.environment).

import type { RegionRole } from '../../shared/policy/load.js';
import type { Policy } from '../../shared/policy/schema.js';
import { PackagingError, type CfnResource, type CfnValue, type Statement, type TemplateFragment } from './cloudformation.js';
import type { DeclaredSchedule } from './schedules.js';

/**
 * The role a region's deployment plays: the primary and the secondary run functions; the archive
 * (`regions.archive`) holds only the media archive buckets and the key they are encrypted with — no
 * functions, no state machines, no alerts topic (nothing there runs, so nothing there can fail).
 */
export type DeployRole = RegionRole | 'archive';

/**
 * The role of a region that runs functions, for the modules that never deploy in the archive region
 * (the assembler does not ask them there): a PackagingError if one is asked there all the same.
 */
export function runningRole(ctx: { readonly role: DeployRole; readonly region: string }): RegionRole {
  if (ctx.role === 'archive') throw new PackagingError(`the archive region ${ctx.region} runs no function: a module without inArchive was asked for it`);
  return ctx.role;
}

/** What every module may read about the deployment being built. */
export interface Context {
  readonly policy: Policy;
  readonly role: DeployRole;
  /** The region being packaged. */
  readonly region: string;
  readonly primary: string;
  readonly secondary: string;
  readonly stage: string;
  /** The ownership tag key the policy names (`tags.owner`). */
  readonly ownerTag: string;
  /** The role EventBridge Scheduler assumes to invoke scheduled functions. */
  readonly schedulerRole: CfnValue;
  /** The policy file inside the function packages (relative to /var/task). */
  readonly policyFile: string;
  /** Where the database-facing functions run (validated deployment parameters); absent: outside any VPC. */
  readonly network?: ValidationNetwork;
}

/** The validation network: where validate-restore and capture-db-manifest reach the databases. */
export interface ValidationNetwork {
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
  /** The VPC of the subnets and their route tables: given with network.egress "endpoints". */
  readonly vpcId?: string;
  readonly routeTableIds?: readonly string[];
}

// ---- function triggers (as osls takes them) ------------------------------------------------------------

export interface ScheduleEvent {
  readonly schedule: {
    readonly method: 'scheduler';
    readonly rate: readonly string[];
    readonly timezone: string;
    readonly roleArn: CfnValue;
    readonly description: string;
    readonly input?: Readonly<Record<string, unknown>>;
    /** Given by the assembler (core/schedules.ts), never by a module. */
    readonly name?: string;
  };
}

export interface EventBridgeEvent {
  readonly eventBridge: {
    readonly description: string;
    readonly pattern: Readonly<Record<string, unknown>>;
    /** Added by the assembler (platform/failures.ts): every rule target retries, then dead-letters. */
    readonly deadLetterQueueArn?: CfnValue;
    readonly retryPolicy?: { readonly maximumEventAge: number; readonly maximumRetryAttempts: number };
  };
}

export type FunctionEvent = ScheduleEvent | EventBridgeEvent;

/** An EventBridge Scheduler schedule in the policy's time zone, assuming the Scheduler's invoke role. */
export function scheduled(ctx: Context, expression: string, description: string, input?: Record<string, unknown>): ScheduleEvent {
  return {
    schedule: {
      method: 'scheduler',
      rate: [expression],
      timezone: ctx.policy.timezone,
      roleArn: ctx.schedulerRole,
      description,
      ...(input === undefined ? {} : { input }),
    },
  };
}

// ---- what a module declares ------------------------------------------------------------------------------

export interface FunctionSpec {
  /** The region roles that deploy it. */
  readonly roles: readonly RegionRole[];
  /** Within those roles, deployed only when the policy needs it (default: always). */
  readonly deployedWhen?: (ctx: Context) => boolean;
  /** 'async': scheduled or event-driven (one retry); 'state-machine': a step, invoked synchronously. */
  readonly invokedBy: 'async' | 'state-machine';
  readonly description: string;
  readonly timeout: number;
  readonly memorySize: number;
  /** Connects to the databases: runs in the VPC of the validation network. */
  readonly inVpc?: boolean;
  /**
   * Errors its state machine retries by design ("not ready yet"): Lambda counts them in its Errors
   * metric, so the function gets no Errors alarm — an exhausted retry fails the execution, which alerts.
   */
  readonly retriedErrors?: readonly string[];
  /**
   * What follows a failed invocation, for its alarms' runbook, when neither a state machine nor Lambda's
   * async retry is its caller (a function URL: the caller is told).
   */
  readonly afterFailure?: string;
  /** Besides the environment every function gets (platform/environment.ts). */
  readonly environment?: (ctx: Context) => Record<string, CfnValue>;
  /** Environment that depends on what the whole region deploys: asked once every function and state machine is collected. */
  readonly environmentOfDeployment?: (ctx: Context, deployed: Deployed) => Record<string, CfnValue>;
  readonly events: (ctx: Context) => FunctionEvent[];
  /** Its own statements; the assembler adds what every function may do (publish alerts). */
  readonly statements: (ctx: Context) => Statement[];
}

export interface StateMachineScheduleSpec {
  readonly expression: string;
  readonly input: Record<string, unknown>;
  readonly description: string;
}

/** An EventBridge rule that starts a state machine with the event it matches (platform/state-machines.ts builds it). */
export interface StateMachineRuleSpec {
  /** Its logical id. */
  readonly id: string;
  readonly description: string;
  readonly pattern: Readonly<Record<string, unknown>>;
}

export interface StateMachineSpec {
  readonly roles: readonly RegionRole[];
  /** Within those roles, deployed only when the policy needs it (default: always); its steps' FunctionSpecs say the same. */
  readonly deployedWhen?: (ctx: Context) => boolean;
  /** Its CloudFormation logical id (its role and log group are named after it). */
  readonly id: string;
  /** Where the definition comes from, for messages. */
  readonly source: string;
  /** The ASL definition, Lambdas referenced as `{"Fn::GetAtt": ["<camelCaseFunction>", "Arn"]}`. */
  readonly definition: (ctx: Context) => Record<string, unknown>;
  readonly schedules: (ctx: Context) => StateMachineScheduleSpec[];
  /** EventBridge rules that start it (absent: none). */
  readonly rules?: (ctx: Context) => StateMachineRuleSpec[];
  /**
   * What its role may do besides invoking its own Lambdas (which the assembler derives from the
   * definition): the service integrations it calls — a nested execution, a Lambda the policy names.
   */
  readonly statements?: (ctx: Context) => Statement[];
}

/** An alarm: an AWS::CloudWatch::Alarm resource by logical id (contributed from the observability issue on). */
export type AlarmResources = Readonly<Record<string, CfnResource>>;
/**
 * One widget of a region's dashboard as CloudWatch's dashboard body takes it (`type`, `width` and
 * `height` in grid units of a 24-column grid, `properties`), without its position: platform/dashboard.ts
 * lays the widgets out row by row.
 */
export interface BodyWidget {
  readonly type: 'metric' | 'text' | 'alarm';
  readonly width: number;
  readonly height: number;
  readonly properties: Readonly<Record<string, unknown>>;
}

/**
 * Where a widget goes: the top row holds one tile per protected resource — its live RPO against the
 * policy's target — (`recovery-points`), the second the restore tests' RTO against target
 * (`restore-tests`), then each component's rows in contribution order (`component`).
 */
export type DashboardSection = 'recovery-points' | 'restore-tests' | 'component';

/** A widget a module contributes to its region's dashboard (deploy/platform/dashboard.ts lays them out). */
export interface DashboardWidget {
  readonly section: DashboardSection;
  /** The heading of the row it belongs to (component sections: widgets of one heading share its rows). */
  readonly row: string;
  /** The policy's resources it shows (names): every resource must have a tile among the recovery points. */
  readonly resources?: readonly string[];
  readonly widget: BodyWidget;
}

/**
 * What a component or platform module adds. Functions and state machines are collected first; then
 * `resources`, `alarms` and `dashboardWidgets` are asked with what the region deploys.
 */
export interface Contribution {
  /** The component, second level of the layout: handlers are `functions/<component>/<name>/handler.handler`. */
  readonly component: string;
  /** The module, for messages ("rds/backup", "platform/alerts"). */
  readonly name: string;
  /**
   * Whether the module deploys anything in the archive region's stack (absent: nothing — neither its
   * functions, state machines, resources, alarms nor widgets are asked for there). Functions and state
   * machines never deploy there (their `roles` cannot name it); a module that says true gets its
   * `resources` asked with `ctx.role === 'archive'` and must return only what the archive needs.
   */
  readonly inArchive?: boolean;
  /** By the name operators see (the Lambda is `<service>-<stage>-<name>`). */
  readonly functions?: Readonly<Record<string, FunctionSpec>>;
  /** By the name operators see (the state machine is `<service>-<stage>-<name>`). */
  readonly stateMachines?: Readonly<Record<string, StateMachineSpec>>;
  /** Policy settings that are valid but will not do what their author may expect. */
  readonly warnings?: (ctx: Context) => string[];
  readonly resources?: (ctx: Context, deployed: Deployed) => TemplateFragment;
  readonly alarms?: (ctx: Context, deployed: Deployed) => AlarmResources;
  readonly dashboardWidgets?: (ctx: Context, deployed: Deployed) => readonly DashboardWidget[];
}

// ---- what serverless.yml gets ------------------------------------------------------------------------------

export interface VpcConfig {
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
}

export interface FunctionConfig {
  readonly handler: string;
  readonly description: string;
  readonly timeout: number;
  readonly memorySize: number;
  /**
   * Async invocations (Scheduler, EventBridge): one retry, then the failure is Lambda's Errors metric.
   * Absent for the steps of a state machine: it invokes them synchronously and retries them itself.
   */
  readonly maximumRetryAttempts?: number;
  /** Async invocations that still fail are recorded in the failure queue (osls `destinations`). */
  readonly destinations?: { readonly onFailure: { readonly arn: CfnValue; readonly type: 'sqs' } };
  readonly events: readonly FunctionEvent[];
  readonly iamRoleStatements: readonly Statement[];
  /** Besides the provider's environment. */
  readonly environment?: Readonly<Record<string, CfnValue>>;
  /** Functions that connect to the databases run in the VPC (ENI permissions: AWSLambdaVPCAccessExecutionRole). */
  readonly vpc?: VpcConfig;
}

export interface StateMachineScheduleEvent {
  readonly schedule: {
    readonly method: 'scheduler';
    readonly rate: string;
    readonly timezone: string;
    readonly role: CfnValue;
    readonly description: string;
    readonly input: Readonly<Record<string, unknown>>;
    /** Given by platform/state-machines.ts (core/schedules.ts). */
    readonly name: string;
  };
}

/** A state machine as serverless-step-functions (3.31) takes it under `stepFunctions.stateMachines`. */
export interface StateMachineConfig {
  /** Its CloudFormation logical id. */
  readonly id: string;
  readonly name: string;
  readonly definition: Record<string, unknown>;
  readonly role: CfnValue;
  readonly loggingConfig: { readonly level: 'ERROR'; readonly includeExecutionData: boolean; readonly destinations: readonly CfnValue[] };
  readonly tracingConfig: { readonly enabled: boolean };
  readonly events: readonly StateMachineScheduleEvent[];
}

/** What the alarms need to know about a deployed function besides its configuration. */
export interface FunctionMeta {
  /** Its component (the second level of the layout). */
  readonly component: string;
  readonly retriedErrors: readonly string[];
  /** FunctionSpec.afterFailure. */
  readonly afterFailure?: string;
}

/** What a region deploys, as the modules' `resources`, `alarms` and `dashboardWidgets` see it. */
export interface Deployed {
  /** In contribution order. */
  readonly functions: Readonly<Record<string, FunctionConfig>>;
  readonly functionMeta: Readonly<Record<string, FunctionMeta>>;
  readonly stateMachines: Readonly<Record<string, StateMachineConfig>>;
  /** The functions each state machine invokes (keys of `functions`). */
  readonly stateMachineSteps: Readonly<Record<string, readonly string[]>>;
  /** The EventBridge rules that start each state machine (StateMachineSpec.rules). */
  readonly stateMachineRules: Readonly<Record<string, readonly StateMachineRuleSpec[]>>;
  /** Each state machine's own statements besides invoking its steps (StateMachineSpec.statements; absent: none). */
  readonly stateMachineStatements?: Readonly<Record<string, readonly Statement[]>>;
  /** Every EventBridge Scheduler schedule of the region, by the name it is deployed with (core/schedules.ts). */
  readonly schedules: readonly DeclaredSchedule[];
}

export interface Deployment extends Deployed {
  readonly role: DeployRole;
  readonly region: string;
  /** Every function's environment (provider.environment). */
  readonly environment: Readonly<Record<string, CfnValue>>;
  readonly resources: { readonly Resources: Readonly<Record<string, CfnResource>>; readonly Outputs: Readonly<Record<string, unknown>> };
  readonly dashboardWidgets: readonly DashboardWidget[];
  /**
   * What every Scheduler schedule's Target gets (dead-letter queue, retry policy), which neither osls'
   * nor serverless-step-functions' schedule compilers can express: deploy/plugin.cjs applies it.
   */
  readonly scheduleTarget?: ScheduleTargetSettings;
  /** Things packaging should say out loud (e.g. validation functions without VPC access). */
  readonly warnings: readonly string[];
}

export interface ScheduleTargetSettings {
  readonly DeadLetterConfig: { readonly Arn: CfnValue };
  readonly RetryPolicy: { readonly MaximumRetryAttempts: number; readonly MaximumEventAgeInSeconds: number };
}

export interface DeploymentInput {
  readonly policy: Policy;
  /** The region being packaged (`--region`, default the policy's primary). */
  readonly region: string;
  readonly stage: string;
  /** Where the policy came from, for messages. */
  readonly policySource: string;
  /** The policy file inside the function packages, relative to the service directory (POLICY_FILE). */
  readonly policyFile: string;
  /**
   * Where validate-restore and capture-db-manifest run (`--param="validationSubnets=…"` and
   * `--param="validationSecurityGroups=…"`): the VPC of the databases; with network.egress "endpoints"
   * also `--param="validationVpc=vpc-…"` and `--param="validationRouteTables=rtb-…,…"` (the VPC
   * endpoints). Absent: packaged without a VPC, with a warning (they then cannot reach a private database).
   */
  readonly validationNetwork?: {
    readonly subnetIds?: readonly string[];
    readonly securityGroupIds?: readonly string[];
    readonly vpcId?: string;
    readonly routeTableIds?: readonly string[];
  };
}
