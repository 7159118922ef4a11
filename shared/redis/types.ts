// The shapes the Redis side speaks in: where a cache is, what was recorded with a snapshot (the
// manifest), what a restored cache showed, and the verdict (README, "Redis: proving the data"). No
// behaviour here.

/** How to reach one Redis/Valkey endpoint. The password never leaves the connection. */
export interface RedisEndpoint {
  readonly host: string;
  readonly port: number;
  /** In-transit encryption (ElastiCache `TransitEncryptionEnabled`). */
  readonly tls: boolean;
  /** RBAC user (ElastiCache user groups); absent with a password: the legacy AUTH token. */
  readonly username?: string;
  readonly password?: string;
  /** Give up connecting after this long (default 5 s). */
  readonly connectTimeoutMs?: number;
}

/** The Redis data types a key can have, as TYPE names them; anything else (a module's type) is kept by name. */
export type KeyType = 'string' | 'list' | 'set' | 'zset' | 'hash' | 'stream' | (string & {});

/** One sampled key as found on the source (when the manifest was captured) or on a restore. */
export interface KeyObservation {
  /** TYPE's answer; "none" when the key does not exist. */
  readonly type: KeyType | 'none';
  /** Absolute expiry in epoch milliseconds (PEXPIRETIME), null for a key without one. */
  readonly expireAt: number | null;
  /** Elements of a collection, bytes of a string; null for a type without a size command. */
  readonly size: number | null;
  /**
   * sha256 of the value in a canonical form (README): elements in order for lists, streams and sorted
   * sets, sorted for sets and hashes; the DUMP payload for other types. null when `size` is over the
   * policy's `maxElements` (compared by size alone).
   */
  readonly hash: string | null;
}

export interface SampledKey extends KeyObservation {
  /** The key as UTF-8 text, or base64 when its bytes are not valid UTF-8 (`encoding: 'base64'`). */
  readonly key: string;
  readonly encoding?: 'base64';
}

export interface DatabaseManifest {
  /** DBSIZE when the manifest was captured. */
  readonly keys: number;
  /** Keys with an expiry (INFO keyspace). */
  readonly expires: number;
  /** The keys whose seeded hash of the snapshot id and key was smallest: a deterministic sample of the whole keyspace. */
  readonly sample: readonly SampledKey[];
}

export interface RedisManifest {
  readonly format: 'backup-dr/redis-manifest@1';
  /** The policy's cache name and its replication group. */
  readonly cache: string;
  readonly replicationGroupId: string;
  readonly snapshotId: string;
  /** When the capture started and ended, ISO 8601. */
  readonly capturedAt: string;
  readonly completedAt: string;
  /** INFO server: "redis" or "valkey", and its version. */
  readonly engine: { readonly name: string; readonly version: string };
  /** Logical database index ("0"…"15") → what it held. Databases without keys are left out. */
  readonly databases: Readonly<Record<string, DatabaseManifest>>;
  /** The policy's required keys and whether each existed when the manifest was captured. */
  readonly requiredKeys: readonly { readonly database: number; readonly key: string; readonly present: boolean }[];
  /** The policy settings the manifest was captured with. */
  readonly sampleKeys: number;
  readonly maxElements: number;
}

/** What a restored cache showed, observed for a manifest. */
export interface RestoreObservation {
  /** PING answered; otherwise why not (nothing else was observed). */
  readonly reachable: true | { readonly error: string };
  /** When the observation was made (epoch ms): keys that expired by then are not expected. */
  readonly observedAt: number;
  /** DBSIZE of every database the manifest or the restore has keys in. */
  readonly keyCounts: Readonly<Record<string, number>>;
  /** Database index → key (as the manifest wrote it) → what the restore has. */
  readonly sampled: Readonly<Record<string, Readonly<Record<string, KeyObservation>>>>;
  readonly requiredKeys: readonly { readonly database: number; readonly key: string; readonly present: boolean }[];
  readonly assertions: readonly { readonly name: string; readonly reply: string | number | null; readonly error?: string }[];
}

export type CheckStatus = 'pass' | 'fail' | 'inconclusive';

export interface RedisCheck {
  readonly name: 'connectivity' | 'key-counts' | 'sampled-keys' | 'required-keys' | 'assertions';
  readonly status: CheckStatus;
  /** One line an operator reads: what was compared, and what differs. */
  readonly detail: string;
}

export interface RedisVerdict {
  readonly outcome: CheckStatus;
  readonly checks: readonly RedisCheck[];
}
