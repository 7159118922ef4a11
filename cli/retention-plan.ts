// `backup-dr retention plan`: the preview operators run before trusting a prune. Prints what the
// policy keeps (and why), what it removes, and when each kept snapshot will expire.

import { parseArgs } from 'node:util';
import { InvalidInput } from '../shared/errors.js';
import { DEFAULT_POLICY_FILE } from '../shared/policy/load.js';
import { formatRules } from '../shared/retention/describe.js';
import { planRetention, type KeptSnapshot, type RetentionPlan } from '../shared/retention/plan.js';
import { occurrencesAfter, type ScheduleExpression } from '../shared/schedule/expression.js';
import type { NextRun } from '../shared/retention/projection.js';
import { formatIsoInZone, formatWall, MS } from '../shared/time/zone.js';
import { escapeForTerminal, readInput } from './input.js';
import { JsonPieces } from './json-output.js';
import { parseNow, type Io } from './io.js';
import { readPreviewPolicy, resourcePreviewPolicy, type PreviewPolicy } from './preview-policy.js';
import { parseSnapshotList, type InputSnapshot } from './snapshot-input.js';
import { renderTable } from './table.js';
import { RETENTION_PLAN_USAGE } from './usage.js';

/** A file's text, or standard input's for "-" (at most MAX_INPUT_BYTES; never a directory). */
function readSource(path: string, io: Io, flag: string): string {
  if (path !== '-') return readInput(path, flag);
  try {
    return io.readStdin();
  } catch (error) {
    if (error instanceof InvalidInput) throw new InvalidInput(flag, error.message, { cause: error });
    throw error;
  }
}

function parseOptions(args: readonly string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: {
        snapshots: { type: 'string' },
        policy: { type: 'string' },
        resource: { type: 'string' },
        'policy-file': { type: 'string' },
        region: { type: 'string' },
        now: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new InvalidInput('', `${(error as Error).message.split('\n')[0]} (${RETENTION_PLAN_USAGE})`, { cause: error });
  }
  const v = parsed.values;
  if (v.snapshots === undefined) throw new InvalidInput('--snapshots', `is required (${RETENTION_PLAN_USAGE})`);
  if ((v.policy === undefined) === (v.resource === undefined)) {
    throw new InvalidInput('--policy', `give exactly one of --policy FILE or --resource NAME (${RETENTION_PLAN_USAGE})`);
  }
  if (v.snapshots === '-' && v.policy === '-') throw new InvalidInput('--policy', 'only one of --snapshots and --policy can read standard input');
  if (v.region !== undefined && v.region !== 'primary' && v.region !== 'secondary') {
    throw new InvalidInput('--region', `must be "primary" or "secondary", not "${v.region}"`);
  }
  return v;
}

function loadPolicy(options: ReturnType<typeof parseOptions>, io: Io): PreviewPolicy {
  if (options.policy !== undefined) return readPreviewPolicy(readSource(options.policy, io, '--policy'), options.policy);
  const region = options.region === 'secondary' ? 'secondary' : 'primary';
  return resourcePreviewPolicy(options['policy-file'] ?? DEFAULT_POLICY_FILE, options.resource ?? '', region);
}

/**
 * The schedule's next run after an instant. The expiry projection asks for the run after the one it was
 * given last, again and again: then one walk over the schedule goes on, rather than a new one each time.
 */
function scheduledRuns(schedule: ScheduleExpression, timeZone: string): NextRun {
  let runs: Iterator<number> | null = null;
  let last = Number.NaN;
  return (after) => {
    if (runs === null || after !== last) runs = occurrencesAfter(schedule, timeZone, after)[Symbol.iterator]();
    const next = runs.next();
    if (next.done === true) {
      runs = null;
      return null;
    }
    last = next.value;
    return last;
  };
}

/** Without a schedule, backups are assumed to go on every 24 h after the newest snapshot. */
function nextRunFor(policy: PreviewPolicy, snapshots: readonly InputSnapshot[]): NextRun {
  if (policy.schedule !== null) return scheduledRuns(policy.schedule, policy.retention.timeZone);
  let anchor = Number.NEGATIVE_INFINITY;
  for (const s of snapshots) if (s.owned !== false && s.time > anchor) anchor = s.time;
  return (after: number) => anchor + (Math.floor((after - anchor) / MS.day) + 1) * MS.day;
}

