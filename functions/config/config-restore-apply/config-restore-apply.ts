// Writes a configuration bundle back, a batch of names at a time (the state machine loops while names
// remain): re-reads the bundle version the plan chose, by its version id, and checks it again (the values
// never pass through Step Functions, and a bundle changed since the plan is refused before anything is
// written). Then, per name, from what is there now:
// - a parameter: GetParameter (its version), skipped when value and type are the bundle's; else
//   PutParameter with Overwrite and the bundle's type — a SecureString under the KMS key the parameter
//   has now (DescribeParameters), or, when it has none (new, or not a SecureString before), the policy's
//   key of the region, else AWS's aws/ssm key;
// - a secret: GetSecretValue (its AWSCURRENT version), skipped when the value is the bundle's; else
//   PutSecretValue with a ClientRequestToken derived from the run, the secret and the bundle's checksum,
//   so a retried batch creates no second version — and a version this run already made (its id is the
//   token) is found and recorded with the version before it (DescribeSecret's AWSPREVIOUS).
// Each write is recorded with the version before it, so the run can be undone. Throttling stops the batch
// where it is (the machine waits, then goes on from that name); any other error fails that name alone,
// by the error's name only. No value is logged, returned or put in an error.

import type { S3Client } from '@aws-sdk/client-s3';
import { DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, UpdateSecretVersionStageCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DescribeParametersCommand, GetParameterCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { createHash } from 'node:crypto';
import { BundleTampered, type ConfigBundle, type ParameterEntry } from '../../../shared/config/bundle.js';
import type { ConfigRestoreRun, UndoPlan, Written } from '../../../shared/config/restore-run.js';
import { readStoredBundle } from '../../../shared/config/stored.js';
import { errorName } from '../../../shared/errors.js';
import type { Log } from '../../../shared/runtime/log.js';

/** Names one invocation writes at most, and the time after which it stops early (the function has 15 minutes). */
export const NAMES_PER_BATCH = 100;
export const BATCH_BUDGET_MS = 10 * 60_000;
/** Batches in a row stopped by throttling before the run gives up. */
export const MAX_THROTTLED = 10;

const THROTTLING = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'TooManyUpdates', 'RequestLimitExceeded']);

export class RestoreThrottled extends Error {
  override name = 'RestoreThrottled';
}

export interface ApplyDeps {
  /** S3 of the machine's region (the bundle's bucket). */
  readonly s3: S3Client;
  /** SSM and Secrets Manager of the region written to. */
  readonly ssm: SSMClient;
  readonly secrets: SecretsManagerClient;
  /** The policy's KMS key of the region written to, for a SecureString that has no key yet (undefined: AWS's aws/ssm). */
  readonly parameterKey: string | undefined;
  readonly log: Log;
  readonly now: () => number;
}

/** The request token of a secret's write in a run: the same on every retry of the run, 64 hex characters (Secrets Manager takes 32–64). */
export function secretRequestToken(runId: string, name: string, bundleSha256: string): string {
  return createHash('sha256').update(`${runId}\n${name}\n${bundleSha256}`).digest('hex');
}

type NameOutcome = { readonly status: 'written'; readonly record: Written } | { readonly status: 'skipped' } | { readonly status: 'failed'; readonly error: string };

