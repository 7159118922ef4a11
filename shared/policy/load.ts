// Reading the policy file: YAML (or JSON) text in, a validated Policy out, or an InvalidPolicy error
// that names every bad field. Also the per-resource views the functions and the CLI work from.

import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { InvalidPolicy } from '../errors.js';
import type { ComplianceFloor } from '../retention/floor.js';
import type { RetentionPolicy } from '../retention/plan.js';
import { describeIssues } from './fields.js';
import { policySchema, type Policy, type ResourceRetention } from './schema.js';

export const DEFAULT_POLICY_FILE = 'backup-policy.yml';

/**
 * Parses YAML (JSON is YAML too). Duplicate keys are errors, not silent overrides; so is a custom tag
 * (`!Ref`, `!!binary`) or anything else the yaml library would only warn about — it would print a Node
 * warning per tag and read the value as a plain string.
 */
export function parseYamlDocument(text: string, source: string): unknown {
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true, logLevel: 'silent' });
  const problem = document.errors[0] ?? document.warnings[0];
  if (problem !== undefined) {
    // prettyErrors: the first line reads "Unresolved tag: !Ref at line 2, column 10:".
    const message = (problem.message.split('\n')[0] ?? problem.code).replace(/:$/, '');
    const reason = problem.code === 'TAG_RESOLVE_FAILED' ? `${message} (custom YAML tags are not supported)` : message;
    throw new InvalidPolicy(`${source}: not valid YAML/JSON: ${reason}`, { cause: problem });
  }
  return document.toJS() as unknown;
}

export function parsePolicy(text: string, source = DEFAULT_POLICY_FILE): Policy {
  const document = parseYamlDocument(text, source);
  const result = policySchema.safeParse(document);
  if (!result.success) {
    throw new InvalidPolicy(`${source} is invalid:\n${describeIssues(result.error)}`, { cause: result.error });
  }
  return result.data;
}

export function loadPolicyFile(path: string = DEFAULT_POLICY_FILE): Policy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InvalidPolicy(`cannot read policy file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
  return parsePolicy(text, path);
}

export type ResourceKind = 'databases' | 'caches' | 'configuration' | 'buckets';
export type RegionRole = 'primary' | 'secondary';

export interface ResourceRef {
  readonly kind: ResourceKind;
  readonly name: string;
  readonly schedule?: string;
  readonly retention?: ResourceRetention;
}

/** Every protected resource, in file order. */
export function listResources(policy: Policy): ResourceRef[] {
  const { databases, caches, buckets, configuration } = policy.resources;
  return [
    ...databases.map((r) => ({ kind: 'databases' as const, name: r.name, schedule: r.schedule, retention: r.retention })),
    ...caches.map((r) => ({ kind: 'caches' as const, name: r.name, schedule: r.schedule, retention: r.retention })),
    ...configuration.map((r) => ({ kind: 'configuration' as const, name: r.name, schedule: r.schedule, retention: r.retention })),
    ...buckets.map((r) => ({ kind: 'buckets' as const, name: r.name })),
  ];
}

export function findResource(policy: Policy, name: string): ResourceRef | undefined {
  return listResources(policy).find((r) => r.name === name);
}

/** The retention policy of a snapshot-based resource in a region (the secondary may differ). */
export function retentionPolicyFor(policy: Policy, resource: ResourceRef, role: RegionRole = 'primary'): RetentionPolicy {
  if (resource.retention === undefined || resource.kind === 'buckets') {
    throw new InvalidPolicy(`resource "${resource.name}" is an S3 bucket: its retention is an S3 lifecycle, not snapshots`);
  }
  const { secondary, complianceOverride, ...primary } = resource.retention;
  const floor: ComplianceFloor = policy.compliance[resource.kind] ?? {};
  return {
    timeZone: policy.timezone,
    keep: role === 'secondary' && secondary !== undefined ? secondary : primary,
    floor,
    ...(complianceOverride === undefined ? {} : { override: complianceOverride }),
  };
}
