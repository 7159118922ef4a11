// What the Slack notifier reads off the alerts topic and what it posts: the three kinds of message the
// topic carries — our alerts (the `lambda` JSON of shared/alerts/sns.ts), CloudWatch alarm state changes
// (ALARM, and OK after it: a resolution) and the execution-failed notice of the EventBridge rule (a
// quoted text line), and the delayed escalation of an alarm still unresolved (shared/alerts/unresolved.ts) —
// read into one Notice; a fingerprint saying which notices are "the same alert"
// (folded into a count within the window); and the Block Kit message (severity, component, resource,
// region, what happened, measured vs target, links, the runbook step) with its plain-text rendering for
// the drill and for Slack's notification text. Pure: no I/O, no secret ever passes through here.

import { SERVICE } from '../contracts.js';
import { InvalidInput } from '../errors.js';
import type { Policy } from '../policy/schema.js';
import { SEVERITIES, type Severity } from './alert.js';
import { alarmConsoleUrl, alarmParts, arnRegion, runbookOf } from './alarm-name.js';
import { spokenDuration, UNRESOLVED_KIND } from './unresolved.js';

export interface NoticeLink {
  readonly label: string;
  readonly url: string;
}

export interface Notice {
  /** firing: something is wrong; resolved: an alarm went back to OK. */
  readonly status: 'firing' | 'resolved';
  /**
   * What the message was: one of our alerts, a CloudWatch alarm's state change, a text notice (the
   * execution-failed rule's), or the delayed escalation of an alarm still unresolved. Decides which
   * escalation levels' channels it reaches.
   */
  readonly origin: 'alert' | 'alarm' | 'notice' | 'escalation';
  readonly severity: Severity;
  readonly component: string;
  readonly kind: string;
  readonly resource: string;
  readonly region: string;
  /** What happened, in one line. */
  readonly summary: string;
  readonly measured?: string;
  readonly target?: string;
  /** The runbook step. */
  readonly action: string;
  readonly source: string;
  readonly at: number;
  readonly links: readonly NoticeLink[];
  /** Which notices are the same alert (folded within the window; an OK resolves its ALARM). */
  readonly fingerprint: string;
  /** An escalation: how long the alarm had been unresolved (it shares the alarm's fingerprint, so its OK resolves it). */
  readonly escalation?: { readonly unresolvedForMs: number };
}

/** Where the links point: the deployment's stage and region, and this region's reports bucket. */
export interface LinkContext {
  readonly stage: string;
  readonly region: string;
  readonly reportsBucket?: string;
}

/** The dashboard of a region (deploy/platform/dashboard.ts names it the same way). */
export const dashboardName = (stage: string, region: string): string => `${SERVICE}-${stage}-${region}`;

const consoleBase = (region: string) => `https://${region}.console.aws.amazon.com`;
const logGroupUrl = (region: string, group: string) =>
  `${consoleBase(region)}/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/${encodeURIComponent(encodeURIComponent(group)).replace(/%/g, '$')}`;
const dashboardUrl = (ctx: LinkContext, region: string) => `${consoleBase(region)}/cloudwatch/home?region=${region}#dashboards/dashboard/${dashboardName(ctx.stage, region)}`;
const executionUrl = (arn: string) => `${consoleBase(arn.split(':')[3] ?? 'us-east-1')}/states/home?region=${arn.split(':')[3] ?? ''}#/v2/executions/details/${arn}`;
const evidenceUrl = (bucket: string, key: string, region: string) => `https://s3.console.aws.amazon.com/s3/object/${bucket}?region=${region}&prefix=${encodeURIComponent(key)}`;

const EXECUTION_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:\s]+:[^:\s]+$/;

/** The component a resource belongs to, by where the policy lists it; the service's own alerts are platform's. */
export function componentOf(policy: Policy, resource: string): string {
  const { databases, caches, buckets, configuration } = policy.resources;
  if (databases.some((r) => r.name === resource)) return 'rds';
  if (caches.some((r) => r.name === resource)) return 'redis';
  if (buckets.some((r) => r.name === resource)) return 'media';
  if (configuration.some((r) => r.name === resource)) return 'config';
  return 'platform';
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value : undefined);

