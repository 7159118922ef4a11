// The retention plan a prune carries out: restic's policy decisions plus the guards a DR system needs
// (legal hold, the newest copy, ownership, refusal to empty a set, compliance floors), reported apart.

import { RetentionRefused } from '../errors.js';
import { applyPolicy, type PolicyDecision, type RetentionSnapshot } from './apply-policy.js';
import { floorViolations, type ComplianceFloor } from './floor.js';
import { projectExpiry, type NextRun } from './projection.js';
import { keepsNothing, type RetentionRules } from './rules.js';

export const DEFAULT_LEGAL_HOLD_TAG = 'legal-hold';

export interface PlannedSnapshot extends RetentionSnapshot {
  /** False for a snapshot someone else made: it is ignored, never planned. Absent = ours. */
  readonly owned?: boolean;
}

export interface RetentionPolicy {
  readonly timeZone: string;
  readonly keep: RetentionRules;
  /** Minimum history per tier; a policy below it is refused unless `override` gives a reason. */
  readonly floor?: ComplianceFloor;
  readonly override?: string;
}

export interface PlanOptions<S extends PlannedSnapshot> {
  readonly now: number;
  /** Tag keys that put a snapshot under legal hold, whatever the value (keys compared without case). */
  readonly legalHoldTags?: readonly string[];
  /** Extra guards from the caller (e.g. "newest verified copy"): a reason to keep, or null. */
  readonly extraGuards?: readonly ((snapshot: S) => string | null)[];
  /** The backup schedule, to project when each kept snapshot will expire. */
  readonly nextRun?: NextRun;
}

export interface KeptSnapshot<S> {
  readonly snapshot: S;
  /** Policy reasons only (restic's wording). */
  readonly reasons: readonly string[];
  /** Guard reasons only: why a snapshot the policy would remove, or that must never go, stays. */
  readonly guards: readonly string[];
  /** When the projected schedule first removes it; null = not projected to expire; undefined = no schedule. */
  readonly expiresAt?: number | null;
}

export interface RetentionPlan<S> {
  readonly keep: readonly KeptSnapshot<S>[];
  readonly remove: readonly { readonly snapshot: S; readonly reasons: readonly string[] }[];
  /** Snapshots we do not own: left alone and not counted by any rule. */
  readonly ignored: readonly S[];
}

/** Refuses a policy that keeps nothing or breaks a compliance floor without an override. */
export function assertPolicyAcceptable(policy: RetentionPolicy): void {
  if (keepsNothing(policy.keep)) {
    throw new RetentionRefused('the policy keeps nothing: set at least one keep rule (refusing to remove every snapshot)');
  }
  const violations = floorViolations(policy.keep, policy.floor ?? {});
  if (violations.length > 0 && (policy.override ?? '').trim() === '') {
    throw new RetentionRefused(`${violations.join('; ')}; lower it only with an explicit override reason`);
  }
}

/**
 * A legal hold is read the safe way: a tag whose key is a hold tag — compared without case — holds the
 * snapshot whatever its value ("legal-hold", "Legal-Hold=case-17", even "legal-hold=false"). Only
 * removing the tag releases it: a hold that a typo in its value could lift is no hold.
 */
export function isUnderLegalHold(snapshot: RetentionSnapshot, holdTags: readonly string[]): boolean {
  const tags = snapshot.tags;
  if (tags === undefined) return false;
  // Plain loops, no Set: a plan asks this of every snapshot, and there are one or two hold tags.
  for (let i = 0; i < tags.length; i += 1) {
    const tag = tags[i] as string;
    const equals = tag.indexOf('=');
    const key = (equals === -1 ? tag : tag.slice(0, equals)).toLowerCase();
    for (let h = 0; h < holdTags.length; h += 1) {
      if (key === (holdTags[h] as string).toLowerCase()) return true;
    }
  }
  return false;
}

/** Why the plan removes a snapshot: one shared, frozen list. */
const NOT_KEPT: readonly string[] = Object.freeze(['not kept by any rule']);
/** The guards of a snapshot no guard keeps: one shared, frozen list. */
const NO_GUARDS: readonly string[] = Object.freeze([]);

export function planRetention<S extends PlannedSnapshot>(
  snapshots: readonly S[],
  policy: RetentionPolicy,
  options: PlanOptions<S>,
): RetentionPlan<S> {
  assertPolicyAcceptable(policy);
  const ignored: S[] = [];
  const owned: S[] = [];
  for (let i = 0; i < snapshots.length; i += 1) {
    const snapshot = snapshots[i] as S;
    (snapshot.owned === false ? ignored : owned).push(snapshot);
  }
  const outcome = applyPolicy(owned, policy.keep, { now: options.now, timeZone: policy.timeZone });
  if (owned.length > 0 && outcome.decisions.every((d) => d.reasons.length === 0)) {
    throw new RetentionRefused(
      `the policy would remove all ${owned.length} snapshots (none matches a keep rule); refusing to remove any`,
    );
  }

  const holdTags = options.legalHoldTags ?? [DEFAULT_LEGAL_HOLD_TAG];
  const extraGuards = options.extraGuards ?? [];
  const newest = outcome.decisions[0]?.snapshot;
  const newestPast = outcome.decisions.find((d) => d.snapshot.time < options.now)?.snapshot;

  // One pass over the decisions. `guards` is scratch space, copied only for a snapshot a guard keeps.
  const keep: { snapshot: S; reasons: readonly string[]; guards: readonly string[] }[] = [];
  const remove: { snapshot: S; reasons: readonly string[] }[] = [];
  const guards: string[] = [];
  // Indexed loops: this runs a million times, much of it before the optimiser has compiled it.
  for (let i = 0; i < outcome.decisions.length; i += 1) {
    const { snapshot, reasons } = outcome.decisions[i] as PolicyDecision<S>;
    guards.length = 0;
    if (isUnderLegalHold(snapshot, holdTags)) guards.push('legal hold');
    if (snapshot === newest) guards.push('newest snapshot');
    else if (snapshot === newestPast) guards.push('newest snapshot not in the future');
    for (let g = 0; g < extraGuards.length; g += 1) {
      const guard = extraGuards[g] as (snapshot: S) => string | null;
      const reason = guard(snapshot);
      if (reason !== null) guards.push(reason);
    }
    if (reasons.length > 0 || guards.length > 0) keep.push({ snapshot, reasons, guards: guards.length === 0 ? NO_GUARDS : guards.slice() });
    else remove.push({ snapshot, reasons: NOT_KEPT });
  }
  if (options.nextRun === undefined) return { keep, remove, ignored };

  const held = new Set<string>();
  const kept: S[] = [];
  for (const k of keep) {
    kept.push(k.snapshot);
    if (k.guards.includes('legal hold')) held.add(k.snapshot.id);
  }
  const newestTime = newest?.time ?? options.now;
  const expiry = projectExpiry({
    snapshots: kept,
    rules: policy.keep,
    timeZone: policy.timeZone,
    nextRun: options.nextRun,
    from: Math.max(options.now, newestTime),
    held,
  });
  return {
    keep: keep.map((k) => ({ ...k, expiresAt: expiry.get(k.snapshot.id) ?? null })),
    remove,
    ignored,
  };
}
