// Packaging time only (never bundled into a Lambda): composes what the platform modules and the
// components contribute into the deployment of one region, by the role the policy gives it — the
// functions (handlers at functions/<component>/<name>/, every one allowed to alert, the database-facing
// ones in the validation VPC, the asynchronous ones with an on-failure destination, their rules with a
// dead-letter queue), the state machines, the resources, alarms and the dashboard built from the widgets, the Lambdas'
// environment, and what the Scheduler schedules get. The archive region's role (regions.archive) asks only
// the modules that declare `inArchive` (its key and the media archive buckets: no function at all).
// serverless.yml reads it through deploy/serverless.cjs.

import { assertSchedulesFire } from '../shared/policy/summary.js';
import { loadPolicyFile } from '../shared/policy/load.js';
import type { Policy } from '../shared/policy/schema.js';
import type { RestoreTestMachine } from '../state-machines/rds/restore-test.js';
import { platformChecklist, type ChecklistFunction } from './components/platform/checklist.js';
import { platformJanitor, type PlatformFunction } from './components/platform/janitor.js';
import { platformReadiness, type ReadinessFunction } from './components/platform/readiness.js';
import { platformEscalation, type EscalationFunction, type EscalationMachine } from './components/platform/escalation.js';
import { platformRunbookSteps, type RunbookStepFunction } from './components/platform/runbook-steps.js';
import { platformFailover, type FailoverFunction, type FailoverMachine } from './components/platform/failover.js';
import { platformApplicationRecovery, type ApplicationRecoveryFunction, type ApplicationRecoveryMachine } from './components/platform/application-recovery.js';
import { rdsRecovery, type DatabaseRecoveryFunction, type DatabaseRecoveryMachine } from './components/rds/recovery.js';
import { rdsFailover, type RdsFailoverFunction } from './components/rds/failover.js';
import { configFailover, type ConfigFailoverFunction } from './components/config/failover.js';
import { redisFailover, type RedisFailoverFunction } from './components/redis/failover.js';
import { platformSchedules, type ScheduleCheckFunction } from './components/platform/schedules.js';
import { platformSlack, type SlackFunction } from './components/platform/slack.js';
import { rdsBackup, type RdsBackupFunction } from './components/rds/backup.js';
import { rdsRestoreTest, type RestoreTestFunction } from './components/rds/restore-test.js';
import { redisBackup, type RedisBackupFunction } from './components/redis/backup.js';
import { redisExports, type RedisExportFunction } from './components/redis/exports.js';
import { mediaRestore, type MediaRestoreFunction, type MediaRestoreMachine } from './components/media/restore.js';
import { configBackup, type ConfigBackupFunction } from './components/config/backup.js';
import { configPrune, type ConfigPruneFunction } from './components/config/prune.js';
import { configRestoreTest, type ConfigRestoreTestFunction } from './components/config/restore-test.js';
import { configRestore, type ConfigRestoreFunction, type ConfigRestoreMachine } from './components/config/restore.js';
import { configAlarms } from './components/config/alarms.js';
import { mediaAlarms } from './components/media/alarms.js';
import { rdsAlarms } from './components/rds/alarms.js';
import { redisAlarms } from './components/redis/alarms.js';
import { configDashboard } from './components/config/dashboard.js';
import { mediaDashboard } from './components/media/dashboard.js';
import { rdsDashboard } from './components/rds/dashboard.js';
import { redisDashboard } from './components/redis/dashboard.js';
import { mediaBuckets } from './components/media/buckets.js';
import { mediaPosture, type MediaPostureFunction } from './components/media/posture.js';
import { mediaVerify, type MediaVerifyFunction } from './components/media/verify.js';
import { redisRestoreTest, type CacheRestoreTestFunction, type CacheRestoreTestMachine } from './components/redis/restore-test.js';
import { redisRecovery, type CacheRecoveryFunction, type RedisRecoveryMachine } from './components/redis/recovery.js';
import { getAtt, LOGICAL_ID, PackagingError, type CfnResource, type Statement } from './core/cloudformation.js';
import { assertUniqueScheduleNames, namedSchedules, type DeclaredSchedule } from './core/schedules.js';
import type {
  Context,
  Contribution,
  DashboardWidget,
  DeployRole,
  Deployment,
  DeploymentInput,
  FunctionConfig,
  FunctionMeta,
  StateMachineConfig,
  StateMachineRuleSpec,
  ValidationNetwork,
} from './core/contribution.js';
import { failureAlarms } from './platform/alarms.js';
import { DASHBOARD_ID, dashboardResource } from './platform/dashboard.js';
import { addEscalationAlarmActions, alerts, alertStatements } from './platform/alerts.js';
import { lambdaEnvironment } from './platform/environment.js';
import { failureHandling, scheduleTargetSettings, withFailureHandling } from './platform/failures.js';
import { networkEndpoints, validationNetworkOf } from './platform/network.js';
import { checkBucketName, reports } from './platform/reports-bucket.js';
import { schedulerRoles } from './platform/scheduler.js';
import { buildStateMachine, stateMachinePlumbing } from './platform/state-machines.js';

