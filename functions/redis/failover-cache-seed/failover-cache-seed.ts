// Seeds a cache in the secondary region for region-failover (plan.ts: tags and settings by mode; the
// request and the idempotent call are shared/redis/seed.ts's): a group already there that carries our
// tags for this run is success (a retried or resumed step), anyone else's is refused. A cache the plan
// found no verified export for fails here, saying so (NoCacheRestorePoint): the approver was told.

import * as z from 'zod/mini';
import { failoverCache, failoverMode } from '../../../shared/platform/failover-run.js';
import { NoCacheRestorePoint } from '../../../shared/redis/errors.js';
import type { CacheSeeded } from '../../../shared/redis/restore-run.js';
import { seedCacheRestore, type SeedDeps } from '../../../shared/redis/seed.js';
import { failoverSeedOptions } from './plan.js';

export const seedEvent = z.object({ cache: failoverCache, mode: failoverMode });
export type SeedEvent = z.output<typeof seedEvent>;

export async function seedFailoverCache(deps: SeedDeps, { cache, mode }: SeedEvent): Promise<CacheSeeded> {
  if (cache.plan === undefined) throw new NoCacheRestorePoint(`${cache.resource}: ${cache.missing ?? 'no verified export in the secondary region'}`);
  return seedCacheRestore(deps, cache.plan, failoverSeedOptions(deps.policy, cache.plan, mode));
}