function alertLinks(ctx: LinkContext, region: string, source: string, details: Record<string, unknown>): NoticeLink[] {
  const links: NoticeLink[] = [];
  const execution = Object.values(details).find((v): v is string => typeof v === 'string' && EXECUTION_ARN.test(v));
  if (execution !== undefined) links.push({ label: 'Execution', url: executionUrl(execution) });
  links.push({ label: 'Logs', url: logGroupUrl(region, `/aws/lambda/${SERVICE}-${ctx.stage}-${source}`) });
  links.push({ label: 'Dashboard', url: dashboardUrl(ctx, region) });
  // A key of this region's reports bucket, or an s3:// address of any bucket.
  const evidence = text(details['evidence']) ?? text(details['report']);
  const address = evidence === undefined ? null : /^s3:\/\/([^/]+)\/(.+)$/.exec(evidence);
  if (address !== null && address[1] !== undefined && address[2] !== undefined) links.push({ label: 'Evidence', url: evidenceUrl(address[1], address[2], region) });
  else if (evidence !== undefined && ctx.reportsBucket !== undefined) links.push({ label: 'Evidence', url: evidenceUrl(ctx.reportsBucket, evidence, region) });
  return links;
}

/** One of our alerts (alertJson): validated field by field. */
function fromAlert(json: Record<string, unknown>, policy: Policy, ctx: LinkContext): Notice {
  const field = (name: string): string => {
    const value = text(json[name]);
    if (value === undefined) throw new InvalidInput(`Message.${name}`, 'must be a non-empty string');
    return value;
  };
  const severity = field('severity');
  if (!(SEVERITIES as readonly string[]).includes(severity)) throw new InvalidInput('Message.severity', `must be one of ${SEVERITIES.join(', ')}`);
  const at = Date.parse(field('at'));
  if (Number.isNaN(at)) throw new InvalidInput('Message.at', 'must be an ISO time');
  const details = (typeof json['details'] === 'object' && json['details'] !== null ? json['details'] : {}) as Record<string, unknown>;
  const [kind, resource, region, source] = [field('kind'), field('resource'), field('region'), field('source')];
  if (kind === UNRESOLVED_KIND) return fromUnresolved({ resource, region, summary: field('summary'), action: field('action'), source }, details, ctx);
  const scalar = (value: unknown): string | undefined => (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined);
  const measured = scalar(details['measured']);
  const target = scalar(details['target']);
  return {
    // A posture finding that cleared (shared/alerts/posture-memory.ts) reads as a resolution.
    status: details['resolved'] === true ? 'resolved' : 'firing',
    origin: 'alert',
    severity: severity as Severity,
    component: text(details['component']) ?? componentOf(policy, resource),
    kind,
    resource,
    region,
    summary: field('summary'),
    ...(measured === undefined ? {} : { measured }),
    ...(target === undefined ? {} : { target }),
    action: field('action'),
    source,
    at,
    links: alertLinks(ctx, region, source, details),
    fingerprint: ['alert', severity, kind, resource, region, source].join('|'),
  };
}

/** What the metric should stay at: the opposite of the alarm's comparison. */
const HEALTHY: Record<string, string> = {
  GreaterThanThreshold: '<=',
  GreaterThanOrEqualToThreshold: '<',
  LessThanThreshold: '>=',
  LessThanOrEqualToThreshold: '>',
};

