// The weekly configuration restore test (README, "Configuration: the weekly restore test"): for each
// configuration of the run, the newest bundle is read from the primary's config bucket and its replica
// from the secondary's (with an S3 client of the secondary: that copy is the one failover restores from),
// each decrypted by S3 and checked — S3's stored SHA-256 and the bundle checksum in its metadata
// (shared/config/stored.ts) — then the configured paths and secrets are looked for in it, and it is
// compared with the live values in the primary. judge.ts decides. The evidence (counts, and the names
// that differ — never a value) goes to the reports bucket beside the other restore tests'; a failed test
// is alerted, naming what failed and nothing read. A run already recorded under the same run id is not
// run again (a duplicate or retried invocation): a manual run names a new runId to test again.

import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { AlertSink } from '../../../shared/alerts/alert.js';
import { configurationsOf } from '../../../shared/config/configurations.js';
import { readLiveConfiguration, type LiveConfiguration } from '../../../shared/config/live.js';
import { readStoredBundle } from '../../../shared/config/stored.js';
import { configBundleKey, evidenceKey } from '../../../shared/contracts.js';
import { errorMessage, errorName } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import type { Log } from '../../../shared/runtime/log.js';
import { formatIsoInZone, wallTime } from '../../../shared/time/zone.js';
import { judgeConfiguration, type BundleRead, type ConfigurationJudgement, type Counts } from './judge.js';

export interface TestConfigurationRestoreDeps {
  readonly policy: Policy;
  readonly ssm: SSMClient;
  readonly secrets: SecretsManagerClient;
  /** S3 in the primary (its config bucket, and the reports bucket the evidence goes to) and in the secondary. */
  readonly primaryS3: S3Client;
  readonly secondaryS3: S3Client;
  readonly primaryBucket: string;
  readonly secondaryBucket: string;
  readonly reportsBucket: string;
  readonly alerts: AlertSink;
  readonly log: Log;
  readonly now: () => number;
}

export interface TestRequest {
  /** The configurations to test (default: every one of the policy). */
  readonly resources?: readonly string[] | undefined;
  /** Names the run (default: the hour it runs, in the policy's time zone): a run already recorded under it is not repeated. */
  readonly runId?: string | undefined;
}

export type ConfigurationTestResult =
  | (Pick<ConfigurationJudgement, 'failures' | 'notes' | 'missing' | 'bundle' | 'replica'> & {
      readonly resource: string;
      readonly runId: string;
      readonly outcome: 'passed' | 'failed';
      /** Counts only, bundle → live (the names are in the evidence). */
      readonly drift: { readonly parameters: Counts; readonly secrets: Counts } | null;
      readonly evidenceKey: string | null;
    })
  | { readonly resource: string; readonly runId: string; readonly outcome: 'already-recorded'; readonly evidenceKey: string };

const pad = (n: number) => String(n).padStart(2, '0');

/** The run id of a scheduled run: the hour it runs in the policy's time zone ("20261206-06"). */
export function defaultRunId(at: number, timeZone: string): string {
  const w = wallTime(at, timeZone);
  return `${w.year}${pad(w.month)}${pad(w.day)}-${pad(w.hour)}`;
}

/** Why a copy could not be read, by the error's name only (an SDK message may quote a request). */
function unreadable(error: unknown): string {
  const name = errorName(error);
  if (name === 'BundleTampered') return `BundleTampered (${errorMessage(error)})`;
  // S3 answers AccessDenied (403) when the caller may not use the object's KMS key: say it is the key.
  if (/kms/i.test(errorMessage(error)) || name.startsWith('KMS.') || name.startsWith('KMS')) return `${name} (the KMS key refused to decrypt it)`;
  if (name === 'ThrottlingException' || name === 'SlowDown' || name === 'TooManyRequestsException') return `${name} (still throttled after the SDK's retries)`;
  return name;
}

async function readCopy(s3: S3Client, bucket: string, key: string): Promise<BundleRead> {
  try {
    const stored = await readStoredBundle(s3, bucket, key);
    if (stored === null) return { kind: 'absent' };
    return { kind: 'read', bundle: stored.bundle, sha256: stored.sha256, versionId: stored.versionId ?? null, writtenAt: stored.lastModified === undefined ? null : Date.parse(stored.lastModified) };
  } catch (error) {
    return { kind: 'unreadable', reason: unreadable(error) };
  }
}

async function alreadyRecorded(deps: TestConfigurationRestoreDeps, key: string): Promise<boolean> {
  try {
    await deps.primaryS3.send(new HeadObjectCommand({ Bucket: deps.reportsBucket, Key: key }));
    return true;
  } catch (error) {
    if (errorName(error) === 'NotFound' || errorName(error) === 'NoSuchKey') return false;
    throw error;
  }
}

