// What an alarm's name says, as deploy/ writes it — "<service>-<stage>-<component>-<resource>-<what>-<region>"
// (deploy/core/alarms.ts) — and where its console page is: read by the Slack notifier (an alarm's message)
// and by escalate-unresolved (the alarm it escalates). Pure.

import { SERVICE } from '../contracts.js';
import type { Policy } from '../policy/schema.js';

export interface AlarmParts {
  readonly component: string;
  /** The policy's resource it is about (the longest that fits), else what is left of the name. */
  readonly resource: string;
  /** What it watches ("freshness", "copy-freshness"); absent when the name holds no resource of the policy. */
  readonly what?: string;
  /** The region the name ends with (an alarm of one region may watch another's copies), else the given one. */
  readonly region: string;
}

const REGION_SUFFIX = /-([a-z]{2}(?:-gov)?-[a-z]+-\d)$/;
const COMPONENTS = ['rds', 'redis', 'media', 'config', 'platform'];

/** The parts of an alarm name; `region` when the name ends with none. */
export function alarmParts(name: string, stage: string, region: string, policy?: Policy): AlarmParts {
  const prefix = `${SERVICE}-${stage}-`;
  let inner = name.startsWith(prefix) ? name.slice(prefix.length) : name;
  const suffix = REGION_SUFFIX.exec(inner);
  if (suffix !== null) inner = inner.slice(0, -suffix[0].length);
  const about = suffix?.[1] ?? region;
  const [first, ...rest] = inner.split('-');
  if (first === undefined || !COMPONENTS.includes(first) || rest.length === 0) return { component: 'platform', resource: inner, region: about };
  const tail = rest.join('-');
  const { databases, caches, buckets, configuration } = policy?.resources ?? { databases: [], caches: [], buckets: [], configuration: [] };
  const named = [...databases, ...caches, ...buckets, ...configuration]
    .map((r) => r.name)
    .filter((r) => tail === r || tail.startsWith(`${r}-`))
    .sort((a, b) => b.length - a.length)[0];
  if (named === undefined || named === tail) return { component: first, resource: tail, region: about };
  return { component: first, resource: named, what: tail.slice(named.length + 1), region: about };
}

/** The region of an ARN (its fourth field), or undefined. */
export const arnRegion = (arn: string | undefined): string | undefined => (arn === undefined ? undefined : arn.split(':')[3] || undefined);

/** The alarm's page in the CloudWatch console. */
export const alarmConsoleUrl = (region: string, name: string): string =>
  `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#alarmsV2:alarm/${encodeURIComponent(name)}`;

/** An alarm description's runbook: what follows "Runbook:", else undefined; and what it says happened before it. */
export function runbookOf(description: string): { happened: string; runbook?: string } {
  if (!description.includes('Runbook:')) return { happened: description };
  const [happened = '', runbook] = description.split(/\s*Runbook:\s*/, 2);
  return runbook === undefined ? { happened } : { happened, runbook };
}
