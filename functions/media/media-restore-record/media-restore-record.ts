// Records a point-in-time restore of a prefix — the request, the sums, where the listing of every change
// is, the outcome — as evidence in the reports bucket, beside the restore tests'.

import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { evidenceKey } from '../../../shared/contracts.js';
import type { MediaRestoreState } from '../../../shared/media/restore-run.js';
import type { Policy } from '../../../shared/policy/schema.js';
import type { Log } from '../../../shared/runtime/log.js';
import { formatIsoInZone, wallTime } from '../../../shared/time/zone.js';
import { mediaRestoreOutcome } from './plan.js';

export async function recordMediaRestore(deps: { policy: Policy; s3: S3Client; bucket: string; log: Log; now: () => number }, state: MediaRestoreState) {
  const now = deps.now();
  const run = state.run;
  const { outcome, summary } = mediaRestoreOutcome(state);
  const w = wallTime(run?.plannedAt ?? now, deps.policy.timezone);
  const asked = (state.input as { resource?: unknown } | null | undefined)?.resource;
  const key = evidenceKey(run?.resource ?? (typeof asked === 'string' ? asked : 'unknown'), w.year, w.month, run?.runId ?? `failed-media-restore-${now}`);
  const evidence = {
    schema: 'backup-dr/media-restore-evidence/v1',
    policy: deps.policy.name,
    outcome,
    summary,
    input: state.input ?? null,
    run: run === undefined ? null : { ...run, at: formatIsoInZone(run.at, deps.policy.timezone), plannedAt: formatIsoInZone(run.plannedAt, deps.policy.timezone) },
    listing: run === undefined ? null : `s3://${deps.bucket}/${run.listingPrefix}`,
    error: state.error ?? null,
    recorded: formatIsoInZone(now, deps.policy.timezone),
  };
  await deps.s3.send(new PutObjectCommand({ Bucket: deps.bucket, Key: key, Body: JSON.stringify(evidence, null, 2), ContentType: 'application/json' }));
  deps.log.info('media restore recorded', { runId: run?.runId ?? null, outcome, evidence: `s3://${deps.bucket}/${key}` });
  return { outcome, summary, evidenceKey: key };
}
