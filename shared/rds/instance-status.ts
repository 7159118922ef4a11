// Every DB instance status of the RDS user guide's status table ("Viewing DB instance status") placed in
// one of three sets: serving (a restored or promoted instance can be validated, the RTO clock stops),
// waiting (the state machine asks again), terminal (never available by itself: fail at once). Shared by
// the restore tests and region-failover.

/**
 * Serving traffic. After a snapshot restore the instance stays in `storage-initialization` while blocks
 * load lazily from S3 — the guide: it "remains available for operations" — and RDS takes its first
 * backup (`backing-up`); the configuring-* and storage-optimization states leave it fully operational.
 */
export const SERVING = new Set([
  'available',
  'storage-initialization',
  'backing-up',
  'storage-optimization',
  'configuring-enhanced-monitoring',
  'configuring-iam-database-auth',
  'configuring-log-exports',
]);

/** Never available by themselves (failed restores, capacity, keys, storage, network, or going away). */
export const TERMINAL = new Set([
  'failed',
  'restore-error',
  'incompatible-restore',
  'incompatible-network',
  'incompatible-parameters',
  'incompatible-option-group',
  'insufficient-capacity',
  'inaccessible-encryption-credentials',
  'inaccessible-encryption-credentials-recoverable',
  'storage-full',
  'deleting',
  'stopping',
  'stopped',
]);

/** On the way: the state machine asks again. Any status not named here waits too, bounded by waitUntil. */
export const WAITING = new Set(['creating', 'modifying', 'rebooting', 'renaming', 'resetting-master-credentials', 'maintenance', 'upgrading', 'starting', 'moving-to-vpc', 'converting-to-vpc']);