/** Everything a region may deploy: the platform first, then one or more modules per component. */
export const CONTRIBUTIONS: readonly Contribution[] = [
  alerts,
  reports,
  stateMachinePlumbing,
  schedulerRoles,
  failureHandling,
  failureAlarms,
  networkEndpoints,
  platformJanitor,
  platformSlack,
  platformEscalation,
  platformChecklist,
  platformReadiness,
  platformRunbookSteps,
  platformFailover,
  platformApplicationRecovery,
  platformSchedules,
  rdsBackup,
  rdsRestoreTest,
  rdsRecovery,
  rdsFailover,
  redisBackup,
  redisExports,
  redisRestoreTest,
  redisRecovery,
  redisFailover,
  mediaRestore,
  mediaVerify,
  mediaBuckets,
  mediaPosture,
  configBackup,
  configPrune,
  configRestoreTest,
  configRestore,
  configFailover,
  // Each component's alarms on its own metrics (asked after everything above is collected).
  rdsAlarms,
  redisAlarms,
  mediaAlarms,
  configAlarms,
  rdsDashboard,
  redisDashboard,
  mediaDashboard,
  configDashboard,
];

export type FunctionName = RdsBackupFunction | RestoreTestFunction | RedisBackupFunction | RedisExportFunction | CacheRestoreTestFunction | MediaRestoreFunction | MediaVerifyFunction | MediaPostureFunction | ConfigBackupFunction | ConfigPruneFunction | ConfigRestoreTestFunction | ConfigRestoreFunction | PlatformFunction | SlackFunction | EscalationFunction | ChecklistFunction | ReadinessFunction | RunbookStepFunction | FailoverFunction | DatabaseRecoveryFunction | CacheRecoveryFunction | RdsFailoverFunction | ConfigFailoverFunction | RedisFailoverFunction | ScheduleCheckFunction | ApplicationRecoveryFunction;
export type StateMachineName = RestoreTestMachine | CacheRestoreTestMachine | MediaRestoreMachine | ConfigRestoreMachine | EscalationMachine | FailoverMachine | DatabaseRecoveryMachine | RedisRecoveryMachine | ApplicationRecoveryMachine;

export function roleOf(policy: Policy, region: string, policySource: string): DeployRole {
  if (region === policy.regions.primary) return 'primary';
  if (region === policy.regions.secondary) return 'secondary';
  if (region === policy.regions.archive) return 'archive';
  throw new PackagingError(
    `region ${region} has no role in ${policySource}: package the primary (${policy.regions.primary}, the default)` +
      (policy.regions.archive === undefined
        ? ` or the secondary (--region ${policy.regions.secondary})`
        : `, the secondary (--region ${policy.regions.secondary}) or the archive (--region ${policy.regions.archive})`) +
      `; regions.primary/secondary/archive in the policy say which is which`,
  );
}

/**
 * What a role deploys from: the archive region's stack only the modules that declare `inArchive`
 * (nothing else is even asked), every other role all of them.
 */
export function contributionsFor(role: DeployRole, contributions: readonly Contribution[]): readonly Contribution[] {
  return role === 'archive' ? contributions.filter((contribution) => contribution.inArchive === true) : contributions;
}

/** Adds `entries` to `into`, refusing a key another module already declared. */
function addUnique<T>(into: Record<string, T>, owners: Map<string, string>, entries: Readonly<Record<string, T>>, what: string, owner: string): void {
  for (const [key, value] of Object.entries(entries)) {
    const earlier = owners.get(key);
    if (earlier !== undefined) throw new PackagingError(`${what} "${key}" is declared by both ${earlier} and ${owner}`);
    owners.set(key, owner);
    into[key] = value;
  }
}

