// What the Slack notifier does with one notice, given what it remembers of the same alert (its fold
// state): post it; fold it into the count of the message already posted within the window; post the
// resolution of an open alarm; or nothing — an SNS redelivery of a message already handled, a
// resolution of nothing open, or a state change older than the last one seen (a late event). The
// escalation of an alarm still unresolved shares the alarm's state: posted even within the window, and
// resolved by the alarm's OK. Pure.

import type { Folded, Notice } from '../../../shared/alerts/slack-message.js';

/** How many recent SNS message ids a fold state remembers (a redelivery is a no-op). */
export const REMEMBERED_MESSAGES = 20;

/** What the notifier remembers of one alert (by fingerprint) between invocations. */
export interface FoldState {
  readonly fingerprint: string;
  /** The last message posted was a firing not yet resolved. */
  readonly open: boolean;
  /** When the last message was posted: the fold window runs from here. */
  readonly postedAt: number;
  /** Notices folded since (not posted). */
  readonly repeats: number;
  /** The first of them. */
  readonly firstRepeatAt?: number;
  /** The time of the latest firing or resolution (a state change older than this is late). */
  readonly changedAt: number;
  /** The SNS message ids handled most recently, newest last. */
  readonly messageIds: readonly string[];
}

export type Decision =
  | { readonly action: 'post'; readonly folded: Folded; readonly next: FoldState }
  | { readonly action: 'fold'; readonly next: FoldState }
  | { readonly action: 'skip'; readonly reason: 'duplicate' | 'nothing-open' | 'late' };

const remember = (ids: readonly string[], id: string): string[] => [...ids, id].slice(-REMEMBERED_MESSAGES);

/** The decision for `notice` (SNS message `messageId`) at `now`, with the alert's state if any. */
export function decide(notice: Notice, messageId: string, state: FoldState | undefined, now: number, foldWindowMs: number): Decision {
  if (state?.messageIds.includes(messageId) === true) return { action: 'skip', reason: 'duplicate' };
  const seen = state?.messageIds ?? [];
  const folded: Folded = state === undefined || state.repeats === 0 ? { repeats: 0 } : { repeats: state.repeats, ...(state.firstRepeatAt === undefined ? {} : { since: state.firstRepeatAt }) };

  if (notice.status === 'resolved') {
    if (state === undefined || !state.open) return { action: 'skip', reason: 'nothing-open' };
    if (notice.at > 0 && notice.at < state.changedAt) return { action: 'skip', reason: 'late' };
    return { action: 'post', folded, next: { fingerprint: notice.fingerprint, open: false, postedAt: now, repeats: 0, changedAt: notice.at || now, messageIds: remember(seen, messageId) } };
  }

  // A firing from before the resolution that closed it: the condition has cleared since.
  if (state !== undefined && !state.open && notice.at > 0 && notice.at < state.changedAt) return { action: 'skip', reason: 'late' };
  // An escalation is never folded: it says the alarm has now been unresolved for long, which its repeats did not.
  if (state !== undefined && state.open && now - state.postedAt < foldWindowMs && notice.escalation === undefined) {
    return {
      action: 'fold',
      next: { ...state, repeats: state.repeats + 1, firstRepeatAt: state.firstRepeatAt ?? (notice.at || now), changedAt: Math.max(state.changedAt, notice.at), messageIds: remember(seen, messageId) },
    };
  }
  // First of its kind, after a resolution, or after the window: posted, with the repeats folded since the last post.
  return {
    action: 'post',
    folded: state?.open === true ? folded : { repeats: 0 },
    next: { fingerprint: notice.fingerprint, open: true, postedAt: now, repeats: 0, changedAt: Math.max(state?.changedAt ?? 0, notice.at || now), messageIds: remember(seen, messageId) },
  };
}