export async function testConfigurationRestore(deps: TestConfigurationRestoreDeps, request: TestRequest = {}): Promise<ConfigurationTestResult[]> {
  const { policy } = deps;
  const configurations = configurationsOf(policy, request.resources);
  const started = deps.now();
  const runId = request.runId ?? defaultRunId(started, policy.timezone);
  const month = wallTime(started, policy.timezone);
  const results: ConfigurationTestResult[] = [];
  for (const configuration of configurations) {
    const key = evidenceKey(configuration.name, month.year, month.month, `config-restore-${runId}`);
    if (await alreadyRecorded(deps, key)) {
      deps.log.info('configuration restore test already recorded for this run', { resource: configuration.name, runId, evidence: `s3://${deps.reportsBucket}/${key}` });
      results.push({ resource: configuration.name, runId, outcome: 'already-recorded', evidenceKey: key });
      continue;
    }
    const bundleKey = configBundleKey(configuration.name);
    const primary = await readCopy(deps.primaryS3, deps.primaryBucket, bundleKey);
    const replica = await readCopy(deps.secondaryS3, deps.secondaryBucket, bundleKey);
    let live: LiveConfiguration | { unreadable: string };
    try {
      live = await readLiveConfiguration(deps.ssm, deps.secrets, configuration);
    } catch (error) {
      live = { unreadable: unreadable(error) };
    }
    const rpoMs = (configuration.objectives ?? policy.objectives.application).rpo;
    const now = deps.now();
    const judgement = judgeConfiguration({ name: configuration.name, configured: configuration, primary, replica, live, rpoMs, now });
    let recordedAt: string | null = key;
    const failures = [...judgement.failures];
    try {
      await deps.primaryS3.send(
        new PutObjectCommand({
          Bucket: deps.reportsBucket,
          Key: key,
          Body: JSON.stringify(evidence(policy, configuration.name, runId, deps, judgement, started, now, rpoMs), null, 2),
          ContentType: 'application/json',
        }),
      );
    } catch (error) {
      recordedAt = null;
      failures.push(`the evidence could not be written: ${errorName(error)}`);
    }
    const outcome = failures.length === 0 ? 'passed' : 'failed';
    const drift = judgement.drift === null ? null : { parameters: judgement.drift.parameters, secrets: judgement.drift.secrets };
    const result: ConfigurationTestResult = { resource: configuration.name, runId, outcome, failures, notes: judgement.notes, missing: judgement.missing, bundle: judgement.bundle, replica: judgement.replica, drift, evidenceKey: recordedAt };
    results.push(result);
    const fields = { resource: configuration.name, runId, outcome, failures: failures.length, replica: judgement.replica?.state ?? null, driftParameters: drift === null ? null : drift.parameters.added + drift.parameters.changed + drift.parameters.removed, driftSecrets: drift === null ? null : drift.secrets.added + drift.secrets.changed + drift.secrets.removed, evidence: recordedAt === null ? null : `s3://${deps.reportsBucket}/${recordedAt}` };
    if (outcome === 'passed') deps.log.info('configuration restore test passed', fields);
    else {
      deps.log.error('configuration restore test failed', { ...fields, reasons: failures.join(' | ') });
      await deps.alerts.publish({
        severity: 'critical',
        kind: 'config-restore-test-failed',
        resource: configuration.name,
        region: policy.regions.primary,
        summary: `configuration restore test failed: ${failures[0] ?? ''}`.slice(0, 300),
        action:
          'Read the evidence. A tampered or unreadable bundle: back up again now (invoke back-up-configuration with {"resources":["' +
          configuration.name +
          '"]}) and find out who could write or what changed the key policy; a replica behind: check the config bucket\'s replication; a change not backed up: check the on-change rules and the backup\'s alerts.',
        source: 'test-configuration-restore',
        at: now,
        details: {
          runId,
          failures: failures.join(' | ').slice(0, 1500),
          replica: judgement.replica?.state ?? null,
          replicaBehindSeconds: judgement.replica?.behindMs === null || judgement.replica === null ? null : Math.round(judgement.replica.behindMs / 1000),
          evidence: recordedAt === null ? null : `s3://${deps.reportsBucket}/${recordedAt}`,
        },
      });
    }
  }
  return results;
}

function evidence(policy: Policy, resource: string, runId: string, deps: TestConfigurationRestoreDeps, judgement: ConfigurationJudgement, started: number, now: number, rpoMs: number) {
  const iso = (ms: number | null) => (ms === null ? null : formatIsoInZone(ms, policy.timezone));
  return {
    schema: 'backup-dr/config-restore-evidence/v1',
    policy: policy.name,
    runId,
    kind: 'config-restore',
    resource,
    outcome: judgement.outcome,
    primary: { region: policy.regions.primary, bucket: deps.primaryBucket, key: configBundleKey(resource), bundle: judgement.bundle },
    replica: { region: policy.regions.secondary, bucket: deps.secondaryBucket, key: configBundleKey(resource), ...judgement.replica },
    missing: judgement.missing,
    // Counts and names that differ between the bundle and the live configuration: never a value.
    drift: judgement.drift === null ? null : { parameters: { ...judgement.drift.parameters, names: judgement.drift.names.parameters }, secrets: { ...judgement.drift.secrets, names: judgement.drift.names.secrets }, pendingSince: iso(judgement.drift.pendingSince) },
    rpoTargetMs: rpoMs,
    timings: { started: iso(started), judged: iso(now) },
    failures: judgement.failures,
    notes: judgement.notes,
  };
}
