// Shared by the tests/infra suites that build deployments without packaging: variants of the
// repository's backup-policy.yml, one region's deployment of them, and readers for what they contain.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { buildDeployment } from '../../deploy/assemble.js';
import { SERVICE_DIR } from '../../deploy/bundles.js';
import type { Statement } from '../../deploy/core/cloudformation.js';
import type { Deployment, DeploymentInput } from '../../deploy/core/contribution.js';
import { parsePolicy } from '../../shared/policy/load.js';
import type { Policy } from '../../shared/policy/schema.js';

export type Doc = Record<string, any>;

export function policyWith(change: (doc: Doc) => void = () => undefined): Policy {
  const doc = parseYaml(readFileSync(join(SERVICE_DIR, 'backup-policy.yml'), 'utf8')) as Doc;
  change(doc);
  return parsePolicy(stringifyYaml(doc), 'test-policy.yml');
}

export function deployIn(policy: Policy, region = policy.regions.primary, extra: Partial<DeploymentInput> = {}): Deployment {
  return buildDeployment({ policy, region, stage: 'test', policySource: 'test-policy.yml', policyFile: 'backup-policy.yml', ...extra });
}

/** A complete validation network (subnets, security groups, VPC, route tables). */
export const NETWORK = {
  subnetIds: ['subnet-0a1b2c3d', 'subnet-0e1f2a3b'],
  securityGroupIds: ['sg-0123abcd', 'sg-0456cdef'],
  vpcId: 'vpc-0a1b2c3d4e5f6a7b8',
  routeTableIds: ['rtb-0a1b2c3d', 'rtb-0e1f2a3b'],
} as const;

export type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: unknown };

export const resourcesOfType = (d: Deployment, type: string): [string, Resource][] =>
  Object.entries(d.resources.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => [id, { Type: r.Type, Properties: r.Properties as Record<string, any> }]);

export const propsOf = (d: Deployment, id: string): Record<string, any> => {
  const resource = d.resources.Resources[id];
  if (resource === undefined) throw new Error(`no resource ${id}`);
  return resource.Properties as Record<string, any>;
};

export function statementsOf(d: Deployment, fn: string): readonly Statement[] {
  const config = d.functions[fn];
  if (config === undefined) throw new Error(`${fn} is not deployed`);
  return config.iamRoleStatements;
}

export function roleStatementsOf(d: Deployment, logicalId: string): Statement[] {
  const role = d.resources.Resources[logicalId] as { Properties: { Policies: { PolicyDocument: { Statement: Statement[] } }[] } } | undefined;
  if (role === undefined) throw new Error(`no ${logicalId}`);
  return role.Properties.Policies.flatMap((p) => p.PolicyDocument.Statement);
}

export const withAction = (list: readonly Statement[], action: string): Statement[] => list.filter((s) => s.Action.includes(action));

/** The Fn::Sub texts (or literal strings) of a statement's resources. */
export const subs = (s: Statement | undefined): string[] =>
  (s?.Resource ?? []).map((r) => (typeof r === 'string' ? r : ((r as { 'Fn::Sub'?: string })['Fn::Sub'] ?? JSON.stringify(r))));
