// The operators' checklist, done for them: the "Daily" list of the team's policy (backup completion,
// integrity, storage, logs) and its weekly and monthly summaries (restore tests run, the RTO/RPO trend,
// the quota trend), built from figures already measured — per resource its live RPO against the target,
// backups and copies that failed, verification, the restore tests of the period with their RTO against
// the target, how long the snapshots took against their window and how big they are, the newest
// evidence; per region the manual-snapshot quota and what was pruned. Pure: figures in, a Block Kit
// payload and the same message as plain text out (the drill prints the text). A figure that is missing
// is said to be missing — silence is the failure this list exists to catch.

import { SERVICE } from '../../../shared/contracts.js';
import type { NoticeLink } from '../../../shared/alerts/slack-message.js';

export const PERIODS = ['daily', 'weekly', 'monthly'] as const;
export type Period = (typeof PERIODS)[number];

/** How far back each checklist looks, in seconds. */
export const PERIOD_SECONDS: Readonly<Record<Period, number>> = { daily: 86_400, weekly: 7 * 86_400, monthly: 30 * 86_400 };

/** One series of a figure over the period: newest first (null when no datapoint came in the period). */
export interface Series {
  readonly latest: number | null;
  /** The worst (highest) value of the period. */
  readonly worst: number | null;
  /** The oldest value of the period: with `latest`, the trend. */
  readonly earliest: number | null;
}

export const NO_DATA: Series = { latest: null, worst: null, earliest: null };

/** A live recovery point: the age of the newest verified backup, or the PITR lag, where it is measured. */
export interface RecoveryPoint {
  readonly label: string;
  readonly seconds: Series;
  /** Seconds; null: shown without a judgement (e.g. the copy age, whose alarm is the snapshot interval, not the RPO). */
  readonly targetSeconds: number | null;
}

export interface RestoreTestFigures {
  readonly kind: string;
  readonly region: string;
  readonly passed: number;
  readonly failed: number;
  readonly inconclusive: number;
  readonly rtoSeconds: Series;
  readonly rtoTargetSeconds: number;
}

/** A snapshot's duration against its backup window, and its size, over the period (databases and caches). */
export interface BackupFigures {
  readonly durationSeconds: Series;
  readonly windowSeconds: number;
  readonly sizeBytes: Series;
}

export interface ResourceFigures {
  readonly component: 'rds' | 'redis' | 'media' | 'config';
  readonly resource: string;
  readonly recoveryPoints: readonly RecoveryPoint[];
  readonly backup?: BackupFigures;
  /** Counts over the period: what succeeded (where a success is counted). */
  readonly succeeded: readonly { readonly label: string; readonly count: number }[];
  /** Counts over the period of what went wrong: failed backups, copies, exports, verifications, mismatches. */
  readonly failures: readonly { readonly label: string; readonly count: number }[];
  readonly restoreTests: readonly RestoreTestFigures[];
  /** The newest evidence object of the resource's restore tests, when there is one. */
  readonly evidence?: { readonly bucket: string; readonly key: string; readonly region: string; readonly at: number };
}

export interface RegionFigures {
  readonly region: string;
  readonly quotaPercent: Series;
  readonly quotaWarningPercent: number;
  readonly pruned: readonly { readonly label: string; readonly count: number }[];
}

export interface ChecklistFigures {
  readonly period: Period;
  readonly stage: string;
  /** Where the dashboard link points. */
  readonly region: string;
  readonly timeZone: string;
  /** The end of the period (ms). */
  readonly at: number;
  readonly resources: readonly ResourceFigures[];
  readonly regions: readonly RegionFigures[];
}

export type Verdict = 'ok' | 'attention' | 'failing';

export interface ResourceVerdict {
  readonly verdict: Verdict;
  /** Why, in short phrases (empty when ok). */
  readonly reasons: readonly string[];
}

/** Seconds as an operator reads them: 42 s, 14 min, 3.5 h, 2.1 d. */
export function duration(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7_200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 360) / 10} h`;
  return `${Math.round(seconds / 8_640) / 10} d`;
}

/** Bytes as an operator reads them: 512 B, 3.2 MiB, 20 GiB. */
export function size(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 || value >= 10 ? Math.round(value) : Math.round(value * 10) / 10} ${units[unit]}`;
}

const sum = (counts: readonly { count: number }[]) => counts.reduce((n, c) => n + c.count, 0);