function buildFunctions(ctx: Context, contributions: readonly Contribution[]): { functions: Record<string, FunctionConfig>; functionMeta: Record<string, FunctionMeta> } {
  const functions: Record<string, FunctionConfig> = {};
  const functionMeta: Record<string, FunctionMeta> = {};
  const owners = new Map<string, string>();
  const vpc = ctx.network === undefined ? undefined : { subnetIds: ctx.network.subnetIds, securityGroupIds: ctx.network.securityGroupIds };
  for (const contribution of contributions) {
    for (const [name, spec] of Object.entries(contribution.functions ?? {})) {
      if (owners.has(name)) throw new PackagingError(`function "${name}" is declared by both ${owners.get(name)} and ${contribution.name}`);
      owners.set(name, contribution.name);
      if (ctx.role === 'archive' || !spec.roles.includes(ctx.role) || spec.deployedWhen?.(ctx) === false) continue;
      const environment = spec.environment?.(ctx);
      functionMeta[name] = { component: contribution.component, retriedErrors: spec.retriedErrors ?? [], ...(spec.afterFailure === undefined ? {} : { afterFailure: spec.afterFailure }) };
      functions[name] = withFailureHandling({
        handler: `functions/${contribution.component}/${name}/handler.handler`,
        description: spec.description,
        timeout: spec.timeout,
        memorySize: spec.memorySize,
        ...(spec.invokedBy === 'async' ? { maximumRetryAttempts: 1 } : {}),
        events: namedSchedules(ctx.stage, name, spec.events(ctx)),
        iamRoleStatements: [...spec.statements(ctx), ...alertStatements()],
        ...(environment === undefined ? {} : { environment }),
        ...(spec.inVpc === true && vpc !== undefined ? { vpc } : {}),
      });
    }
  }
  return { functions, functionMeta };
}

/**
 * The deployment of one region: what its role deploys from every contribution. Throws a
 * PackagingError for a region without a role, a stage that cannot name the reports bucket, a malformed
 * validation network, a state machine invoking a function the region does not deploy, or two modules
 * declaring the same function, state machine or logical id.
 */
