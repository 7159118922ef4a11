// Packaging time only: IAM statements for the customer-managed KMS keys a region role uses — the
// policy's kms.<role>, else the service's own key of that region's deployment (its stage-scoped alias,
// serviceKeyAlias) — and for the production database's own key (kms.source). IAM cannot name a key by
// alias, so an alias is matched through `kms:ResourceAliases`; an ARN or key id is named directly.

import { serviceKeyAlias } from '../../shared/contracts.js';
import type { RegionRole } from '../../shared/policy/load.js';
import type { Policy } from '../../shared/policy/schema.js';
import { ACCOUNT, PARTITION, sub, type CfnValue, type Condition, type Statement } from './cloudformation.js';

/** What the key statements read about the deployment. */
export interface KeyContext {
  readonly policy: Policy;
  readonly stage: string;
}

export interface KeyScope {
  readonly Resource: CfnValue[];
  readonly Condition?: Condition;
}

/** IAM resources + condition for a key named by alias, alias ARN, key ARN or key id, in `region`. */
export function namedKeyScope(name: string, region: string): KeyScope {
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

/**
 * The key a region role uses: the policy's kms.<role>, else the service's own key of that region's
 * deployment by its stage-scoped alias (the archive region's deployment creates one too). null: the
 * archive role when the policy has no archive region.
 */
export function keyScope(ctx: KeyContext, role: RegionRole | 'archive'): KeyScope | null {
  const region = ctx.policy.regions[role];
  if (region === undefined) return null;
  return namedKeyScope(ctx.policy.kms[role] ?? serviceKeyAlias(ctx.stage), region);
}

export function mergeConditions(a: Condition | undefined, b: Condition | undefined): Condition | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const merged: Record<string, Record<string, CfnValue | readonly CfnValue[]>> = {};
  for (const source of [a, b]) {
    for (const [operator, values] of Object.entries(source)) merged[operator] = { ...merged[operator], ...values };
  }
  return merged;
}

const viaService = (via: string | undefined): Condition | undefined => (via === undefined ? undefined : { StringEquals: { 'kms:ViaService': via } });
const FOR_AWS_RESOURCES: Condition = { Bool: { 'kms:GrantIsForAWSResource': 'true' } };

/** `plain` actions on one key scope, plus CreateGrant only for AWS resources; `via` narrows both to one service. */
function scopedStatements(scope: KeyScope, plain: readonly string[], withGrant: boolean, via?: string): Statement[] {
  const condition = mergeConditions(scope.Condition, viaService(via));
  const statements: Statement[] = [];
  if (plain.length > 0) statements.push({ Effect: 'Allow', Action: plain, Resource: scope.Resource, ...(condition ? { Condition: condition } : {}) });
  if (withGrant) statements.push({ Effect: 'Allow', Action: ['kms:CreateGrant'], Resource: scope.Resource, Condition: mergeConditions(condition, FOR_AWS_RESOURCES) });
  return statements;
}

/**
 * KMS statements for the given roles' keys: `plain` actions, plus CreateGrant only for AWS resources
 * (RDS); `via` narrows both to requests made through one AWS service (kms:ViaService).
 */
export function keyStatements(ctx: KeyContext, roles: readonly (RegionRole | 'archive')[], plain: readonly string[], withGrant: boolean, via?: string): Statement[] {
  return roles.flatMap((role) => {
    const scope = keyScope(ctx, role);
    return scope === null ? [] : scopedStatements(scope, plain, withGrant, via);
  });
}

/**
 * The production database's own customer key (kms.source), in the primary: its snapshots are encrypted
 * with it, so copying one (re-encrypted with the secondary's key) or restoring one needs to describe it,
 * to decrypt and re-encrypt from it through RDS, and a grant RDS creates on it for the caller. None
 * without kms.source (an unencrypted database, or one encrypted with the AWS-managed aws/rds key).
 */
export function sourceKeyStatements(ctx: KeyContext): Statement[] {
  const name = ctx.policy.kms.source;
  if (name === undefined) return [];
  const scope = namedKeyScope(name, ctx.policy.regions.primary);
  const viaRds = `rds.${ctx.policy.regions.primary}.amazonaws.com`;
  return [
    { Effect: 'Allow', Action: ['kms:DescribeKey'], Resource: scope.Resource, ...(scope.Condition ? { Condition: scope.Condition } : {}) },
    ...scopedStatements(scope, ['kms:Decrypt', 'kms:ReEncryptFrom'], true, viaRds),
  ];
}
