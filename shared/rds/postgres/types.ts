// The shapes the PostgreSQL side of the RDS component speaks in: where a database is, what the policy
// asks of it, and what was recorded with a snapshot (README, "Restore tests: proving the data"). No
// behaviour here.

import type { DatabaseResource } from '../../policy/schema.js';

/** How to reach one PostgreSQL database. The password never leaves the connection. */
export interface ConnectionSpec {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  ssl?: boolean | { rejectUnauthorized: boolean };
  /** Give up connecting after this long (default 5 s). */
  connectTimeoutMs?: number;
}

/**
 * Every object of the covered schemas as "<kind> <name>" → property → value: tables (owner, grants,
 * persistence), columns (type, nullability, default), indexes (definition, validity), constraints,
 * sequences (definition and value), views, materialized views, functions (by signature), triggers, types,
 * policies, rules, default privileges, extensions. Long definitions are kept as md5 digests.
 */
export interface SchemaFingerprint {
  /** The schemas covered; null: every schema but the system ones. */
  schemas: string[] | null;
  /** sha256 of the objects in canonical order: equal digests, equal schemas. */
  digest: string;
  objects: Record<string, Record<string, string>>;
}

/** One bucket's rows (in key order) as counted and hashed in PostgreSQL. */
export interface BucketHash {
  rows: number;
  /** md5 over the md5 of each row's text, concatenated in primary-key order. */
  hash: string;
}

/**
 * How a table's content was fingerprinted. `key`: buckets by ranges of the first primary-key column —
 * bucket i holds `bounds[i] <= column < bounds[i+1]`, the last one `bounds[last] <= column <= max` (rows
 * beyond the captured `max` are newer and never compared); `sample` lists the buckets hashed and compared.
 * `whole`: a table without a primary key, hashed whole in the order of its rows' hashes. `none`: not
 * fingerprinted, and why.
 */
export type TableContent =
  | { mode: 'key'; key: string[]; column: string; type: string; bounds: string[]; max: string | null; sample: number[]; buckets: Record<string, BucketHash> }
  | { mode: 'whole'; rows: number; hash: string }
  | { mode: 'none'; reason: string };

export interface ContentFingerprint {
  /** What chose the sampled buckets (the snapshot's id): the same snapshot is always sampled the same way. */
  seed: string;
  /** The tables the policy marks append-only (validation.appendOnly) when this was captured. */
  appendOnly: string[];
  /** "schema.table" → how its content was fingerprinted. */
  tables: Record<string, TableContent>;
  /** The time budget ran out: some sampled buckets were not hashed (their tables say which). */
  budgetExhausted: boolean;
  durationMs: number;
}

/** Which side of the snapshot a capture is on: just before it was requested, or once it existed. */
export type CapturePhase = 'before' | 'after';

/** What the source held at one instant near a snapshot, recorded with the snapshot. */
export interface SourceManifest {
  /** Epoch ms: before a snapshot, no earlier than the capture's data instant; after it, no later. */
  capturedAt: number;
  serverVersion: string;
  /** "schema.table" → exact row count. */
  tables: Record<string, number>;
  /** Absent on manifests captured before bracketing (a single capture taken with the snapshot). */
  phase?: CapturePhase;
  /** Absent on manifests captured before schema fingerprints. */
  schema?: SchemaFingerprint;
  /** Absent on manifests captured before content fingerprints. */
  content?: ContentFingerprint;
}

/**
 * The two captures that bracket a snapshot: the restore must show a state between them. Either may be
 * missing (a capture that failed, an event that never came); a manifest from before bracketing is read
 * as `before`.
 */
export interface ManifestBracket {
  before: SourceManifest | null;
  after: SourceManifest | null;
}

/** The `validation` block of a database resource, as the policy schema parses it. */
export type ValidationConfig = DatabaseResource['validation'];
