// What a prune run does with one database's retention plan, pure: delete what the plan removes (or,
// in a dry run, only report it), keep the rest with their reasons; and how a failed or refused prune is
// told. The plan itself — restic's rules plus the DR guards — is shared with the posture check
// (shared/rds/retention.ts).

import type { Alert } from '../../../shared/alerts/alert.js';
import { errorMessage, errorName, RetentionRefused } from '../../../shared/errors.js';
import type { Candidate } from '../../../shared/rds/retention.js';
import type { RetentionPlan } from '../../../shared/retention/plan.js';

type Removal = RetentionPlan<Candidate>['remove'][number];

export interface PruneActions {
  /** Removed by the plan and to be deleted now (empty in a dry run), with the reasons. */
  readonly delete: readonly Removal[];
  /** Removed by the plan but only reported (a dry run). */
  readonly wouldDelete: readonly Removal[];
  readonly kept: readonly { id: string; reasons: readonly string[]; guards: readonly string[] }[];
}

export function pruneActions(plan: RetentionPlan<Candidate>, dryRun: boolean): PruneActions {
  return {
    delete: dryRun ? [] : plan.remove,
    wouldDelete: dryRun ? plan.remove : [],
    kept: plan.keep.map((k) => ({ id: k.snapshot.id, reasons: k.reasons, guards: k.guards })),
  };
}

export function pruneFailureAlert(resource: string, region: string, error: unknown, now: number): Alert {
  const refused = error instanceof RetentionRefused;
  return {
    severity: 'critical',
    kind: refused ? 'prune-refused' : 'prune-failed',
    resource,
    region,
    summary: refused ? `prune refused: ${errorMessage(error)}` : `prune failed: ${errorName(error)}`,
    action: refused
      ? 'Nothing was deleted. Fix the retention of this resource in backup-policy.yml (npx backup-dr policy check) and redeploy.'
      : 'Nothing more was deleted for this resource. Read the prune-db-snapshots logs; the next daily run retries. Watch the manual-snapshot quota meanwhile.',
    source: 'prune-db-snapshots',
    at: now,
    details: { error: errorName(error), message: errorMessage(error).slice(0, 500) },
  };
}