/** A CloudWatch alarm's state change: ALARM fires, OK resolves; anything else (INSUFFICIENT_DATA) is not posted. */
function fromAlarm(json: Record<string, unknown>, policy: Policy, ctx: LinkContext): Notice | null {
  const name = text(json['AlarmName']);
  if (name === undefined) throw new InvalidInput('Message.AlarmName', 'must be a non-empty string');
  const state = json['NewStateValue'];
  if (state !== 'ALARM' && state !== 'OK') return null;
  /** Where the alarm is (its console), and what it is about. */
  const alarmRegion = arnRegion(text(json['AlarmArn'])) ?? ctx.region;
  const at = Date.parse(text(json['StateChangeTime']) ?? '');
  const reason = text(json['NewStateReason']) ?? '';
  const description = text(json['AlarmDescription']) ?? '';
  const { happened, runbook } = runbookOf(description);
  const trigger = (typeof json['Trigger'] === 'object' && json['Trigger'] !== null ? json['Trigger'] : {}) as Record<string, unknown>;
  const threshold = trigger['Threshold'];
  const healthy = HEALTHY[String(trigger['ComparisonOperator'])];
  // "Threshold Crossed: 1 datapoint [3.0 (03/12/26 07:00:00)] was greater than the threshold (0.0)."
  const datapoints = /\[([^\]]*)\]/.exec(reason)?.[1];
  const { component, resource, what, region } = alarmParts(name, ctx.stage, alarmRegion, policy);
  return {
    status: state === 'OK' ? 'resolved' : 'firing',
    origin: 'alarm',
    severity: 'critical',
    component,
    kind: what ?? 'alarm',
    resource,
    region,
    summary: state === 'OK' ? `${name} is OK again: ${reason}` : `${name}: ${happened || reason}`,
    ...(datapoints === undefined ? {} : { measured: datapoints.replace(/\s*\([^)]*\)/g, '') }),
    ...(typeof threshold === 'number' && healthy !== undefined ? { target: `${healthy} ${threshold}` } : {}),
    action: runbook ?? (state === 'OK' ? 'Nothing to do: the condition cleared.' : `Read the alarm's description and metric in the CloudWatch console.`),
    source: 'cloudwatch',
    at: Number.isNaN(at) ? 0 : at,
    links: [
      { label: 'Alarm', url: alarmConsoleUrl(alarmRegion, name) },
      { label: 'Dashboard', url: dashboardUrl(ctx, alarmRegion) },
    ],
    fingerprint: alarmFingerprint(alarmRegion, name),
  };
}

/** An alarm's fingerprint: its ALARM, its OK and its escalation are the same alert. */
const alarmFingerprint = (alarmRegion: string, name: string) => ['alarm', alarmRegion, name].join('|');

/**
 * The delayed escalation of an alarm still unresolved (shared/alerts/unresolved.ts): posted as the alarm
 * it escalates — same fingerprint, so the alarm's OK resolves it where it was posted — dated when the
 * alarm went to ALARM (an escalation read after that alarm's resolution is late), with how long it had
 * been unresolved.
 */
function fromUnresolved(alert: { resource: string; region: string; summary: string; action: string; source: string }, details: Record<string, unknown>, ctx: LinkContext): Notice {
  const detail = (name: string): string => {
    const value = text(details[name]);
    if (value === undefined) throw new InvalidInput(`Message.details.${name}`, 'must be a non-empty string');
    return value;
  };
  const name = detail('alarm');
  const alarmRegion = arnRegion(detail('alarmArn')) ?? ctx.region;
  const since = Date.parse(detail('since'));
  if (Number.isNaN(since)) throw new InvalidInput('Message.details.since', 'must be an ISO time');
  const seconds = details['unresolvedForSeconds'];
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) throw new InvalidInput('Message.details.unresolvedForSeconds', 'must be a number of seconds');
  return {
    status: 'firing',
    origin: 'escalation',
    severity: 'critical',
    component: text(details['component']) ?? 'platform',
    kind: text(details['what']) ?? 'alarm',
    resource: alert.resource,
    region: alert.region,
    summary: alert.summary,
    action: alert.action,
    source: alert.source,
    at: since,
    links: [
      { label: 'Alarm', url: alarmConsoleUrl(alarmRegion, name) },
      { label: 'Dashboard', url: dashboardUrl(ctx, alarmRegion) },
    ],
    fingerprint: alarmFingerprint(alarmRegion, name),
    escalation: { unresolvedForMs: seconds * 1000 },
  };
}

/** The component of each state machine (deploy/components/<c>/: its stateMachines, by name). */
const MACHINE_COMPONENTS: Readonly<Record<string, string>> = {
  'restore-test': 'rds',
  'pitr-test': 'rds',
  'cache-restore-test': 'redis',
  'media-restore': 'media',
  'restore-configuration': 'config',
};

