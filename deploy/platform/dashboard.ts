// Packaging time only: the CloudWatch dashboard of a region that runs functions,
// `backup-dr-<stage>-<region>`, laid out from what the modules contribute (`dashboardWidgets`) and what
// the region deploys — a header saying how to read it; the top row, one tile per protected resource of
// the policy with its live RPO coloured against its target (a resource without a tile is a packaging
// error: the dashboard never leaves one out); the restore tests' last RTO against target; each
// component's rows (backups, copies and exports, replication, quota, pruning, restore-test history);
// this region's state machines, functions and failure queues; and the state of every alarm of the stack.
// The body is one JSON string under Fn::Sub: the account id stands in bucket names and alarm ARNs
// come from Fn::GetAtt; any other "${" is escaped ("${!").
// Body format: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html

import { dashboardName as regionDashboardName } from '../../shared/alerts/slack-message.js';
import { SERVICE } from '../../shared/contracts.js';
import { listResources } from '../../shared/policy/resources.js';
import { PackagingError, type CfnResource } from '../core/cloudformation.js';
import type { BodyWidget, Context, DashboardWidget, Deployed } from '../core/contribution.js';
import { DAY_SECONDS, graph, text, type MetricRef } from '../core/widgets.js';
import { failureQueues } from './failures.js';

export const DASHBOARD_ID = 'ServiceDashboard';
/** The grid's width: a widget's x + width never exceeds it. */
export const GRID_COLUMNS = 24;
/** An alarm widget shows at most 100 alarms. */
const ALARMS_PER_WIDGET = 100;

/** A widget with its place, as the body holds it. */
export type PositionedWidget = BodyWidget & { readonly x: number; readonly y: number };

/** One name for the dashboard, here and in the Slack notifier's links (shared/alerts/slack-message.ts). */
export const dashboardName = (ctx: Pick<Context, 'stage' | 'region'>): string => regionDashboardName(ctx.stage, ctx.region);

function header(ctx: Context): BodyWidget {
  return text(
    [
      `# ${SERVICE} ${ctx.stage} — ${ctx.region} (${ctx.role})`,
      'Top row: each protected resource\'s **live RPO** — how old the newest recoverable copy is — **green below its target, red above it**. ' +
        'Second row: the **last restore test\'s RTO** against the target. An empty tile means no figure was published in the time range: the job that publishes it did not run — treat it as red. ' +
        'Below: each component over time (failures in red), this region\'s state machines, functions and failure queues, and every alarm of this stack. Runbooks: README, "Alarms".',
    ].join('\n\n'),
    GRID_COLUMNS,
    3,
  );
}

/** The heading of a row. */
const heading = (title: string): BodyWidget => text(`## ${title}`, GRID_COLUMNS, 1);

function stateMachineRows(ctx: Context, deployed: Deployed): BodyWidget[] {
  const machines = Object.values(deployed.stateMachines);
  if (machines.length === 0) return [];
  const arn = (name: string) => `arn:\${AWS::Partition}:states:${ctx.region}:\${AWS::AccountId}:stateMachine:${name}`;
  const metric = (name: string, machine: string, label: string, stat: MetricRef['stat']): MetricRef => ({
    namespace: 'AWS/States',
    name,
    dimensions: { StateMachineArn: arn(machine) },
    region: ctx.region,
    label,
    stat,
    period: DAY_SECONDS,
  });
  return [
    graph({
      title: 'Executions: succeeded, failed, timed out, aborted (per day)',
      region: ctx.region,
      metrics: machines.flatMap((m) => [
        metric('ExecutionsSucceeded', m.name, `${m.name} succeeded`, 'Sum'),
        metric('ExecutionsFailed', m.name, `${m.name} failed`, 'Sum'),
        metric('ExecutionsTimedOut', m.name, `${m.name} timed out`, 'Sum'),
        metric('ExecutionsAborted', m.name, `${m.name} aborted`, 'Sum'),
      ]),
      red: ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted'],
      width: 12,
    }),
    graph({ title: 'Execution time (longest per day), ms', region: ctx.region, metrics: machines.map((m) => metric('ExecutionTime', m.name, m.name, 'Maximum')), width: 12 }),
  ];
}

function functionRows(ctx: Context, deployed: Deployed): BodyWidget[] {
  const names = Object.keys(deployed.functions);
  if (names.length === 0) return [];
  const metric = (name: string, fn: string, stat: MetricRef['stat']): MetricRef => ({
    namespace: 'AWS/Lambda',
    name,
    dimensions: { FunctionName: `${SERVICE}-${ctx.stage}-${fn}` },
    region: ctx.region,
    label: fn,
    stat,
    period: 3_600,
  });
  const queues = failureQueues(ctx, deployed);
  return [
    graph({ title: 'Function errors (per hour)', region: ctx.region, metrics: names.map((fn) => metric('Errors', fn, 'Sum')), red: ['Errors'], width: 8 }),
    graph({ title: 'Function throttles (per hour)', region: ctx.region, metrics: names.map((fn) => metric('Throttles', fn, 'Sum')), red: ['Throttles'], width: 8 }),
    graph({ title: 'Function duration (longest per hour), ms', region: ctx.region, metrics: names.map((fn) => metric('Duration', fn, 'Maximum')), width: 8 }),
    ...(queues.length === 0
      ? []
      : [
          graph({
            title: 'Failure queues: messages waiting (should be 0)',
            region: ctx.region,
            metrics: queues.map((q) => ({
              namespace: 'AWS/SQS',
              name: 'ApproximateNumberOfMessagesVisible',
              dimensions: { QueueName: `${SERVICE}-${ctx.stage}-${q.name}` },
              region: ctx.region,
              label: q.name,
              stat: 'Maximum' as const,
              period: 300,
            })),
            red: ['ApproximateNumberOfMessagesVisible'],
            width: 24,
          }),
        ]),
  ];
}

