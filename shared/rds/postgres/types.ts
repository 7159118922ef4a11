// The shapes the PostgreSQL side of the RDS component speaks in: where a database is, what the policy
// asks of it, and what was recorded with a snapshot. No behaviour here.

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

/** What the source held when a snapshot was taken, recorded with the snapshot. */
export interface SourceManifest {
  /** Epoch ms. */
  capturedAt: number;
  serverVersion: string;
  /** "schema.table" → exact row count. */
  tables: Record<string, number>;
}

/** The `validation` block of a database resource, as the policy schema parses it. */
export type ValidationConfig = DatabaseResource['validation'];