// The execution-failed rule's InputTemplate (deploy/platform/state-machines.ts).
const EXECUTION_FAILED = /^\[[^\]]*\] ([a-z0-9-]+): execution (\S+) of (arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:(\S+)) ended ([A-Z_]+) at (\S+)\. (.*)$/s;

/** The execution-failed notice: a text line naming the execution, its state machine, status and time. */
function fromText(message: string, ctx: LinkContext, at: number): Notice {
  const match = EXECUTION_FAILED.exec(message);
  if (match === null) {
    return {
      status: 'firing',
      origin: 'notice',
      severity: 'critical',
      component: 'platform',
      kind: 'message',
      resource: SERVICE,
      region: ctx.region,
      summary: message.slice(0, 500),
      action: 'Read the message in the alerts e-mail and act on it.',
      source: 'sns',
      at,
      links: [{ label: 'Dashboard', url: dashboardUrl(ctx, ctx.region) }],
      fingerprint: ['message', ctx.region, message.slice(0, 200)].join('|'),
    };
  }
  const [, region = ctx.region, execution = '', machineArn = '', machine = '', status = '', time = '', rest = ''] = match;
  const executionArn = machineArn.replace(':stateMachine:', ':execution:') + `:${execution}`;
  const when = Date.parse(time);
  return {
    status: 'firing',
    origin: 'notice',
    severity: 'critical',
    component: MACHINE_COMPONENTS[machine.replace(`${SERVICE}-${ctx.stage}-`, '')] ?? 'platform',
    kind: 'execution-failed',
    resource: machine,
    region,
    summary: `execution ${execution} of ${machine} ended ${status}`,
    action: rest,
    source: 'states',
    at: Number.isNaN(when) ? at : when,
    links: [
      { label: 'Execution', url: executionUrl(executionArn) },
      { label: 'Logs', url: logGroupUrl(region, `/aws/vendedlogs/states/${machine}`) },
      { label: 'Dashboard', url: dashboardUrl(ctx, region) },
    ],
    fingerprint: ['execution', region, machine, status].join('|'),
  };
}

/** The SNS record's message as a Notice; null for an alarm state nobody needs to read (INSUFFICIENT_DATA). */
export function readNotice(message: string, published: number, policy: Policy, ctx: LinkContext): Notice | null {
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    return fromText(message, ctx, published);
  }
  if (typeof json === 'string') return fromText(json, ctx, published);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new InvalidInput('Message', 'must be an alert, a CloudWatch alarm state change or a text notice');
  const record = json as Record<string, unknown>;
  if ('AlarmName' in record) return fromAlarm(record, policy, ctx);
  return fromAlert(record, policy, ctx);
}

// ---- the message -----------------------------------------------------------------------------------------

const ICON: Record<Severity, string> = { critical: ':rotating_light:', warning: ':warning:', info: ':information_source:' };
/** Slack refuses a section text over 3000 characters; header text is limited to 150. */
const limit = (value: string, max: number) => (value.length <= max ? value : `${value.slice(0, max - 1)}…`);
/** Slack mrkdwn: &, < and > are control characters. */
const escape = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export interface Folded {
  /** How many identical notices were folded into this one (0: none). */
  readonly repeats: number;
  /** Since when (the first of them). */
  readonly since?: number;
}

/** What a message starts with: Resolved, Escalated with how long, or the severity. */
function label(notice: Notice): string {
  if (notice.status === 'resolved') return 'Resolved';
  if (notice.escalation !== undefined) return `Escalated: unresolved for ${spokenDuration(notice.escalation.unresolvedForMs)}`;
  return notice.severity.toUpperCase();
}

function headline(notice: Notice): string {
  return `${label(notice)}: ${notice.component} ${notice.resource} ${notice.region}`;
}

function foldedLine(folded: Folded): string | undefined {
  if (folded.repeats === 0) return undefined;
  return `Repeated ${folded.repeats} more time${folded.repeats === 1 ? '' : 's'}${folded.since === undefined ? '' : ` since ${new Date(folded.since).toISOString()}`}`;
}

