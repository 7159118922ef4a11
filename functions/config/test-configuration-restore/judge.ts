// The verdict of a configuration restore test, pure (README, "Configuration: the weekly restore test"). It
// gets what was read — the newest bundle in the primary's config bucket, its replica in the secondary's
// (the copy failover restores from), the live values — and says passed or failed, with reasons that name
// configured paths and secrets and counts, never a value. The rules:
//
// - Failed: a bundle that cannot be read (denied, its key refused, throttled past the SDK's retries), that
//   is tampered with (BundleTampered), that is another configuration's, or that lacks a configured path or
//   secret; no bundle in the primary at all.
// - The replica: the same bundle (by its SHA-256) passes. Missing or older (S3 replication not done yet):
//   reported with how long the DR copy has been behind — since the primary's newest bundle was written —
//   and failed once that is longer than the configuration's RPO; a replica that is tampered with or cannot
//   be read fails.
// - Drift (live values differ from the bundle) is not a failure by itself: the live configuration moves on
//   and the on-change backup follows. A change the bundle does not have, dated by the service (a
//   parameter's LastModifiedDate, a secret version's CreatedDate), that is older than the RPO is: it has
//   not been backed up for longer than the objective allows. A name removed from the live configuration
//   has no date: it is reported, and cannot fail the test.

import type { ConfigBundle } from '../../../shared/config/bundle.js';
import { compareBundles, missingFromBundle } from '../../../shared/config/bundle.js';
import type { LiveConfiguration } from '../../../shared/config/live.js';

/** What reading one copy of the bundle gave: the bundle with its S3 facts, none, or the reason it could not be read. */
export type BundleRead =
  | { readonly kind: 'read'; readonly bundle: ConfigBundle; readonly sha256: string; readonly versionId: string | null; readonly writtenAt: number | null }
  | { readonly kind: 'absent' }
  | { readonly kind: 'unreadable'; readonly reason: string };

export interface Counts {
  readonly added: number;
  readonly changed: number;
  readonly removed: number;
}

export interface ConfigurationJudgement {
  readonly outcome: 'passed' | 'failed';
  /** Why it failed (names and counts only). */
  readonly failures: readonly string[];
  /** What is worth knowing and not a failure: drift within the RPO, a replica not there yet. */
  readonly notes: readonly string[];
  readonly bundle: { readonly sha256: string; readonly versionId: string | null; readonly capturedAt: string; readonly parameters: number; readonly secrets: number } | null;
  readonly replica: { readonly state: 'same' | 'older' | 'absent' | 'unreadable'; readonly sha256: string | null; readonly capturedAt: string | null; readonly behindMs: number | null } | null;
  readonly missing: readonly string[];
  /** Bundle → live, per kind; the names go to the evidence only. */
  readonly drift: {
    readonly parameters: Counts;
    readonly secrets: Counts;
    readonly names: { readonly parameters: ReturnType<typeof compareBundles>['parameters']; readonly secrets: ReturnType<typeof compareBundles>['secrets'] };
    /** The oldest dated change the bundle does not have (epoch ms), or null. */
    readonly pendingSince: number | null;
  } | null;
}

export interface JudgeInput {
  readonly name: string;
  readonly configured: { readonly ssmParameterPaths: readonly string[]; readonly secrets: readonly string[] };
  readonly primary: BundleRead;
  readonly replica: BundleRead;
  /** The live configuration, or why it could not be read. */
  readonly live: LiveConfiguration | { readonly unreadable: string };
  readonly rpoMs: number;
  readonly now: number;
}

export const minutes = (ms: number): string => (ms < 120_000 ? `${Math.round(ms / 1000)} s` : ms < 2 * 3_600_000 ? `${Math.round(ms / 60_000)} min` : `${(ms / 3_600_000).toFixed(1)} h`);

const count = (d: { added: readonly string[]; changed: readonly string[]; removed: readonly string[] }): Counts => ({ added: d.added.length, changed: d.changed.length, removed: d.removed.length });