export async function applyBatch(deps: ApplyDeps, run: ConfigRestoreRun): Promise<ConfigRestoreRun> {
  const names = [...run.parameters.write.map((name) => ({ kind: 'parameter' as const, name })), ...run.secrets.write.map((name) => ({ kind: 'secret' as const, name }))];
  if (run.dryRun || run.cursor >= names.length) return { ...run, remaining: 0, throttled: 0 };
  const bundle = run.undo === undefined ? await sameBundle(deps.s3, run) : null;
  const started = deps.now();
  const written = [...run.written];
  const skipped = [...run.skipped];
  const failed = [...run.failed];
  let cursor = run.cursor;
  let throttled = 0;
  while (cursor < names.length) {
    const { kind, name } = names[cursor]!;
    let outcome: NameOutcome;
    try {
      outcome =
        run.undo !== undefined
          ? kind === 'parameter'
            ? await undoParameter(deps, run.undo, name)
            : await undoSecret(deps, run.undo, name)
          : kind === 'parameter'
            ? await restoreParameter(deps, bundle!.parameters[name], name, run.parameters.live?.[name] ?? null)
            : await restoreSecret(deps, run, bundle!, name);
    } catch (error) {
      if (THROTTLING.has(errorName(error))) {
        throttled = run.throttled + 1;
        if (throttled > MAX_THROTTLED) throw new RestoreThrottled(`throttled ${MAX_THROTTLED} times in a row at ${kind} ${name}: start the run again later (what is written is left as it is)`);
        break;
      }
      outcome = { status: 'failed', error: errorName(error) };
    }
    if (outcome.status === 'written') written.push(outcome.record);
    else if (outcome.status === 'skipped') skipped.push(name);
    else failed.push({ kind, name, error: outcome.error });
    cursor += 1;
    if (cursor - run.cursor >= NAMES_PER_BATCH || deps.now() - started > BATCH_BUDGET_MS) break;
  }
  const next = { ...run, cursor, remaining: names.length - cursor, throttled, written, skipped, failed };
  deps.log.info('configuration restore batch', { runId: run.runId, done: cursor - run.cursor, remaining: next.remaining, written: written.length, skipped: skipped.length, failed: failed.length, throttled });
  return next;
}

/** The bundle version the plan chose, read and checked again; one whose checksum is not the plan's is refused. */
async function sameBundle(s3: S3Client, run: ConfigRestoreRun): Promise<ConfigBundle> {
  const stored = await readStoredBundle(s3, run.bundle.bucket, run.bundle.key, run.bundle.versionId === 'null' ? undefined : run.bundle.versionId);
  if (stored === null) throw new BundleTampered(`s3://${run.bundle.bucket}/${run.bundle.key} is gone`);
  if (stored.sha256 !== run.bundle.sha256) throw new BundleTampered(`version ${run.bundle.versionId} now has SHA-256 ${stored.sha256}, not the ${run.bundle.sha256} planned with`);
  return stored.bundle;
}

/**
 * `planned`: the version the plan saw (null: none). A parameter already equal to the bundle exactly one
 * version later was written after the plan — by a batch of this run whose result was lost (a retried
 * invocation) — and is recorded as written, with the planned version before it.
 */
async function restoreParameter(deps: ApplyDeps, wanted: Pick<ParameterEntry, 'type' | 'value'> | undefined, name: string, planned: { readonly version: number; readonly type: string } | null): Promise<NameOutcome> {
  if (wanted === undefined) return { status: 'skipped' };
  let current: { Type?: string; Value?: string; Version?: number } | undefined;
  try {
    current = (await deps.ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }))).Parameter;
  } catch (error) {
    if (errorName(error) !== 'ParameterNotFound') throw error;
  }
  if (current !== undefined && current.Value === wanted.value && current.Type === wanted.type) {
    if (current.Version === undefined || current.Version !== (planned?.version ?? 0) + 1) return { status: 'skipped' };
    const keyId = wanted.type === 'SecureString' ? ((await keyOf(deps.ssm, name)) ?? null) : undefined;
    return {
      status: 'written',
      record: { kind: 'parameter', name, previousVersion: planned?.version ?? null, newVersion: current.Version, previousType: planned?.type ?? null, type: wanted.type, ...(keyId === undefined ? {} : { keyId }) },
    };
  }
  const keyId = wanted.type === 'SecureString' ? ((current?.Type === 'SecureString' ? await keyOf(deps.ssm, name) : undefined) ?? deps.parameterKey) : undefined;
  const put = await deps.ssm.send(new PutParameterCommand({ Name: name, Value: wanted.value, Type: wanted.type, Overwrite: true, ...(keyId === undefined ? {} : { KeyId: keyId }) }));
  return {
    status: 'written',
    record: {
      kind: 'parameter',
      name,
      previousVersion: current?.Version ?? null,
      newVersion: put.Version ?? (current?.Version ?? 0) + 1,
      previousType: current?.Type ?? null,
      type: wanted.type,
      ...(wanted.type === 'SecureString' ? { keyId: keyId ?? null } : {}),
    },
  };
}

