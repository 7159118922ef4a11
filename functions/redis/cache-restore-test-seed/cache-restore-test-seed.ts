// Seeds the temporary replication group of a planned cache restore test: the shared seed routine
// (shared/redis/seed.ts) with the restore test's tags. Re-exported here under its old names.

export { seedCacheRestore, type SeedDeps } from '../../../shared/redis/seed.js';