export function judgeConfiguration(input: JudgeInput): ConfigurationJudgement {
  const { primary, replica, rpoMs, now } = input;
  const failures: string[] = [];
  const notes: string[] = [];
  if (primary.kind === 'absent') failures.push('no bundle in the primary config bucket: the configuration was never backed up');
  if (primary.kind === 'unreadable') failures.push(`the primary bundle could not be read: ${primary.reason}`);
  const bundle = primary.kind === 'read' ? primary.bundle : null;
  if (bundle !== null && bundle.name !== input.name) failures.push(`the primary bundle is of configuration "${bundle.name}"`);

  // The replica, judged against the primary's newest bundle.
  let replicaState: NonNullable<ConfigurationJudgement['replica']> | null = null;
  if (replica.kind === 'unreadable') {
    failures.push(`the replica in the secondary could not be read: ${replica.reason}`);
    replicaState = { state: 'unreadable', sha256: null, capturedAt: null, behindMs: null };
  } else if (primary.kind === 'read') {
    const same = replica.kind === 'read' && replica.sha256 === primary.sha256;
    const behindMs = same ? null : primary.writtenAt === null ? null : Math.max(0, now - primary.writtenAt);
    replicaState = {
      state: same ? 'same' : replica.kind === 'read' ? 'older' : 'absent',
      sha256: replica.kind === 'read' ? replica.sha256 : null,
      capturedAt: replica.kind === 'read' ? replica.bundle.capturedAt : null,
      behindMs,
    };
    if (!same) {
      const what = replica.kind === 'read' ? `the replica is an older bundle (captured ${replica.bundle.capturedAt})` : 'the secondary has no replica of the bundle';
      const since = behindMs === null ? 'for an unknown time' : `for ${minutes(behindMs)}`;
      if (behindMs === null || behindMs > rpoMs) failures.push(`${what}: the DR copy has been behind the primary ${since}, longer than the RPO of ${minutes(rpoMs)}`);
      else notes.push(`${what}: replication has been pending ${since}, within the RPO of ${minutes(rpoMs)}`);
    }
    if (replica.kind === 'read' && !same) {
      if (replica.bundle.name !== input.name) failures.push(`the replica is of configuration "${replica.bundle.name}"`);
      const lacking = missingFromBundle(replica.bundle, input.configured);
      if (lacking.length > 0) failures.push(`the replica lacks ${lacking.join(', ')}`);
    }
  }

  const missing = bundle === null ? [] : missingFromBundle(bundle, input.configured);
  if (missing.length > 0) failures.push(`the bundle lacks ${missing.join(', ')}`);

  let drift: ConfigurationJudgement['drift'] = null;
  if ('unreadable' in input.live) failures.push(`the live configuration could not be read to compare with: ${input.live.unreadable}`);
  else if (bundle !== null) {
    const live = input.live;
    const names = compareBundles(bundle, live);
    const dates = [
      ...[...names.parameters.added, ...names.parameters.changed].map((n) => live.changedAt.parameters[n]),
      ...[...names.secrets.added, ...names.secrets.changed].map((n) => live.changedAt.secrets[n]),
    ];
    const dated = dates.filter((d): d is number => d !== undefined);
    // A change the service gives no date for is taken as made when the bundle was captured: the earliest it can be.
    const undated = dates.length - dated.length;
    const pendingSince = dates.length === 0 ? null : Math.min(...dated, ...(undated > 0 ? [Date.parse(bundle.capturedAt)] : []));
    drift = { parameters: count(names.parameters), secrets: count(names.secrets), names, pendingSince };
    const total = (c: Counts) => c.added + c.changed + c.removed;
    const describe = (kind: string, c: Counts) => `${kind} ${c.added} added, ${c.changed} changed, ${c.removed} removed`;
    if (total(drift.parameters) + total(drift.secrets) > 0) {
      const summary = `the live configuration differs from the bundle (${describe('parameters', drift.parameters)}; ${describe('secrets', drift.secrets)})`;
      if (pendingSince !== null && now - pendingSince > rpoMs) failures.push(`${summary}: the oldest change not backed up is ${minutes(now - pendingSince)} old, longer than the RPO of ${minutes(rpoMs)}`);
      else notes.push(pendingSince === null ? `${summary}: only removals, which cannot be dated` : `${summary}: the oldest change is ${minutes(now - pendingSince)} old, within the RPO of ${minutes(rpoMs)} (the next backup takes it)`);
    }
  }

  return {
    outcome: failures.length === 0 ? 'passed' : 'failed',
    failures,
    notes,
    bundle: primary.kind === 'read' ? { sha256: primary.sha256, versionId: primary.versionId, capturedAt: primary.bundle.capturedAt, parameters: Object.keys(primary.bundle.parameters).length, secrets: Object.keys(primary.bundle.secrets).length } : null,
    replica: replicaState,
    missing,
    drift,
  };
}