/** The KMS key a SecureString parameter is encrypted with now (metadata only). */
async function keyOf(ssm: SSMClient, name: string): Promise<string | undefined> {
  const described = await ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: [name] }] }));
  return described.Parameters?.find((p) => p.Name === name)?.KeyId;
}

async function restoreSecret(deps: ApplyDeps, run: ConfigRestoreRun, bundle: ConfigBundle, name: string): Promise<NameOutcome> {
  const wanted = bundle.secrets[name];
  if (wanted === undefined) return { status: 'skipped' };
  const token = secretRequestToken(run.runId, name, run.bundle.sha256);
  const current = await deps.secrets.send(new GetSecretValueCommand({ SecretId: name }));
  const binary = current.SecretBinary !== undefined && current.SecretString === undefined;
  if (current.VersionId === token) {
    // A batch of this run wrote it and did not live to say so: its version before is now AWSPREVIOUS.
    const described = await deps.secrets.send(new DescribeSecretCommand({ SecretId: name }));
    const previous = Object.entries(described.VersionIdsToStages ?? {}).find(([, stages]) => stages.includes('AWSPREVIOUS'))?.[0] ?? null;
    return { status: 'written', record: { kind: 'secret', name, previousVersion: previous, newVersion: token } };
  }
  const value = binary ? Buffer.from(current.SecretBinary ?? new Uint8Array()).toString('base64') : (current.SecretString ?? '');
  if (value === wanted.value) return { status: 'skipped' };
  // The bundle holds a binary secret as base64 (shared/config/live.ts): written back as binary when the secret is binary now.
  const put = await deps.secrets.send(new PutSecretValueCommand({ SecretId: name, ClientRequestToken: token, ...(binary ? { SecretBinary: Buffer.from(wanted.value, 'base64') } : { SecretString: wanted.value }) }));
  return { status: 'written', record: { kind: 'secret', name, previousVersion: current.VersionId ?? null, newVersion: put.VersionId ?? token } };
}

/**
 * Undo of a parameter: its value and type at the version to go back to (`name:version`, decrypted, kept in
 * memory only), written as a new version like a restore — under the key it has now. The plan saw it at the
 * version the undone run made; equal one version later is this run's write, retried.
 */
async function undoParameter(deps: ApplyDeps, undo: UndoPlan, name: string): Promise<NameOutcome> {
  const step = undo.steps[name];
  if (step === undefined) return { status: 'skipped' };
  const old = (await deps.ssm.send(new GetParameterCommand({ Name: `${name}:${String(step.restoreVersion)}`, WithDecryption: true }))).Parameter;
  if (old?.Value === undefined || old.Type === undefined) return { status: 'failed', error: 'VersionNotFound' };
  return restoreParameter(deps, { type: old.Type, value: old.Value }, name, { version: Number(step.undoneVersion), type: old.Type });
}

/** Undo of a secret: AWSCURRENT moved back to the version before the run (UpdateSecretVersionStage); the value is not read. */
async function undoSecret(deps: ApplyDeps, undo: UndoPlan, name: string): Promise<NameOutcome> {
  const step = undo.steps[name];
  if (step === undefined) return { status: 'skipped' };
  const stages = (await deps.secrets.send(new DescribeSecretCommand({ SecretId: name }))).VersionIdsToStages ?? {};
  const current = Object.entries(stages).find(([, labels]) => labels.includes('AWSCURRENT'))?.[0];
  const record: Written = { kind: 'secret', name, previousVersion: step.undoneVersion, newVersion: step.restoreVersion };
  // Moved already (the plan saw it at the undone run's version): this run's move, retried.
  if (current === step.restoreVersion) return { status: 'written', record };
  if (current !== step.undoneVersion) return { status: 'failed', error: 'ChangedSinceThePlan' };
  await deps.secrets.send(new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'AWSCURRENT', MoveToVersionId: String(step.restoreVersion), RemoveFromVersionId: current }));
  return { status: 'written', record };
}