export function buildDeployment(input: DeploymentInput, everyContribution: readonly Contribution[] = CONTRIBUTIONS): Deployment {
  const { policy, region } = input;
  const role = roleOf(policy, region, input.policySource);
  const contributions = contributionsFor(role, everyContribution);
  checkBucketName(input.stage, region);
  checkBucketName(input.stage, policy.regions.primary);
  checkBucketName(input.stage, policy.regions.secondary);
  const networkWarnings: string[] = [];
  // The archive region runs nothing: no validation network to ask for or warn about.
  const network: ValidationNetwork | undefined = role === 'archive' ? undefined : validationNetworkOf(input, networkWarnings);
  const ctx: Context = {
    policy,
    role,
    region,
    primary: policy.regions.primary,
    secondary: policy.regions.secondary,
    stage: input.stage,
    ownerTag: policy.tags.owner,
    schedulerRole: getAtt(LOGICAL_ID.schedulerRole),
    policyFile: input.policyFile,
    ...(network === undefined ? {} : { network }),
  };
  const warnings = [...contributions.flatMap((contribution) => contribution.warnings?.(ctx) ?? []), ...networkWarnings];

  const { functions, functionMeta } = buildFunctions(ctx, contributions);
  const deployedFunctions = new Set(Object.keys(functions));
  const stateMachines: Record<string, StateMachineConfig> = {};
  const stateMachineSteps: Record<string, string[]> = {};
  const stateMachineRules: Record<string, StateMachineRuleSpec[]> = {};
  const stateMachineStatements: Record<string, Statement[]> = {};
  const machineOwners = new Map<string, string>();
  const schedules: DeclaredSchedule[] = Object.entries(functions).flatMap(([owner, fn]) =>
    fn.events.flatMap((event) => ('schedule' in event && event.schedule.name !== undefined ? [{ name: event.schedule.name, component: functionMeta[owner]!.component, owner }] : [])),
  );
  for (const contribution of contributions) {
    for (const [name, spec] of Object.entries(contribution.stateMachines ?? {})) {
      if (machineOwners.has(name)) throw new PackagingError(`state machine "${name}" is declared by both ${machineOwners.get(name)} and ${contribution.name}`);
      machineOwners.set(name, contribution.name);
      if (role === 'archive' || !spec.roles.includes(role) || spec.deployedWhen?.(ctx) === false) continue;
      const { config, steps } = buildStateMachine(ctx, name, spec, deployedFunctions);
      stateMachines[name] = config;
      stateMachineSteps[name] = steps;
      stateMachineRules[name] = spec.rules?.(ctx) ?? [];
      stateMachineStatements[name] = spec.statements?.(ctx) ?? [];
      schedules.push(...config.events.map((event) => ({ name: event.schedule.name, component: contribution.component, owner: name })));
    }
  }
  assertUniqueScheduleNames(schedules);

  const deployed = { functions, functionMeta, stateMachines, stateMachineSteps, stateMachineRules, stateMachineStatements, schedules };
  // What a function is told about the whole region (check-schedules: every schedule), now that it is known.
  for (const contribution of contributions) {
    for (const [name, spec] of Object.entries(contribution.functions ?? {})) {
      const fn = functions[name];
      if (fn === undefined || spec.environmentOfDeployment === undefined) continue;
      functions[name] = { ...fn, environment: { ...fn.environment, ...spec.environmentOfDeployment(ctx, deployed) } };
    }
  }
  const resources: Record<string, CfnResource> = {};
  const outputs: Record<string, unknown> = {};
  const resourceOwners = new Map<string, string>();
  const outputOwners = new Map<string, string>();
  const dashboardWidgets: DashboardWidget[] = [];
  for (const contribution of contributions) {
    const fragment = contribution.resources?.(ctx, deployed) ?? {};
    addUnique(resources, resourceOwners, fragment.Resources ?? {}, 'resource', contribution.name);
    addUnique(resources, resourceOwners, contribution.alarms?.(ctx, deployed) ?? {}, 'alarm', contribution.name);
    addUnique(outputs, outputOwners, fragment.Outputs ?? {}, 'output', contribution.name);
    dashboardWidgets.push(...(contribution.dashboardWidgets?.(ctx, deployed) ?? []));
  }
  // The region's dashboard, once every alarm is known (the archive region runs nothing to watch).
  if (role !== 'archive') {
    const alarmIds = Object.keys(resources).filter((id) => resources[id]?.Type === 'AWS::CloudWatch::Alarm');
    addUnique(resources, resourceOwners, { [DASHBOARD_ID]: dashboardResource(ctx, deployed, dashboardWidgets, alarmIds) }, 'resource', 'platform/dashboard');
  }

  return {
    role,
    region,
    ...deployed,
    // No function in the archive region: no environment naming a topic or bucket its stack does not have.
    environment: role === 'archive' ? {} : lambdaEnvironment(ctx),
    // With alerts.escalation, every alarm (of every contribution) also notifies the escalation alarms topic (platform/alerts.ts).
    resources: { Resources: addEscalationAlarmActions(ctx, resources), Outputs: outputs },
    dashboardWidgets,
    ...(scheduleTargetSettings(deployed) === undefined ? {} : { scheduleTarget: scheduleTargetSettings(deployed) }),
    warnings,
  };
}

export interface DeploymentFile {
  /** The policy file to load. */
  readonly policyPath: string;
  /** How messages name it. */
  readonly policySource: string;
  /** Where it is inside the function packages (POLICY_FILE). */
  readonly policyFile: string;
  /** The region being packaged (default the policy's primary). */
  readonly region?: string;
  readonly stage: string;
  readonly validationNetwork?: DeploymentInput['validationNetwork'];
}

/** Loads and validates the policy file (the project's own schema), then builds the deployment. */
export function deploymentFromFile(file: DeploymentFile): Deployment & { policy: Policy } {
  const policy = loadPolicyFile(file.policyPath);
  // At packaging time (never at cold start: a deployed policy must not turn invalid by itself when its
  // last scheduled year passes), a schedule that will never fire again is an error naming its field.
  try {
    assertSchedulesFire(policy, Date.now());
  } catch (error) {
    throw new PackagingError(`${file.policySource} is invalid:\n${error instanceof Error ? error.message : String(error)}`);
  }
  const deployment = buildDeployment({
    policy,
    region: file.region ?? policy.regions.primary,
    stage: file.stage,
    policySource: file.policySource,
    policyFile: file.policyFile,
    ...(file.validationNetwork === undefined ? {} : { validationNetwork: file.validationNetwork }),
  });
  return { ...deployment, policy };
}