/** The judgement of one resource: failing on any failure or a figure over its target, attention on missing figures or inconclusive tests. */
export function judge(figures: ResourceFigures, period: Period): ResourceVerdict {
  const failing: string[] = [];
  const attention: string[] = [];
  for (const failure of figures.failures) if (failure.count > 0) failing.push(`${failure.count} ${failure.label}`);
  const longest = figures.backup?.durationSeconds.worst ?? null;
  if (figures.backup !== undefined && longest !== null && longest > figures.backup.windowSeconds) failing.push(`a snapshot took ${duration(longest)} > its window of ${duration(figures.backup.windowSeconds)}`);
  for (const point of figures.recoveryPoints) {
    if (point.seconds.latest === null) attention.push(`no ${point.label} figure`);
    else if (point.targetSeconds !== null && point.seconds.latest > point.targetSeconds) failing.push(`${point.label} ${duration(point.seconds.latest)} > ${duration(point.targetSeconds)}`);
  }
  for (const test of figures.restoreTests) {
    if (test.failed > 0) failing.push(`${test.kind} restore test failed ${test.failed}×`);
    if (test.rtoSeconds.worst !== null && test.rtoSeconds.worst > test.rtoTargetSeconds) failing.push(`${test.kind} RTO ${duration(test.rtoSeconds.worst)} > ${duration(test.rtoTargetSeconds)}`);
    if (test.inconclusive > 0) attention.push(`${test.kind} restore test inconclusive ${test.inconclusive}×`);
    // Weekly tests: a week or a month without one is a finding; a day without one is not.
    if (period !== 'daily' && test.passed + test.failed + test.inconclusive === 0) attention.push(`no ${test.kind} restore test this ${period === 'weekly' ? 'week' : 'month'}`);
  }
  if (failing.length > 0) return { verdict: 'failing', reasons: [...failing, ...attention] };
  if (attention.length > 0) return { verdict: 'attention', reasons: attention };
  return { verdict: 'ok', reasons: [] };
}

const ICON: Readonly<Record<Verdict, string>> = { ok: ':white_check_mark:', attention: ':warning:', failing: ':red_circle:' };
const MARK: Readonly<Record<Verdict, string>> = { ok: '[ok]', attention: '[!!]', failing: '[XX]' };

const TITLE: Readonly<Record<Period, string>> = { daily: 'Daily backup checklist', weekly: 'Weekly backup summary', monthly: 'Monthly backup summary' };

/** "now 14 min (worst 20 min)" — the trend only when the period has more than one figure to compare. */
function seriesText(series: Series, period: Period): string {
  if (series.latest === null) return 'no figure';
  const now = duration(series.latest);
  if (period === 'daily') return series.worst !== null && series.worst > series.latest ? `${now} (worst today ${duration(series.worst)})` : now;
  const trend = series.earliest === null ? '' : `, from ${duration(series.earliest)}`;
  return `${now} (worst ${duration(series.worst ?? series.latest)}${trend})`;
}

function resourceLines(figures: ResourceFigures, period: Period): string[] {
  const lines: string[] = [];
  for (const point of figures.recoveryPoints) {
    const target = point.targetSeconds === null ? '' : ` — target ${duration(point.targetSeconds)}`;
    lines.push(`RPO ${point.label}: ${seriesText(point.seconds, period)}${target}`);
  }
  if (figures.backup !== undefined) {
    // The longest snapshot of the period (a snapshot still running counts with the time it has taken); no figure: none measured.
    const { durationSeconds, windowSeconds, sizeBytes } = figures.backup;
    const took = durationSeconds.worst === null ? 'no duration measured' : `longest ${duration(durationSeconds.worst)}`;
    lines.push(`Snapshots: ${took} — window ${duration(windowSeconds)}${sizeBytes.latest === null ? '' : `; size ${size(sizeBytes.latest)}`}`);
  }
  const done = figures.succeeded.filter((s) => s.count > 0).map((s) => `${s.count} ${s.label}`);
  if (done.length > 0) lines.push(`Completed: ${done.join(', ')}`);
  lines.push(sum(figures.failures) === 0 ? 'Failures: none' : `Failures: ${figures.failures.filter((f) => f.count > 0).map((f) => `${f.count} ${f.label}`).join(', ')}`);
  for (const test of figures.restoreTests) {
    const runs = test.passed + test.failed + test.inconclusive;
    const outcome = runs === 0 ? 'none this period' : `${test.passed} passed, ${test.failed} failed, ${test.inconclusive} inconclusive`;
    const rto = test.rtoSeconds.latest === null ? '' : ` — RTO ${seriesText(test.rtoSeconds, period)}, target ${duration(test.rtoTargetSeconds)}`;
    lines.push(`Restore test ${test.kind} (${test.region}): ${outcome}${rto}`);
  }
  return lines;
}

function regionLine(figures: RegionFigures, period: Period): string {
  const quota = figures.quotaPercent.latest === null ? 'no figure' : `${Math.round(figures.quotaPercent.latest)} %`;
  const trend =
    period === 'daily' || figures.quotaPercent.earliest === null || figures.quotaPercent.latest === null
      ? ''
      : ` (from ${Math.round(figures.quotaPercent.earliest)} %, worst ${Math.round(figures.quotaPercent.worst ?? figures.quotaPercent.latest)} %)`;
  const warn = figures.quotaPercent.latest !== null && figures.quotaPercent.latest > figures.quotaWarningPercent ? ` — over ${figures.quotaWarningPercent} %` : '';
  const pruned = figures.pruned.length === 0 ? 'nothing' : figures.pruned.map((p) => `${p.count} ${p.label}`).join(', ');
  return `${figures.region}: snapshot quota ${quota}${trend}${warn}; pruned ${pruned}`;
}

