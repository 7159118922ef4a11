// Configuration backups (README, "Configuration"): for each configuration of the policy in the run, the
// SSM parameters under its paths (decrypted) and its secrets (a name, or every secret whose name starts
// with a prefix ending in "/") become one bundle (shared/config/bundle.ts). It is written to the config
// bucket — one key per configuration, each write a new version: the versions are the history — with
// SSE-KMS under the policy's key, a SHA-256 S3 checks and stores, and the same checksum in the object's
// metadata; a bundle whose checksum is the stored one is not written again. No value is logged, alerted
// or returned: only names and counts.

import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { createHash } from 'node:crypto';
import type { AlertSink } from '../../../shared/alerts/alert.js';
import { BUNDLE_FORMAT, bundleChecksum, serializeBundle, type ConfigBundle } from '../../../shared/config/bundle.js';
import { changeOf, configurationsChangedBy, type ChangeEvent } from '../../../shared/config/changes.js';
import { configurationsOf, type Configuration } from '../../../shared/config/configurations.js';
import { readLiveConfiguration } from '../../../shared/config/live.js';
import { configBundleKey } from '../../../shared/contracts.js';
import { errorName, InvalidInput, RunFailed } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import type { Log } from '../../../shared/runtime/log.js';

export { configurationsOf };

export interface BackUpConfigurationDeps {
  readonly policy: Policy;
  readonly ssm: SSMClient;
  readonly secrets: SecretsManagerClient;
  readonly s3: S3Client;
  readonly bucket: string;
  /** The key bundles are encrypted with (the policy's kms.primary, else the service key). */
  readonly kmsKey: string;
  readonly alerts: AlertSink;
  readonly log: Log;
  readonly now: () => number;
}

export type BackupOutcome =
  | {
      readonly resource: string;
      readonly status: 'written' | 'unchanged';
      readonly parameters: number;
      readonly secrets: number;
      readonly sha256: string;
      readonly versionId?: string;
      /** The stored bundle's size: the bytes written, or the current object's (HEAD's ContentLength) when unchanged. */
      readonly bytes: number | null;
    }
  | { readonly resource: string; readonly status: 'failed'; readonly error: string };

/**
 * The configurations a change event backs up (shared/config/changes.ts): those with `onChange` whose
 * paths hold the changed parameter or whose secrets name the changed secret. An event about nothing
 * configured, or that changes no captured value (a label, a failed call), backs up nothing and says so
 * in the log — by name, never a value; an event without the member naming what changed is InvalidInput.
 */
export function configurationsForChange(policy: Policy, event: ChangeEvent, log: Log): string[] {
  const read = changeOf(event);
  if ('invalid' in read) throw new InvalidInput(read.invalid.field, read.invalid.message);
  if ('ignored' in read) {
    log.info('change event changes nothing captured: no backup', { source: event.source, reason: read.ignored });
    return [];
  }
  const changed = read.change.kind === 'parameter' ? { parameter: read.change.name } : { secret: read.change.id };
  const names = configurationsChangedBy(policy.resources.configuration, read.change).map((c) => c.name);
  if (names.length === 0) log.info('change event for nothing configured (or without onChange): no backup', { source: event.source, ...changed });
  else log.info('change event: backing up the configurations covering it', { source: event.source, ...changed, resources: names });
  return names;
}

export async function backUpConfiguration(deps: BackUpConfigurationDeps, names: readonly string[] | undefined): Promise<BackupOutcome[]> {
  const outcomes: BackupOutcome[] = [];
  for (const configuration of configurationsOf(deps.policy, names)) {
    try {
      outcomes.push(await backUpOne(deps, configuration));
    } catch (error) {
      deps.log.error('configuration backup failed', { resource: configuration.name, error: errorName(error) });
      outcomes.push({ resource: configuration.name, status: 'failed', error: errorName(error) });
      await deps.alerts.publish({
        severity: 'critical',
        kind: 'backup-failed',
        resource: configuration.name,
        region: deps.policy.regions.primary,
        // The error's message may quote a request: only its name goes out.
        summary: `configuration backup of ${configuration.name} failed: ${errorName(error)}`,
        action: 'Check that the function may read the parameters and secrets the policy names (and decrypt them), and write to the config bucket with its key; the next scheduled run or change tries again.',
        source: 'back-up-configuration',
        at: deps.now(),
        // Not the message: an SDK error may quote what it was asked about, a value included.
        details: { error: errorName(error) },
      });
    }
  }
  const failed = outcomes.filter((o) => o.status === 'failed');
  if (failed.length > 0) throw new RunFailed(`${failed.length} configuration backups failed`, failed.map((f) => ({ resource: f.resource, error: f.status === 'failed' ? f.error : '' })));
  return outcomes;
}

async function backUpOne(deps: BackUpConfigurationDeps, configuration: Configuration): Promise<BackupOutcome> {
  const { parameters, secrets } = await readLiveConfiguration(deps.ssm, deps.secrets, configuration);
  const bundle: ConfigBundle = { format: BUNDLE_FORMAT, name: configuration.name, capturedAt: new Date(deps.now()).toISOString(), parameters, secrets };
  const sha256 = bundleChecksum(bundle);
  const key = configBundleKey(configuration.name);
  const stored = await storedBundle(deps, key);
  const counts = { parameters: Object.keys(parameters).length, secrets: Object.keys(secrets).length };
  if (stored?.sha256 === sha256) {
    deps.log.info('configuration unchanged', { resource: configuration.name, ...counts, sha256 });
    return { resource: configuration.name, status: 'unchanged', ...counts, sha256, bytes: stored.bytes };
  }
  const body = serializeBundle(bundle);
  const written = await deps.s3.send(
    new PutObjectCommand({
      Bucket: deps.bucket,
      Key: key,
      Body: body,
      ContentType: 'application/json',
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: deps.kmsKey,
      BucketKeyEnabled: true,
      // S3 checks the bytes it receives against this and stores it (HEAD in checksum mode reads it back).
      ChecksumSHA256: createHash('sha256').update(body).digest('base64'),
      Metadata: { 'bundle-sha256': sha256, 'captured-at': bundle.capturedAt },
    }),
  );
  deps.log.info('configuration bundle written', { resource: configuration.name, ...counts, sha256, versionId: written.VersionId ?? null });
  return { resource: configuration.name, status: 'written', ...counts, sha256, ...(written.VersionId === undefined ? {} : { versionId: written.VersionId }), bytes: Buffer.byteLength(body) };
}

/** The current bundle's checksum (its metadata) and size, or null when there is none. */
async function storedBundle(deps: BackUpConfigurationDeps, key: string): Promise<{ sha256: string | null; bytes: number | null } | null> {
  try {
    const head = await deps.s3.send(new HeadObjectCommand({ Bucket: deps.bucket, Key: key }));
    return { sha256: head.Metadata?.['bundle-sha256'] ?? null, bytes: head.ContentLength ?? null };
  } catch (error) {
    if (errorName(error) === 'NotFound' || errorName(error) === 'NoSuchKey') return null;
    throw error;
  }
}
