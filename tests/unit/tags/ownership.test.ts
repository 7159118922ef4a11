// Ownership: what prune, the janitor and teardown may touch. Both tags, exactly: the owner tag (under the
// policy's key) with our value, and this policy's name.

import { describe, expect, it } from 'vitest';
import { OWNER_VALUE, TAG } from '../../../shared/contracts.js';
import { isOwned } from '../../../shared/tags.js';

const OWNER_KEY = 'backup-dr:owner';
const tags = (record: Record<string, string>) => Object.entries(record).map(([Key, Value]) => ({ Key, Value }));

describe('isOwned', () => {
  it.each<{ name: string; tags: Record<string, string>; owned: boolean }>([
    { name: 'both tags, ours', tags: { [OWNER_KEY]: OWNER_VALUE, [TAG.policy]: 'production' }, owned: true },
    { name: 'our policy name without the owner tag', tags: { [TAG.policy]: 'production' }, owned: false },
    { name: 'another owner with our policy name', tags: { [OWNER_KEY]: 'other-tool', [TAG.policy]: 'production' }, owned: false },
    { name: 'our owner tag for another policy', tags: { [OWNER_KEY]: OWNER_VALUE, [TAG.policy]: 'staging' }, owned: false },
    { name: 'our owner tag without a policy', tags: { [OWNER_KEY]: OWNER_VALUE }, owned: false },
    { name: 'our owner value under another key', tags: { 'acme:owner': OWNER_VALUE, [TAG.policy]: 'production' }, owned: false },
    { name: 'no tags', tags: {}, owned: false },
  ])('$name: owned $owned', ({ tags: record, owned }) => {
    expect(isOwned(tags(record), OWNER_KEY, 'production')).toBe(owned);
  });

  it('reads the owner tag under the key the policy names', () => {
    expect(isOwned(tags({ 'acme:owner': OWNER_VALUE, [TAG.policy]: 'production' }), 'acme:owner', 'production')).toBe(true);
    expect(isOwned(undefined, OWNER_KEY, 'production')).toBe(false);
  });
});
