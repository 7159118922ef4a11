// The document a media-restore execution carries from state to state (README, "Media: restoring a prefix
// to a point in time"): what is restored, from where, how far the walk has got, and the running sums.
// Each part is a schema every step parses its input with at the edge.

import * as z from 'zod/mini';
import { nonEmptyString } from '../runtime/input.js';

const count = z.int().check(z.gte(0));
const side = z.object({ bucket: nonEmptyString, region: nonEmptyString });

export const prefixSummary = z.object({
  keys: count,
  unchanged: count,
  copies: count,
  fromReplica: count,
  deletes: count,
  bytes: count,
  archived: z.object({ objects: count, bytes: count, longestHours: z.number() }),
});

export const mediaRestoreRun = z.object({
  runId: nonEmptyString,
  resource: nonEmptyString,
  source: side,
  replica: side,
  prefix: z.string(),
  /** The time the prefix is restored to (epoch ms). */
  at: z.number(),
  dryRun: z.boolean(),
  plannedAt: z.number(),
  /** A pass walks the whole prefix; another follows while archived versions are being restored. */
  pass: z.int().check(z.gte(1)),
  /** Where the current pass goes on (the last key done); null when it is done. */
  marker: z.nullable(z.string()),
  page: count,
  summary: prefixSummary,
  /** Copies waiting for an archive restore (this pass), and what could not be done (over 5 GiB, refused). */
  waiting: count,
  failed: count,
  /** The listing of every change, a JSON-lines object per page, under this key prefix in the reports bucket. */
  listingPrefix: nonEmptyString,
});
export type MediaRestoreRun = z.output<typeof mediaRestoreRun>;

export const stepError = z.object({ Error: z.string(), Cause: z.optional(z.string()) });

export const mediaRestoreOutcome = z.object({
  outcome: z.enum(['restored', 'dry-run', 'failed']),
  summary: z.string(),
  evidenceKey: z.nullable(z.string()),
});

/** The execution's state document (JSONPath `$`). */
export const mediaRestoreState = z.object({
  input: z.optional(z.unknown()),
  run: z.optional(mediaRestoreRun),
  error: z.optional(stepError),
  verdict: z.optional(mediaRestoreOutcome),
  recordError: z.optional(stepError),
});
export type MediaRestoreState = z.output<typeof mediaRestoreState>;

export const mediaPlanStepInput = z.object({ input: z.optional(z.unknown()) });
