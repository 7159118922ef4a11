// Which Slack channels a notice goes to. The main webhook (alerts.slack) gets every notice; each escalation
// level's own channel (alerts.escalation.levels[].slack) gets what reaches that level — our alerts by their
// severity (alerts.escalation.severities), CloudWatch alarms as critical (the levels critical lists), the
// delayed escalation of an alarm still unresolved (the levels of alerts.escalation.unresolved) — and an
// alarm's resolution also goes to the unresolved levels' channels, where it posts only if the escalation
// was posted there (the fold state of that channel has it open). A text notice (the execution-failed rule's)
// stays on the main channel: its ExecutionsFailed alarm reaches the levels. One channel per secret, whoever
// names it. Pure.

import type { Notice } from './slack-message.js';
import type { Policy } from '../policy/schema.js';

/** A channel: the secret holding its webhook URL; `main` for alerts.slack (its fold state keeps the keys it always had). */
export interface Channel {
  readonly secret: string;
  readonly main: boolean;
}

/** The levels (1-based) a notice reaches. */
function levelsReached(notice: Notice, policy: Policy): readonly number[] {
  const escalation = policy.alerts.escalation;
  if (escalation === undefined) return [];
  const unresolved = escalation.unresolved?.levels ?? [];
  switch (notice.origin) {
    case 'alert':
      return escalation.severities[notice.severity];
    case 'alarm':
      return notice.status === 'resolved' ? [...escalation.severities.critical, ...unresolved] : escalation.severities.critical;
    case 'escalation':
      return unresolved;
    case 'notice':
      return [];
  }
}

/** The channels of `notice`, the main one first, each secret once. */
export function channelsFor(notice: Notice, policy: Policy): Channel[] {
  const main = policy.alerts.slack?.webhookSecret;
  const levels = policy.alerts.escalation?.levels ?? [];
  const secrets = [...new Set(levelsReached(notice, policy))]
    .sort((a, b) => a - b)
    .flatMap((n) => (levels[n - 1]?.slack === undefined ? [] : [levels[n - 1]!.slack!.webhookSecret]));
  const channels: Channel[] = main === undefined ? [] : [{ secret: main, main: true }];
  for (const secret of secrets) if (!channels.some((c) => c.secret === secret)) channels.push({ secret, main: false });
  return channels;
}

/** Every webhook secret the notifier may post to: the main one and each level's. */
export function configuredChannels(policy: Policy): string[] {
  const levels = policy.alerts.escalation?.levels ?? [];
  return [...new Set([...(policy.alerts.slack === undefined ? [] : [policy.alerts.slack.webhookSecret]), ...levels.flatMap((level) => (level.slack === undefined ? [] : [level.slack.webhookSecret]))])];
}