const consoleBase = (region: string) => `https://${region}.console.aws.amazon.com`;

/** The dashboard and each resource's newest evidence. */
export function checklistLinks(figures: ChecklistFigures): { readonly dashboard: NoticeLink; readonly evidence: ReadonlyMap<string, NoticeLink> } {
  const dashboard = { label: 'Dashboard', url: `${consoleBase(figures.region)}/cloudwatch/home?region=${figures.region}#dashboards/dashboard/${SERVICE}-${figures.stage}-${figures.region}` };
  const evidence = new Map<string, NoticeLink>();
  for (const r of figures.resources) {
    if (r.evidence === undefined) continue;
    evidence.set(r.resource, { label: `Evidence ${r.resource}`, url: `https://s3.console.aws.amazon.com/s3/object/${r.evidence.bucket}?region=${r.evidence.region}&prefix=${encodeURIComponent(r.evidence.key)}` });
  }
  return { dashboard, evidence };
}

function dateIn(at: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(at));
}

const escape = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const limit = (value: string, max: number) => (value.length <= max ? value : `${value.slice(0, max - 1)}…`);

function headline(figures: ChecklistFigures, verdicts: readonly ResourceVerdict[]): string {
  const failing = verdicts.filter((v) => v.verdict === 'failing').length;
  const attention = verdicts.filter((v) => v.verdict === 'attention').length;
  const state = failing === 0 && attention === 0 ? 'all resources OK' : [failing > 0 ? `${failing} failing` : '', attention > 0 ? `${attention} need attention` : ''].filter(Boolean).join(', ');
  return `${TITLE[figures.period]} — ${SERVICE} ${figures.stage}, ${dateIn(figures.at, figures.timeZone)} (${figures.timeZone}): ${state}`;
}

/** The checklist as plain text: what the drill prints and the notification's fallback. */
export function checklistText(figures: ChecklistFigures): string {
  const verdicts = figures.resources.map((r) => judge(r, figures.period));
  const links = checklistLinks(figures);
  const lines = [headline(figures, verdicts)];
  figures.resources.forEach((r, i) => {
    const v = verdicts[i]!;
    lines.push(`${MARK[v.verdict]} ${r.resource} (${r.component})${v.reasons.length === 0 ? '' : `: ${v.reasons.join('; ')}`}`);
    for (const line of resourceLines(r, figures.period)) lines.push(`     ${line}`);
    const evidence = links.evidence.get(r.resource);
    if (evidence !== undefined) lines.push(`     Evidence: ${evidence.url}`);
  });
  for (const region of figures.regions) lines.push(`  ${regionLine(region, figures.period)}`);
  lines.push(`  ${links.dashboard.label}: ${links.dashboard.url}`);
  return lines.join('\n');
}

const MAX_RESOURCE_BLOCKS = 44;

/** The Block Kit payload of the incoming webhook: a header, one section per resource, the regions, the links. */
export function checklistPayload(figures: ChecklistFigures): { text: string; blocks: Record<string, unknown>[] } {
  const verdicts = figures.resources.map((r) => judge(r, figures.period));
  const links = checklistLinks(figures);
  const blocks: Record<string, unknown>[] = [{ type: 'header', text: { type: 'plain_text', text: limit(TITLE[figures.period], 150), emoji: true } }];
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: limit(escape(headline(figures, verdicts)), 3000) } });
  // Slack takes at most 50 blocks: 44 resources, then a line saying how many more the text and the dashboard show.
  figures.resources.slice(0, MAX_RESOURCE_BLOCKS).forEach((r, i) => {
    const v = verdicts[i]!;
    const head = `${ICON[v.verdict]} *${escape(r.resource)}* (${r.component})${v.reasons.length === 0 ? '' : ` — ${escape(v.reasons.join('; '))}`}`;
    const body = resourceLines(r, figures.period).map((line) => `• ${escape(line)}`);
    const evidence = links.evidence.get(r.resource);
    if (evidence !== undefined) body.push(`• <${evidence.url}|Newest evidence>`);
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: limit([head, ...body].join('\n'), 3000) } });
  });
  if (figures.resources.length > MAX_RESOURCE_BLOCKS) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `… and ${figures.resources.length - MAX_RESOURCE_BLOCKS} more resources: see the dashboard` } });
  if (figures.regions.length > 0) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: limit(figures.regions.map((r) => `• ${escape(regionLine(r, figures.period))}`).join('\n'), 3000) } });
  blocks.push({ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: links.dashboard.label }, url: links.dashboard.url }] });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `daily-checklist · ${new Date(figures.at).toISOString()}` }] });
  return { text: limit(headline(figures, verdicts), 3000), blocks };
}
