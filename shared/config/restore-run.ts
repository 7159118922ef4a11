// The document a restore-configuration execution carries from state to state (README, "Configuration:
// restoring a bundle"): which bundle version is restored into which region, the plan by name, how far the
// writes have got, and per name the versions before and after. Names, counts and version ids only — never
// a value: Step Functions keeps every state's input and output in the execution history. Each part is a
// schema every step parses its input with at the edge.

import * as z from 'zod/mini';
import { nonEmptyString } from '../runtime/input.js';

const count = z.int().check(z.gte(0));
const names = z.array(z.string());

/** What a plan says of one kind (parameters or secrets), by name. */
export const kindPlan = z.object({
  /** Names to write: in the bundle and not live (`added`, a subset), or live with another value or type. */
  write: names,
  added: names,
  /** Live names under the configuration that the bundle does not hold: reported, never deleted. */
  liveOnly: names,
  unchanged: count,
  /** Parameters only: the version and type of each name to write as the plan found it (absent: not there), so a write whose result was lost is still known. */
  live: z.optional(z.record(z.string(), z.object({ version: z.int(), type: z.string() }))),
});
export type KindPlan = z.output<typeof kindPlan>;

export const written = z.object({
  kind: z.enum(['parameter', 'secret']),
  name: z.string(),
  /** The version before the write (SSM version number, or the secret's AWSCURRENT VersionId); null: there was none. */
  previousVersion: z.nullable(z.union([z.string(), z.number()])),
  newVersion: z.union([z.string(), z.number()]),
  /** A parameter: its type before and after, and the KMS key a SecureString was written with (null: the AWS managed aws/ssm). */
  previousType: z.optional(z.nullable(z.string())),
  type: z.optional(z.string()),
  keyId: z.optional(z.nullable(z.string())),
});
export type Written = z.output<typeof written>;

export const nameFailure = z.object({ kind: z.enum(['parameter', 'secret']), name: z.string(), error: z.string() });

/** One name of an undo: the version to make current again, and the one the undone run made (the name must still be at it). */
export const undoStep = z.object({ restoreVersion: z.union([z.string(), z.int()]), undoneVersion: z.union([z.string(), z.int()]) });

/** An undo run: which run it undoes (its evidence), per name the step, and the names it leaves alone. */
export const undoPlan = z.object({
  of: nonEmptyString,
  evidenceKey: nonEmptyString,
  steps: z.record(z.string(), undoStep),
  /** Changed since the run (not at the version it made): left alone. */
  changedSince: names,
  /** Parameters the run created: nothing to go back to — deleted by hand (the functions may not delete). */
  created: names,
});
export type UndoPlan = z.output<typeof undoPlan>;

export const configRestoreRun = z.object({
  /** The execution's name: evidence, the secrets' request tokens and an undo name the run by it. */
  runId: nonEmptyString,
  configuration: nonEmptyString,
  /** The bundle version read (the newest when the input named none), from the config bucket of the region the machine runs in. */
  bundle: z.object({ bucket: nonEmptyString, key: nonEmptyString, versionId: nonEmptyString, sha256: nonEmptyString, capturedAt: z.string() }),
  /** The region written to and its role. */
  target: z.object({ role: z.enum(['primary', 'secondary']), region: nonEmptyString }),
  dryRun: z.boolean(),
  plannedAt: z.number(),
  parameters: kindPlan,
  secrets: kindPlan,
  /** Names still to write (parameters first, then secrets, in plan order), and the first of them. */
  remaining: count,
  cursor: count,
  /** Consecutive passes that stopped on throttling (the machine waits between them). */
  throttled: count,
  written: z.array(written),
  /** Names the plan listed that were already equal when their turn came (a run repeated, a change since the plan). */
  skipped: names,
  failed: z.array(nameFailure),
  /**
   * Parameters the bundle (or the undone run) would write but the recovery runbooks own — maintenance mode,
   * the endpoints switch-endpoint writes: left as they are, and named so the operator knows (absent: none).
   */
  leftToRunbooks: z.optional(names),
  /** Set on a run that undoes another ({"undo": "<execution name>"}): it writes the recorded versions back, not the bundle. */
  undo: z.optional(undoPlan),
});
export type ConfigRestoreRun = z.output<typeof configRestoreRun>;

export const stepError = z.object({ Error: z.string(), Cause: z.optional(z.string()) });

export const configRestoreVerdict = z.object({
  outcome: z.enum(['restored', 'dry-run', 'failed']),
  summary: z.string(),
  evidenceKey: z.nullable(z.string()),
});

/** The execution's state document (JSONPath `$`). */
export const configRestoreState = z.object({
  input: z.optional(z.unknown()),
  execution: z.optional(z.string()),
  run: z.optional(configRestoreRun),
  error: z.optional(stepError),
  verdict: z.optional(configRestoreVerdict),
  recordError: z.optional(stepError),
});
export type ConfigRestoreState = z.output<typeof configRestoreState>;

export const configPlanStepInput = z.object({ input: z.optional(z.unknown()), execution: nonEmptyString });

/** The configuration an execution's input asked for, when it is a string (for the evidence of a run that failed before its plan). */
export function askedConfiguration(state: ConfigRestoreState): string {
  const asked = (state.input as { configuration?: unknown } | null | undefined)?.configuration;
  return state.run?.configuration ?? (typeof asked === 'string' && /^[A-Za-z0-9._-]{1,128}$/.test(asked) ? asked : 'unknown-configuration');
}