export function runRetentionPlan(args: readonly string[], io: Io): number {
  const options = parseOptions(args);
  const now = parseNow(options.now, io);
  const policy = loadPolicy(options, io);
  const snapshots = parseSnapshotList(readSource(options.snapshots ?? '-', io, '--snapshots'), options.snapshots ?? '-');
  const plan = planRetention(snapshots, policy.retention, {
    now,
    legalHoldTags: [policy.legalHoldTag],
    nextRun: nextRunFor(policy, snapshots),
  });
  const timeZone = policy.retention.timeZone;
  if (options.json) {
    writePlanJson(plan, timeZone, new JsonPieces((text) => io.stdout(text)));
  } else {
    io.stdout(renderPlan(plan, policy, now));
  }
  return 0;
}

function keptToJson(k: KeptSnapshot<InputSnapshot>, timeZone: string) {
  return {
    id: k.snapshot.id,
    reasons: k.reasons,
    guards: k.guards,
    expiresAt: k.expiresAt === undefined || k.expiresAt === null ? null : formatIsoInZone(k.expiresAt, timeZone),
  };
}

const idOf = (item: { readonly snapshot: InputSnapshot }) => ({ id: item.snapshot.id });
const ownId = (snapshot: InputSnapshot) => ({ id: snapshot.id });

/** The plan as --json shows it. */
export function planToJson(plan: RetentionPlan<InputSnapshot>, timeZone: string) {
  return {
    keep: plan.keep.map((k) => keptToJson(k, timeZone)),
    remove: plan.remove.map(idOf),
    ignored: plan.ignored.map(ownId),
  };
}

/** `[{"id": …}, …]` as the second level of the plan's JSON, written straight: most of a large plan. */
function writeIds<T>(out: JsonPieces, items: readonly T[], idOf: (item: T) => string): void {
  if (items.length === 0) {
    out.text('[]');
    return;
  }
  for (let i = 0; i < items.length; i += 1) {
    out.text(`${i === 0 ? '[' : ','}\n    {\n      "id": ${JSON.stringify(idOf(items[i] as T))}\n    }`);
  }
  out.text('\n  ]');
}

/**
 * `${terminalSafeJson(JSON.stringify(planToJson(plan, timeZone), null, 2))}\n`, written in pieces, each
 * kept snapshot's JSON object made only as it is written.
 */
export function writePlanJson(plan: RetentionPlan<InputSnapshot>, timeZone: string, out: JsonPieces): void {
  out.text('{\n  "keep": ');
  out.array(plan.keep, (k) => keptToJson(k, timeZone), '  ');
  out.text(',\n  "remove": ');
  writeIds(out, plan.remove, (r) => r.snapshot.id);
  out.text(',\n  "ignored": ');
  writeIds(out, plan.ignored, (s) => s.id);
  out.text('\n}\n');
  out.flush();
}

function renderPlan(plan: RetentionPlan<InputSnapshot>, policy: PreviewPolicy, now: number): string {
  const tz = policy.retention.timeZone;
  const rows = [
    ...plan.keep.map((k) => ({
      time: k.snapshot.time,
      cells: [
        k.snapshot.id,
        formatWall(k.snapshot.time, tz),
        'KEEP',
        [...k.reasons, ...k.guards.map((g) => `guard: ${g}`)].join('; '),
        k.expiresAt === undefined || k.expiresAt === null ? (k.guards.includes('legal hold') ? 'held' : 'never') : formatWall(k.expiresAt, tz),
      ],
    })),
    ...plan.remove.map((r) => ({ time: r.snapshot.time, cells: [r.snapshot.id, formatWall(r.snapshot.time, tz), 'REMOVE', '', ''] })),
  ].sort((a, b) => b.time - a.time);
  const table = renderTable(['ID', `TIME (${tz})`, 'ACTION', 'REASONS', 'EXPIRES'], rows.map((r) => r.cells));
  const total = plan.keep.length + plan.remove.length;
  const guarded = plan.keep.filter((k) => k.reasons.length === 0).length;
  const lines = [
    escapeForTerminal(`policy: ${policy.source}: ${formatRules(policy.retention.keep)} (time zone ${tz}, now ${formatWall(now, tz)})`),
    table,
    `keep ${plan.keep.length} (${guarded} only by a guard), remove ${plan.remove.length} of ${total} snapshots` +
      (plan.ignored.length > 0 ? `; ${plan.ignored.length} not ours, ignored` : ''),
  ];
  return `${lines.join('\n')}\n`;
}
