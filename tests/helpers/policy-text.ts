// The team's policy file as text, changed one way, and the message a rejected policy text fails with:
// what the policy tests (and teamPolicy) build their cases from.
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { InvalidPolicy } from '../../shared/errors.js';
import { parsePolicy } from '../../shared/policy/load.js';

export const DEFAULT_POLICY_TEXT = readFileSync(new URL('../../backup-policy.yml', import.meta.url), 'utf8');

/** The default policy with one change applied to its parsed document. */
export function mutated(change: (doc: Record<string, any>) => void): string {
  const doc = parse(DEFAULT_POLICY_TEXT) as Record<string, any>;
  change(doc);
  return stringify(doc);
}

/** The message of the InvalidPolicy the text is rejected with (fails the test when it is accepted). */
export function errorOf(text: string): string {
  try {
    parsePolicy(text, 'policy.yml');
  } catch (error) {
    if (!(error instanceof InvalidPolicy)) throw error;
    return error.message;
  }
  throw new Error('expected the policy to be rejected');
}
