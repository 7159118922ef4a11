// Packaging time only: IAM statements for the customer-managed KMS keys the policy names per region role.
// IAM cannot name a key by alias, so an alias is matched through `kms:ResourceAliases`; an ARN or key id
// is named directly.

import type { RegionRole } from '../../shared/policy/load.js';
import type { Policy } from '../../shared/policy/schema.js';
import { ACCOUNT, PARTITION, sub, type CfnValue, type Condition, type Statement } from './cloudformation.js';

/** IAM resources + condition for the key the policy names for one region role (null: none named). */
export function keyScope(policy: Policy, role: RegionRole | 'archive'): { Resource: CfnValue[]; Condition?: Condition } | null {
  const name = policy.kms[role];
  const region = policy.regions[role];
  if (name === undefined || region === undefined) return null;
  const aliasArn = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:(alias\/.+)$/.exec(name);
  if (name.startsWith('alias/') || aliasArn !== null) {
    const keyRegion = aliasArn?.[1] ?? region;
    const alias = aliasArn?.[2] ?? name;
    return {
      Resource: [sub(`arn:${PARTITION}:kms:${keyRegion}:${ACCOUNT}:key/*`)],
      Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [alias] } },
    };
  }
  if (name.startsWith('arn:')) return { Resource: [name] };
  return { Resource: [sub(`arn:${PARTITION}:kms:${region}:${ACCOUNT}:key/${name}`)] };
}

function mergeConditions(a: Condition | undefined, b: Condition | undefined): Condition | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const merged: Record<string, Record<string, string | readonly string[]>> = {};
  for (const source of [a, b]) {
    for (const [operator, values] of Object.entries(source)) merged[operator] = { ...merged[operator], ...values };
  }
  return merged;
}

/**
 * KMS statements for the given roles' keys: `plain` actions, plus CreateGrant only for AWS resources
 * (RDS); `via` narrows both to requests made through one AWS service (kms:ViaService).
 */
export function keyStatements(policy: Policy, roles: readonly RegionRole[], plain: readonly string[], withGrant: boolean, via?: string): Statement[] {
  const statements: Statement[] = [];
  const viaService: Condition | undefined = via === undefined ? undefined : { StringEquals: { 'kms:ViaService': via } };
  for (const role of roles) {
    const scope = keyScope(policy, role);
    if (scope === null) continue;
    const condition = mergeConditions(scope.Condition, viaService);
    if (plain.length > 0) statements.push({ Effect: 'Allow', Action: plain, Resource: scope.Resource, ...(condition ? { Condition: condition } : {}) });
    if (withGrant) {
      statements.push({
        Effect: 'Allow',
        Action: ['kms:CreateGrant'],
        Resource: scope.Resource,
        Condition: mergeConditions(condition, { Bool: { 'kms:GrantIsForAWSResource': 'true' } }),
      });
    }
  }
  return statements;
}