/** Alarm widgets of every alarm in the stack, by the variable their ARN is substituted from. */
function alarmRows(alarmIds: readonly string[]): { widgets: BodyWidget[]; variables: Record<string, unknown> } {
  const variables: Record<string, unknown> = {};
  const widgets: BodyWidget[] = [];
  for (let start = 0; start < alarmIds.length; start += ALARMS_PER_WIDGET) {
    const chunk = alarmIds.slice(start, start + ALARMS_PER_WIDGET);
    for (const id of chunk) variables[`${id}Arn`] = { 'Fn::GetAtt': [id, 'Arn'] };
    widgets.push({
      type: 'alarm',
      width: GRID_COLUMNS,
      height: Math.min(12, 2 + Math.ceil(chunk.length / 4)),
      properties: { title: alarmIds.length > ALARMS_PER_WIDGET ? `Alarms ${start + 1}–${start + chunk.length} of ${alarmIds.length}` : 'Alarms', alarms: chunk.map((id) => `\${${id}Arn}`), sortBy: 'stateUpdatedTimestamp' },
    });
  }
  return { widgets, variables };
}

/** Every resource of the policy has a tile in the top row, or packaging stops naming the ones left out. */
function checkEveryResourceShown(ctx: Context, widgets: readonly DashboardWidget[]): void {
  const shown = new Set(widgets.filter((w) => w.section === 'recovery-points').flatMap((w) => w.resources ?? []));
  const missing = listResources(ctx.policy).filter((r) => !shown.has(r.name));
  if (missing.length > 0) {
    throw new PackagingError(`the dashboard has no live-RPO tile for ${missing.map((r) => `${r.name} (${r.kind})`).join(', ')}: its component's dashboard.ts must contribute one`);
  }
}

/**
 * Places rows top to bottom: each row a heading across the grid, then its widgets left to right,
 * wrapping to a new line at 24 columns (a line is as tall as its tallest widget).
 */
export function layOut(rows: readonly { readonly title?: string; readonly widgets: readonly BodyWidget[] }[]): PositionedWidget[] {
  const placed: PositionedWidget[] = [];
  let y = 0;
  for (const row of rows) {
    if (row.widgets.length === 0) continue;
    if (row.title !== undefined) {
      placed.push({ ...heading(row.title), x: 0, y });
      y += 1;
    }
    let x = 0;
    let lineHeight = 0;
    for (const widget of row.widgets) {
      if (!Number.isInteger(widget.width) || widget.width < 1 || widget.width > GRID_COLUMNS) throw new PackagingError(`a dashboard widget is ${widget.width} columns wide: 1 to ${GRID_COLUMNS}`);
      if (x + widget.width > GRID_COLUMNS) {
        y += lineHeight;
        x = 0;
        lineHeight = 0;
      }
      placed.push({ ...widget, x, y });
      x += widget.width;
      lineHeight = Math.max(lineHeight, widget.height);
    }
    y += lineHeight;
  }
  return placed;
}

/** The body's JSON for Fn::Sub: "${" escaped but for the pseudo parameters and the alarm variables. */
export function subTemplate(body: unknown, variables: readonly string[]): string {
  const kept = new Set(['AWS::AccountId', 'AWS::Partition', ...variables]);
  return JSON.stringify(body).replace(/\$\{([^}]*)\}/g, (whole, name: string) => (kept.has(name) ? whole : `\${!${name}}`));
}

/**
 * The dashboard resource of a region that runs functions (none in the archive region), from the
 * contributed widgets and what the region deploys; `alarmIds` are the stack's AWS::CloudWatch::Alarm
 * logical ids.
 */
export function dashboardResource(ctx: Context, deployed: Deployed, contributed: readonly DashboardWidget[], alarmIds: readonly string[]): CfnResource {
  checkEveryResourceShown(ctx, contributed);
  const bySection = (section: DashboardWidget['section']) => contributed.filter((w) => w.section === section).map((w) => w.widget);
  const componentRows = new Map<string, BodyWidget[]>();
  for (const w of contributed.filter((c) => c.section === 'component')) componentRows.set(w.row, [...(componentRows.get(w.row) ?? []), w.widget]);
  const alarms = alarmRows(alarmIds);
  const widgets = layOut([
    { widgets: [header(ctx)] },
    { title: 'Live RPO: age of the newest recoverable copy against the RPO target (red: over target)', widgets: bySection('recovery-points') },
    { title: 'Restore tests: the last test\'s RTO against the RTO target (red: over target)', widgets: bySection('restore-tests') },
    ...[...componentRows].map(([title, row]) => ({ title, widgets: row })),
    { title: `State machines in ${ctx.region}`, widgets: stateMachineRows(ctx, deployed) },
    { title: `Functions and failure queues in ${ctx.region}`, widgets: functionRows(ctx, deployed) },
    { title: `Alarm status (${alarmIds.length} alarms in ${ctx.region})`, widgets: alarms.widgets },
  ]);
  // Two weeks by default: a weekly restore test's figure is always in range.
  const body = { start: '-P14D', periodOverride: 'inherit', widgets };
  const template = subTemplate(body, Object.keys(alarms.variables));
  return {
    Type: 'AWS::CloudWatch::Dashboard',
    Properties: {
      DashboardName: dashboardName(ctx),
      DashboardBody: Object.keys(alarms.variables).length === 0 ? { 'Fn::Sub': template } : { 'Fn::Sub': [template, alarms.variables] },
    },
  };
}