/** The Block Kit payload of an incoming webhook: `text` is the notification's fallback. */
export function slackPayload(notice: Notice, folded: Folded = { repeats: 0 }): { text: string; blocks: Record<string, unknown>[] } {
  const icon = notice.status === 'resolved' ? ':white_check_mark:' : ICON[notice.severity];
  const fields = [
    `*Severity*\n${notice.status === 'resolved' ? 'resolved' : notice.severity}`,
    `*Component*\n${notice.component}`,
    `*Resource*\n${escape(notice.resource)}`,
    `*Region*\n${notice.region}`,
    ...(notice.measured === undefined && notice.target === undefined ? [] : [`*Measured*\n${escape(notice.measured ?? 'n/a')}`, `*Target*\n${escape(notice.target ?? 'n/a')}`]),
  ];
  const repeated = foldedLine(folded);
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: limit(`${label(notice)}: ${notice.kind} ${notice.resource}`, 150), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: limit(`${icon} ${escape(notice.summary)}`, 3000) } },
    { type: 'section', fields: fields.map((field) => ({ type: 'mrkdwn', text: limit(field, 2000) })) },
    { type: 'section', text: { type: 'mrkdwn', text: limit(`*What to do:* ${escape(notice.action)}`, 3000) } },
  ];
  if (notice.links.length > 0) {
    blocks.push({ type: 'actions', elements: notice.links.slice(0, 25).map((link) => ({ type: 'button', text: { type: 'plain_text', text: link.label }, url: limit(link.url, 3000) })) });
  }
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: limit([`${notice.source} · ${notice.at > 0 ? new Date(notice.at).toISOString() : 'time unknown'}`, repeated].filter(Boolean).join(' · '), 3000) }],
  });
  return { text: limit(`${headline(notice)}: ${notice.summary}`, 3000), blocks };
}

/** The same message as plain text: what the drill prints, and what an operator reads in a log-free review. */
export function slackText(notice: Notice, folded: Folded = { repeats: 0 }): string {
  const lines = [
    headline(notice),
    `  ${notice.summary}`,
    ...(notice.measured === undefined && notice.target === undefined ? [] : [`  Measured: ${notice.measured ?? 'n/a'}   Target: ${notice.target ?? 'n/a'}`]),
    `  What to do: ${notice.action}`,
    ...notice.links.map((link) => `  ${link.label}: ${link.url}`),
    `  ${notice.source} · ${notice.at > 0 ? new Date(notice.at).toISOString() : 'time unknown'}`,
  ];
  const repeated = foldedLine(folded);
  if (repeated !== undefined) lines.push(`  ${repeated}`);
  return lines.join('\n');
}

/**
 * A Block Kit payload as received, read back as text (what the drill prints of what reached its local
 * webhook): the header, each section's text and fields, the buttons with their links, the context line.
 */
export function blockKitText(payload: { readonly blocks?: readonly Record<string, unknown>[] }): string {
  const textOf = (value: unknown): string => (typeof value === 'object' && value !== null && typeof (value as { text?: unknown }).text === 'string' ? (value as { text: string }).text : '');
  const unescape = (value: string) => value.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const lines: string[] = [];
  for (const block of payload.blocks ?? []) {
    const elements = (block['elements'] ?? []) as Record<string, unknown>[];
    if (block['type'] === 'header') lines.push(unescape(textOf(block['text'])));
    if (block['type'] === 'section' && block['text'] !== undefined) lines.push(`  ${unescape(textOf(block['text']))}`);
    if (block['type'] === 'section' && Array.isArray(block['fields'])) {
      lines.push(`  ${(block['fields'] as unknown[]).map((field) => unescape(textOf(field)).replace(/^\*([^*]+)\*\n/, '$1: ')).join(' · ')}`);
    }
    if (block['type'] === 'actions') for (const button of elements) lines.push(`  [${textOf(button['text'])}] ${String(button['url'])}`);
    if (block['type'] === 'context') lines.push(`  ${elements.map((element) => unescape(textOf(element))).join(' ')}`);
  }
  return lines.join('\n');
}
