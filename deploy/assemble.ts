// Packaging time only (never bundled into a Lambda): composes what the platform modules and the
// components contribute into the deployment of one region, by the role the policy gives it — the
// functions (handlers at functions/<component>/<name>/, every one allowed to alert, the database-facing
// ones in the validation VPC), the state machines, the resources, alarms and dashboard widgets, and the
// Lambdas' environment. serverless.yml reads it through deploy/serverless.cjs.

import { loadPolicyFile, type RegionRole } from '../shared/policy/load.js';
import type { Policy } from '../shared/policy/schema.js';
import type { RestoreTestMachine } from '../state-machines/rds/restore-test.js';
import { rdsBackup, type RdsBackupFunction } from './components/rds/backup.js';
import { rdsRestoreTest, type RestoreTestFunction } from './components/rds/restore-test.js';
import { getAtt, LOGICAL_ID, PackagingError, type CfnResource } from './core/cloudformation.js';
import type { Context, Contribution, DashboardWidget, Deployment, DeploymentInput, FunctionConfig, StateMachineConfig, VpcConfig } from './core/contribution.js';
import { alerts, alertStatements } from './platform/alerts.js';
import { lambdaEnvironment } from './platform/environment.js';
import { checkBucketName, reports } from './platform/reports-bucket.js';
import { schedulerRoles } from './platform/scheduler.js';
import { buildStateMachine, stateMachinePlumbing } from './platform/state-machines.js';

/** Everything a region may deploy: the platform first, then one or more modules per component. */
export const CONTRIBUTIONS: readonly Contribution[] = [alerts, reports, stateMachinePlumbing, schedulerRoles, rdsBackup, rdsRestoreTest];

export type FunctionName = RdsBackupFunction | RestoreTestFunction;
export type StateMachineName = RestoreTestMachine;

export function roleOf(policy: Policy, region: string, policySource: string): RegionRole {
  if (region === policy.regions.primary) return 'primary';
  if (region === policy.regions.secondary) return 'secondary';
  const archive = policy.regions.archive === region ? ` (${region} is the archive region: it holds only the archive bucket, no functions)` : '';
  throw new PackagingError(
    `region ${region} has no role in ${policySource}${archive}: package the primary (${policy.regions.primary}, the default) ` +
      `or the secondary (--region ${policy.regions.secondary}); regions.primary/regions.secondary in the policy say which is which`,
  );
}

const SUBNET = /^subnet-[0-9a-f]+$/;
const SECURITY_GROUP = /^sg-[0-9a-f]+$/;

function validationVpc(input: DeploymentInput, warnings: string[]): VpcConfig | undefined {
  const subnetIds = [...(input.validationNetwork?.subnetIds ?? [])];
  const securityGroupIds = [...(input.validationNetwork?.securityGroupIds ?? [])];
  if (subnetIds.length === 0 && securityGroupIds.length === 0) {
    warnings.push(
      'validate-restore and capture-db-manifest are packaged WITHOUT a VPC: they cannot reach a database in private subnets. ' +
        'Package with --param="validationSubnets=subnet-…,subnet-…" --param="validationSecurityGroups=sg-…" (subnets that can reach the ' +
        "restored instances and the source; the restored instances' security groups must admit these).",
    );
    return undefined;
  }
  if (subnetIds.length === 0 || securityGroupIds.length === 0) {
    throw new PackagingError('give both validationSubnets and validationSecurityGroups (or neither): a Lambda VPC configuration needs subnets and security groups');
  }
  const badSubnet = subnetIds.find((s) => !SUBNET.test(s));
  if (badSubnet !== undefined) throw new PackagingError(`validationSubnets: "${badSubnet}" is not a subnet id (subnet-…)`);
  const badGroup = securityGroupIds.find((s) => !SECURITY_GROUP.test(s));
  if (badGroup !== undefined) throw new PackagingError(`validationSecurityGroups: "${badGroup}" is not a security group id (sg-…)`);
  return { subnetIds, securityGroupIds };
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

function buildFunctions(ctx: Context, contributions: readonly Contribution[], vpc: VpcConfig | undefined): Record<string, FunctionConfig> {
  const functions: Record<string, FunctionConfig> = {};
  const owners = new Map<string, string>();
  for (const contribution of contributions) {
    for (const [name, spec] of Object.entries(contribution.functions ?? {})) {
      if (owners.has(name)) throw new PackagingError(`function "${name}" is declared by both ${owners.get(name)} and ${contribution.name}`);
      owners.set(name, contribution.name);
      if (!spec.roles.includes(ctx.role) || spec.deployedWhen?.(ctx) === false) continue;
      const environment = spec.environment?.(ctx);
      functions[name] = {
        handler: `functions/${contribution.component}/${name}/handler.handler`,
        description: spec.description,
        timeout: spec.timeout,
        memorySize: spec.memorySize,
        ...(spec.invokedBy === 'async' ? { maximumRetryAttempts: 1 } : {}),
        events: spec.events(ctx),
        iamRoleStatements: [...spec.statements(ctx), ...alertStatements()],
        ...(environment === undefined ? {} : { environment }),
        ...(spec.inVpc === true && vpc !== undefined ? { vpc } : {}),
      };
    }
  }
  return functions;
}

/**
 * The deployment of one region: what its role deploys from every contribution. Throws a
 * PackagingError for a region without a role, a stage that cannot name the reports bucket, a malformed
 * validation network, a state machine invoking a function the region does not deploy, or two modules
 * declaring the same function, state machine or logical id.
 */
export function buildDeployment(input: DeploymentInput, contributions: readonly Contribution[] = CONTRIBUTIONS): Deployment {
  const { policy, region } = input;
  const role = roleOf(policy, region, input.policySource);
  checkBucketName(input.stage, region);
  checkBucketName(input.stage, policy.regions.primary);
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
  };
  const warnings = contributions.flatMap((contribution) => contribution.warnings?.(ctx) ?? []);
  const vpc = validationVpc(input, warnings);

  const functions = buildFunctions(ctx, contributions, vpc);
  const deployedFunctions = new Set(Object.keys(functions));
  const stateMachines: Record<string, StateMachineConfig> = {};
  const stateMachineSteps: Record<string, string[]> = {};
  const machineOwners = new Map<string, string>();
  for (const contribution of contributions) {
    for (const [name, spec] of Object.entries(contribution.stateMachines ?? {})) {
      if (machineOwners.has(name)) throw new PackagingError(`state machine "${name}" is declared by both ${machineOwners.get(name)} and ${contribution.name}`);
      machineOwners.set(name, contribution.name);
      if (!spec.roles.includes(role)) continue;
      const { config, steps } = buildStateMachine(ctx, name, spec, deployedFunctions);
      stateMachines[name] = config;
      stateMachineSteps[name] = steps;
    }
  }

  const deployed = { functions, stateMachines, stateMachineSteps };
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

  return {
    role,
    region,
    ...deployed,
    environment: lambdaEnvironment(ctx),
    resources: { Resources: resources, Outputs: outputs },
    dashboardWidgets,
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
