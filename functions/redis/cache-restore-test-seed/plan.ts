// The CreateReplicationGroup request that seeds a restore test's temporary group, pure: now in
// shared/redis/seed.ts (region-failover seeds with it too). Re-exported here under its old names.

export { seedRequest, type RestoreAuth } from '../../../shared/redis/seed.js';
