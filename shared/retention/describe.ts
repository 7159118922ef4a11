// One-line descriptions of retention rules, for previews, policy summaries and alerts.
import { formatDuration } from './duration.js';
import { COUNT_RULES, WITHIN_BUCKET, WITHIN_RULES, type RetentionRules } from './rules.js';

export function formatRules(rules: RetentionRules): string {
  const parts: string[] = [];
  for (const rule of COUNT_RULES) {
    const count = rules[rule] ?? 0;
    if (count !== 0) parts.push(count === -1 ? `all ${rule}` : `${count} ${rule}`);
  }
  if (rules.within !== undefined) parts.push(`everything within ${formatDuration(rules.within)}`);
  for (const rule of WITHIN_RULES) {
    const d = rules[rule];
    if (d !== undefined) parts.push(`${WITHIN_BUCKET[rule]} within ${formatDuration(d)}`);
  }
  for (const tags of rules.tags ?? []) parts.push(`tagged [${tags.join(', ')}]`);
  return parts.length === 0 ? 'keep nothing' : `keep ${parts.join(', ')}`;
}
