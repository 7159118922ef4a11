// Records a configuration restore — the request, the bundle version, the plan by name, per name written the
// version before and after, what failed, and the undo — as evidence in the reports bucket, beside the
// restore tests' and the media restores'. Names and version ids only: no value.

import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { askedConfiguration, type ConfigRestoreState } from '../../../shared/config/restore-run.js';
import { evidenceKey } from '../../../shared/contracts.js';
import type { Policy } from '../../../shared/policy/schema.js';
import type { Log } from '../../../shared/runtime/log.js';
import { formatIsoInZone, wallTime } from '../../../shared/time/zone.js';
import { configRestoreOutcome, undoSteps } from './plan.js';

export const CONFIG_RESTORE_EVIDENCE_SCHEMA = 'backup-dr/config-restore-evidence/v1';

/** The fields of the execution's input a request has, and only those: an operator may have typed anything else (a value too) into it. */
function askedInput(input: unknown): Record<string, unknown> | null {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return null;
  const known = ['configuration', 'versionId', 'undo', 'region', 'dryRun'];
  const fields = Object.entries(input as Record<string, unknown>).filter(([key, value]) => known.includes(key) && (typeof value === 'boolean' || (typeof value === 'string' && value.length <= 1024)));
  const others = Object.keys(input).filter((key) => !known.includes(key));
  return { ...Object.fromEntries(fields), ...(others.length === 0 ? {} : { unknownFields: others.map((k) => k.slice(0, 64)) }) };
}

export async function recordConfigRestore(deps: { policy: Policy; s3: S3Client; bucket: string; log: Log; now: () => number }, state: ConfigRestoreState) {
  const now = deps.now();
  const run = state.run;
  const { outcome, summary } = configRestoreOutcome(state);
  const w = wallTime(run?.plannedAt ?? now, deps.policy.timezone);
  const runId = run?.runId ?? state.execution ?? `failed-config-restore-${now}`;
  const key = evidenceKey(askedConfiguration(state), w.year, w.month, runId);
  const evidence = {
    schema: CONFIG_RESTORE_EVIDENCE_SCHEMA,
    policy: deps.policy.name,
    outcome,
    summary,
    execution: state.execution ?? null,
    input: askedInput(state.input),
    run:
      run === undefined
        ? null
        : {
            runId: run.runId,
            configuration: run.configuration,
            bundle: run.bundle,
            target: run.target,
            dryRun: run.dryRun,
            plannedAt: formatIsoInZone(run.plannedAt, deps.policy.timezone),
            parameters: run.parameters,
            secrets: run.secrets,
            ...(run.undo === undefined ? {} : { undo: run.undo }),
          },
    written: run?.written ?? [],
    skipped: run?.skipped ?? [],
    failed: run?.failed ?? [],
    /** The recovery runbooks' parameters the run did not write (maintenance mode, endpoints). */
    leftToRunbooks: run?.leftToRunbooks ?? [],
    undo: run === undefined ? [] : undoSteps(run),
    error: state.error ?? null,
    recorded: formatIsoInZone(now, deps.policy.timezone),
  };
  await deps.s3.send(new PutObjectCommand({ Bucket: deps.bucket, Key: key, Body: JSON.stringify(evidence, null, 2), ContentType: 'application/json' }));
  deps.log.info('configuration restore recorded', { runId, outcome, written: evidence.written.length, failed: evidence.failed.length, evidence: `s3://${deps.bucket}/${key}` });
  return { outcome, summary, evidenceKey: key };
}
