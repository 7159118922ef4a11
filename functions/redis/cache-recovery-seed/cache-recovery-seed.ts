// Seeds the new replication group of a planned cache recovery (plan.ts: its tags and production shape; the
// request and the idempotent call are shared/redis/seed.ts's): a retried step that finds the group already
// there goes on if it is this recovery's, and never adopts anyone else's. The AUTH token is read from the
// policy's secret into the request and nowhere else: never logged, never returned to the state machine.

import type { CacheRecoveryPlan } from '../../../shared/redis/recovery-run.js';
import type { CacheSeeded } from '../../../shared/redis/restore-run.js';
import { seedCacheRestore, type SeedDeps } from '../../../shared/redis/seed.js';
import { recoverySeedOptions } from './plan.js';

export async function seedCacheRecovery(deps: SeedDeps, plan: CacheRecoveryPlan): Promise<CacheSeeded> {
  return seedCacheRestore(deps, plan, recoverySeedOptions(deps.policy, plan));
}
