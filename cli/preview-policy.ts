// The policy the retention preview applies: a small JSON/YAML file ({timezone, keep, schedule?,
// compliance?}), or one resource's retention taken from backup-policy.yml.

import * as z from 'zod/mini';
import { InvalidInput, InvalidPolicy } from '../shared/errors.js';
import { complianceFloor, describeIssues, keepRules, timeZone } from '../shared/policy/fields.js';
import { findResource, parsePolicy, parseYamlDocument, retentionPolicyFor, type RegionRole } from '../shared/policy/load.js';
import type { Policy } from '../shared/policy/schema.js';
import type { RetentionPolicy } from '../shared/retention/plan.js';
import { parseScheduleExpression, type ScheduleExpression } from '../shared/schedule/expression.js';
import { readInput } from './input.js';

const previewPolicySchema = z.strictObject({
  timezone: z._default(timeZone, 'Asia/Tokyo'),
  keep: z._default(keepRules, {}),
  /** When backups run, to project expiry dates; default: every 24 h after the newest snapshot. */
  schedule: z.optional(z.string()),
  compliance: z.optional(z.strictObject({ floor: z.optional(complianceFloor), override: z.optional(z.string()) })),
});

export interface PreviewPolicy {
  readonly retention: RetentionPolicy;
  readonly schedule: ScheduleExpression | null;
  readonly legalHoldTag: string;
  readonly source: string;
}

export function readPreviewPolicy(text: string, source: string): PreviewPolicy {
  if (text.trim() === '') {
    throw new InvalidInput('', `${source === '-' ? 'standard input' : source} is empty: expected a JSON or YAML policy such as {"keep": {"daily": 7}}`);
  }
  let document: unknown;
  try {
    document = parseYamlDocument(text, source);
  } catch (error) {
    throw new InvalidInput('', (error as Error).message, { cause: error });
  }
  const result = previewPolicySchema.safeParse(document ?? {});
  if (!result.success) {
    throw new InvalidInput('', describeIssues(result.error, source).split('\n')[0] ?? source);
  }
  const { timezone, keep, schedule, compliance } = result.data;
  return {
    retention: {
      timeZone: timezone,
      keep,
      ...(compliance?.floor === undefined ? {} : { floor: compliance.floor }),
      ...(compliance?.override === undefined ? {} : { override: compliance.override }),
    },
    schedule: schedule === undefined ? null : parseScheduleExpression(schedule, `${source}.schedule`),
    legalHoldTag: 'legal-hold',
    source,
  };
}

export function resourcePreviewPolicy(policyFile: string, name: string, role: RegionRole): PreviewPolicy {
  let policy;
  try {
    policy = readPolicyFile(policyFile, '--policy-file');
  } catch (error) {
    if (error instanceof InvalidPolicy) throw new InvalidInput('', error.message.split('\n').slice(0, 2).join(' '), { cause: error });
    throw error;
  }
  const resource = findResource(policy, name);
  if (resource === undefined) {
    const known = [...policy.resources.databases, ...policy.resources.caches, ...policy.resources.configuration].map((r) => r.name);
    throw new InvalidInput('--resource', `no resource "${name}" with snapshots in ${policyFile} (known: ${known.join(', ') || 'none'})`);
  }
  if (resource.kind === 'buckets') {
    throw new InvalidInput('--resource', `"${name}" is an S3 bucket: its retention is an S3 lifecycle, not snapshots`);
  }
  return {
    retention: retentionPolicyFor(policy, resource, role),
    schedule: resource.schedule === undefined ? null : parseScheduleExpression(resource.schedule),
    legalHoldTag: policy.tags.legalHold,
    source: `${policyFile}#${name}`,
  };
}

/**
 * backup-policy.yml, read as the CLI reads any input (at most MAX_INPUT_BYTES, not a directory), then
 * parsed and validated as the Lambdas do (custom YAML tags refused, naming the file).
 */
export function readPolicyFile(path: string, field = ''): Policy {
  return parsePolicy(readInput(path, field), path);
}
