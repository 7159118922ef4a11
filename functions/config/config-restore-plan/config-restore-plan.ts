// The first step of a configuration restore: checks the request, reads the chosen bundle version from the
// config bucket of the region the machine runs in (the secondary reads its replica: a restore into the
// secondary does not depend on the primary) with every check of a stored bundle (S3's SHA-256, the bundle
// checksum: a tampered bundle stops the run here, before anything is written), reads the live
// configuration of the region written to, and plans by name. An undo ({"undo": "<execution name>"}) is
// planned from that run's evidence instead (undo-plan.ts). The run carries names, counts and the bundle
// version only; the values read are dropped when the step ends.

import type { S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { readLiveConfiguration } from '../../../shared/config/live.js';
import type { ConfigRestoreRun } from '../../../shared/config/restore-run.js';
import { readStoredBundle, type StoredBundle } from '../../../shared/config/stored.js';
import { configBundleKey } from '../../../shared/contracts.js';
import { errorName, InvalidInput } from '../../../shared/errors.js';
import type { RegionRole } from '../../../shared/policy/resources.js';
import type { Policy } from '../../../shared/policy/schema.js';
import type { Log } from '../../../shared/runtime/log.js';
import { checkRequest, planChanges, runbookParameters, withoutRunbookParameters, type ExecutionInput } from './plan.js';
import { planUndo } from './undo-plan.js';

export interface PlanDeps {
  readonly policy: Policy;
  /** The role of the region the machine runs in. */
  readonly role: RegionRole;
  /** S3 of the machine's region and its config bucket. */
  readonly s3: S3Client;
  readonly bucket: string;
  /** This region's reports bucket (the evidence of a run to undo). */
  readonly reportsBucket: string;
  /** SSM and Secrets Manager of the region written to. */
  readonly ssm: SSMClient;
  readonly secrets: SecretsManagerClient;
  readonly log: Log;
  readonly now: () => number;
}

/** S3's answers to a version that is not there: malformed (InvalidArgument) or unknown (NoSuchVersion). */
const UNKNOWN_VERSION = new Set(['NoSuchVersion', 'InvalidArgument', 'NoSuchKey', 'NotFound']);

/** The bundle version asked for (the newest without one), checked; an unknown one is InvalidInput naming the field. */
export async function chosenBundle(s3: S3Client, bucket: string, configuration: string, versionId: string | undefined): Promise<StoredBundle> {
  const key = configBundleKey(configuration);
  let stored: StoredBundle | null;
  try {
    stored = await readStoredBundle(s3, bucket, key, versionId);
  } catch (error) {
    if (versionId !== undefined && UNKNOWN_VERSION.has(errorName(error))) throw new InvalidInput('versionId', `no version "${versionId}" of s3://${bucket}/${key} (${errorName(error)})`);
    throw error;
  }
  if (stored === null) throw new InvalidInput('configuration', `no bundle of "${configuration}" in s3://${bucket}/${key}: back-up-configuration has not written one (or, in the secondary, replication has not brought it yet)`);
  return stored;
}

export async function planConfigRestore(deps: PlanDeps, input: ExecutionInput, runId: string): Promise<ConfigRestoreRun> {
  if (input.undo !== undefined) return planUndo(deps, { ...input, undo: input.undo }, runId);
  const { configuration, role } = checkRequest(deps.policy, deps.role, input);
  const stored = await chosenBundle(deps.s3, deps.bucket, configuration.name, input.versionId);
  if (stored.bundle.name !== configuration.name) throw new InvalidInput('versionId', `that version holds the bundle of "${stored.bundle.name}", not of "${configuration.name}"`);
  const live = await readLiveConfiguration(deps.ssm, deps.secrets, configuration);
  const changes = planChanges(stored.bundle, live);
  const { plan: parameters, left } = withoutRunbookParameters(changes.parameters, runbookParameters(deps.policy));
  const secrets = changes.secrets;
  const run: ConfigRestoreRun = {
    runId,
    configuration: configuration.name,
    bundle: { bucket: deps.bucket, key: configBundleKey(configuration.name), versionId: stored.versionId ?? 'null', sha256: stored.sha256, capturedAt: stored.bundle.capturedAt },
    target: { role, region: deps.policy.regions[role] },
    dryRun: input.dryRun ?? true,
    plannedAt: deps.now(),
    parameters,
    secrets,
    remaining: parameters.write.length + secrets.write.length,
    cursor: 0,
    throttled: 0,
    written: [],
    skipped: [],
    failed: [],
    ...(left.length === 0 ? {} : { leftToRunbooks: left }),
  };
  deps.log.info('configuration restore planned', {
    runId,
    configuration: configuration.name,
    versionId: run.bundle.versionId,
    region: run.target.region,
    dryRun: run.dryRun,
    parametersToWrite: parameters.write.length,
    secretsToWrite: secrets.write.length,
    liveOnly: parameters.liveOnly.length + secrets.liveOnly.length,
    unchanged: parameters.unchanged + secrets.unchanged,
    leftToRunbooks: left,
  });
  return run;
}
