// The posture checks' memory of what they last alerted (README, "Posture memory"): a drift alerts once,
// with what changed, and again only when it changes; a drift that went away posts one "resolved" alert
// (severity info). One small JSON object per component, region and resource under REPORT_PREFIX.posture
// in this region's reports bucket, written only over what was read (If-Match) or where nothing was
// (If-None-Match): a run that loses the race to another re-reads and decides again. A finding is known by
// a stable key (its check, numbered when one resource has several of the same check) and a fingerprint
// of what it says with the figures left out: a backup one day older is the same drift, a different
// setting, severity or bucket is a new one. Never loses an alert: a memory that cannot be read, or
// cannot be written, means every finding is alerted (fail open); the metrics count every finding daily.

import type { S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { readStateObject, writeStateObject } from '../aws/state-object.js';
import { REPORT_PREFIX } from '../contracts.js';
import { errorName } from '../errors.js';
import type { Log } from '../runtime/log.js';
import type { Alert, AlertSink } from './alert.js';

/** One thing a posture check looked at: a resource in a region, and what it found there now (possibly nothing). */
export interface PostureScope {
  readonly resource: string;
  readonly region: string;
  /** Which part of the resource, when a run checks several in one region (a bucket's source and archive copy). */
  readonly part?: string;
  /** The alerts of its findings; each names its check in details.check. */
  readonly findings: readonly Alert[];
}

export interface PostureMemoryDeps {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly alerts: AlertSink;
  readonly log: Log;
}

interface Remembered {
  readonly fingerprint: string;
  readonly severity: Alert['severity'];
  readonly summary: string;
  readonly check: string;
  /** When it was first alerted (ms), and last alerted (a change). */
  readonly since: number;
  readonly alertedAt: number;
}

export interface MemoryDocument {
  readonly format: 1;
  readonly component: string;
  readonly resource: string;
  readonly part?: string;
  readonly region: string;
  readonly checkedAt: number;
  readonly findings: Readonly<Record<string, Remembered>>;
}

export interface PostureOutcome {
  /** Findings alerted now: new, changed, or every one when the memory could not be read. */
  readonly alerted: number;
  /** Findings still present and already alerted as they are. */
  readonly unchanged: number;
  readonly resolved: number;
  /** False when the memory could not be read or written (every finding was alerted). */
  readonly remembered: boolean;
}

/** Conditional writes that lose this many races in a row: the alerts are sent, the memory left for the next run. */
const WRITE_ATTEMPTS = 5;

/** Where one resource's memory of one component in one region is kept. */
export function postureMemoryKey(component: string, region: string, resource: string, part?: string): string {
  return `${REPORT_PREFIX.posture}${component}/${region}/${resource}${part === undefined ? '' : `.${part}`}.json`;
}

/** What a finding says, figures aside (ages, counts, percentages change daily without being a new drift). */
export function findingFingerprint(alert: Alert): string {
  const said = [alert.severity, String(alert.details?.['check'] ?? ''), alert.summary.replace(/\d+(?:[.,:]\d+)*/g, '#')].join('|');
  return createHash('sha256').update(said).digest('hex').slice(0, 16);
}

/** Stable keys: the check, then "#2", "#3" … for further findings of the same check (in the order the check reports them). */
function keyed(findings: readonly Alert[]): Map<string, Alert> {
  const seen = new Map<string, number>();
  const result = new Map<string, Alert>();
  for (const alert of findings) {
    const check = String(alert.details?.['check'] ?? alert.kind);
    const n = (seen.get(check) ?? 0) + 1;
    seen.set(check, n);
    result.set(n === 1 ? check : `${check}#${n}`, alert);
  }
  return result;
}

type Read = { readonly document: MemoryDocument | undefined; readonly etag: string | undefined } | { readonly unreadable: string };

async function readMemory(deps: PostureMemoryDeps, key: string): Promise<Read> {
  let read;
  try {
    read = await readStateObject(deps.s3, deps.bucket, key);
  } catch (error) {
    return { unreadable: errorName(error) };
  }
  if (read.text === undefined) return { document: undefined, etag: undefined };
  try {
    const document = JSON.parse(read.text) as MemoryDocument;
    if (document.format !== 1 || typeof document.findings !== 'object' || document.findings === null) throw new Error('not a posture memory');
    return { document, etag: read.etag };
  } catch {
    // Garbled: read as empty (everything alerts) and overwritten over this very version.
    deps.log.warn('posture memory garbled: read as empty', { key });
    return { document: undefined, etag: read.etag };
  }
}

/** False when another writer came first (the condition failed). */
const writeMemory = (deps: PostureMemoryDeps, key: string, document: MemoryDocument, etag: string | undefined): Promise<boolean> => writeStateObject(deps.s3, deps.bucket, key, document, etag);

function resolvedAlert(component: string, scope: PostureScope, source: string, key: string, gone: Remembered, now: number): Alert {
  return {
    severity: 'info',
    kind: 'posture',
    resource: scope.resource,
    region: scope.region,
    summary: `resolved: ${gone.summary}`,
    action: 'Nothing to do: the check no longer finds this drift.',
    source,
    at: now,
    details: { check: gone.check, component, resolved: true, finding: key, since: new Date(gone.since).toISOString() },
  };
}

/**
 * Alerts what changed in one scope since the last run and remembers what it alerted. `source` is the
 * check's function name; `now` the run's time.
 */
export async function alertChanges(deps: PostureMemoryDeps, component: string, source: string, scope: PostureScope, now: number): Promise<PostureOutcome> {
  const key = postureMemoryKey(component, scope.region, scope.resource, scope.part);
  const current = keyed(scope.findings);
  const sent = new Set<string>();
  const publish = async (id: string, alert: Alert) => {
    if (sent.has(id)) return;
    await deps.alerts.publish(alert);
    sent.add(id);
  };
  let counts = { alerted: 0, unchanged: 0, resolved: 0 };

  for (let attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
    const read = await readMemory(deps, key);
    if ('unreadable' in read) {
      deps.log.warn('posture memory unreadable: every finding alerted', { key, error: read.unreadable });
      for (const [id, alert] of current) await publish(`${id}|${findingFingerprint(alert)}`, alert);
      return { alerted: current.size, unchanged: 0, resolved: 0, remembered: false };
    }
    const before = read.document?.findings ?? {};
    const next: Record<string, Remembered> = {};
    counts = { alerted: 0, unchanged: 0, resolved: 0 };
    for (const [id, alert] of current) {
      const fingerprint = findingFingerprint(alert);
      const known = before[id];
      if (known !== undefined && known.fingerprint === fingerprint) {
        next[id] = { ...known, severity: alert.severity, summary: alert.summary };
        counts.unchanged++;
        continue;
      }
      const changed = known === undefined ? alert : { ...alert, details: { ...alert.details, changed: true, was: known.summary } };
      await publish(`${id}|${fingerprint}`, changed);
      next[id] = { fingerprint, severity: alert.severity, summary: alert.summary, check: String(alert.details?.['check'] ?? alert.kind), since: known?.since ?? now, alertedAt: now };
      counts.alerted++;
    }
    for (const [id, gone] of Object.entries(before)) {
      if (current.has(id)) continue;
      await publish(`${id}|resolved|${gone.fingerprint}`, resolvedAlert(component, scope, source, id, gone, now));
      counts.resolved++;
    }
    const document: MemoryDocument = { format: 1, component, resource: scope.resource, ...(scope.part === undefined ? {} : { part: scope.part }), region: scope.region, checkedAt: now, findings: next };
    try {
      if (await writeMemory(deps, key, document, read.etag)) return { ...counts, remembered: true };
    } catch (error) {
      // The alerts are out; the next run alerts them again rather than stay silent.
      deps.log.warn('posture memory not written: the next run alerts these findings again', { key, error: errorName(error) });
      return { ...counts, remembered: false };
    }
    deps.log.info('posture memory changed meanwhile: reading it again', { key, attempt });
  }
  deps.log.warn('posture memory: lost every race; the next run alerts these findings again', { key, attempts: WRITE_ATTEMPTS });
  return { ...counts, remembered: false };
}

/** Every scope of one run, one after the other; the totals. */
export async function alertPostureChanges(deps: PostureMemoryDeps, component: string, source: string, scopes: readonly PostureScope[], now: number): Promise<PostureOutcome> {
  const total = { alerted: 0, unchanged: 0, resolved: 0, remembered: true };
  for (const scope of scopes) {
    const outcome = await alertChanges(deps, component, source, scope, now);
    total.alerted += outcome.alerted;
    total.unchanged += outcome.unchanged;
    total.resolved += outcome.resolved;
    total.remembered &&= outcome.remembered;
  }
  return total;
}

/** What a posture check is given to alert with: the topic, and (deployed) the reports bucket it remembers in. */
export interface PostureAlerting {
  readonly alerts: AlertSink;
  readonly log: Log;
  /** This region's reports bucket; without it (a check judged on its own) every finding is alerted. */
  readonly memory?: { readonly s3: S3Client; readonly bucket: string };
}

/** A posture check's findings out: through the memory when there is one, else every finding. */
export async function publishPosture(deps: PostureAlerting, component: string, source: string, scopes: readonly PostureScope[], now: number): Promise<PostureOutcome> {
  if (deps.memory === undefined) {
    const all = scopes.flatMap((s) => s.findings);
    for (const alert of all) await deps.alerts.publish(alert);
    return { alerted: all.length, unchanged: 0, resolved: 0, remembered: false };
  }
  const outcome = await alertPostureChanges({ ...deps.memory, alerts: deps.alerts, log: deps.log }, component, source, scopes, now);
  deps.log.info('posture alerted', { component, ...outcome });
  return outcome;
}
