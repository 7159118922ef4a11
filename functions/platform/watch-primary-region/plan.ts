// The watch on the primary region, pure (README, "Failover readiness and the primary-region watch"): one
// round of probes (the policy's health URLs, the primary's RDS and ElastiCache APIs) is "not answering"
// only when none of them answers — a region-level verdict, not an application one. From the state of the
// rounds before, it decides what to do now: count a failed round, alert once after failuresBeforeAlert in
// a row ("not answering"), propose region-failover (when the policy allows) under a name derived from when
// the outage began, and alert once when the primary answers again. A round is known by its scheduled
// time: the same round run twice changes nothing.

/** One probe's outcome: answered, or not (and why, for the alert). */
export interface ProbeResult {
  /** "https://…", "rds:<instance>", "elasticache:<group>". */
  readonly probe: string;
  readonly answered: boolean;
  readonly detail: string;
}

/** What the watch remembers between rounds (readiness/primary-watch.json in the secondary's reports bucket). */
export interface WatchState {
  readonly format: 1;
  /** The scheduled time of the last round counted (ms): a round at or before it is a duplicate. */
  readonly lastRoundAt: number;
  readonly consecutiveFailures: number;
  /** The scheduled time of the first failed round of the current run of failures (ms), null while answering. */
  readonly outageStartedAt: number | null;
  /** "not answering" was alerted for the current outage. */
  readonly alerted: boolean;
  /** The region-failover execution started for the current outage (its name), null when none yet. */
  readonly failoverExecution: string | null;
  /** The error the last attempt to start it met (alerted once per name). */
  readonly proposalError: string | null;
  readonly lastResults: readonly ProbeResult[];
}

export const INITIAL_STATE: WatchState = { format: 1, lastRoundAt: 0, consecutiveFailures: 0, outageStartedAt: null, alerted: false, failoverExecution: null, proposalError: null, lastResults: [] };

export type WatchAction =
  | { readonly kind: 'alert-down'; readonly failures: number; readonly since: number }
  | { readonly kind: 'alert-up'; readonly since: number; readonly failures: number }
  | { readonly kind: 'propose-failover'; readonly executionName: string; readonly since: number };

export interface WatchDecision {
  /** False for a duplicate round: nothing is written, nothing done. */
  readonly counted: boolean;
  readonly state: WatchState;
  readonly actions: readonly WatchAction[];
}

/** A round fails when no probe answered (with no probe at all there is nothing to judge: it never fails). */
export function roundFailed(results: readonly ProbeResult[]): boolean {
  return results.length > 0 && results.every((r) => !r.answered);
}

/**
 * The execution name of the failover proposed for an outage: derived from when it began, so every round
 * of one outage (and a duplicate run) names the same execution and a second StartExecution is a no-op.
 * Step Functions names: 1–80 characters, no whitespace, brackets, wildcards or `":/…` (UTC, to the minute).
 */
export function proposalName(outageStartedAt: number): string {
  const iso = new Date(outageStartedAt).toISOString();
  return `primary-down-${iso.slice(0, 10).replaceAll('-', '')}T${iso.slice(11, 13)}${iso.slice(14, 16)}Z`;
}

export interface RoundInput {
  readonly previous: WatchState;
  /** The round's scheduled time (ms). */
  readonly at: number;
  readonly results: readonly ProbeResult[];
  readonly failuresBeforeAlert: number;
  readonly proposeFailover: boolean;
}

export function decideRound(input: RoundInput): WatchDecision {
  const { previous, at, results } = input;
  if (at <= previous.lastRoundAt) return { counted: false, state: previous, actions: [] };
  if (!roundFailed(results)) {
    const actions: WatchAction[] = previous.alerted && previous.outageStartedAt !== null ? [{ kind: 'alert-up', since: previous.outageStartedAt, failures: previous.consecutiveFailures }] : [];
    return { counted: true, state: { ...INITIAL_STATE, lastRoundAt: at, lastResults: results }, actions };
  }
  const failures = previous.consecutiveFailures + 1;
  const since = previous.outageStartedAt ?? at;
  const down = failures >= input.failuresBeforeAlert;
  const actions: WatchAction[] = [];
  if (down && !previous.alerted) actions.push({ kind: 'alert-down', failures, since });
  // Until one start succeeded, every failing round proposes again: the name makes a repeat a no-op.
  if (down && input.proposeFailover && previous.failoverExecution === null) actions.push({ kind: 'propose-failover', executionName: proposalName(since), since });
  return {
    counted: true,
    state: { ...previous, lastRoundAt: at, consecutiveFailures: failures, outageStartedAt: since, alerted: previous.alerted || down, lastResults: results },
    actions,
  };
}
