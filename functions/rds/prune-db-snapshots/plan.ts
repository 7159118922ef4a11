// What a prune run does with one database's retention plan, pure: delete what the plan removes (or,
// in a dry run, only report it), keep the rest with their reasons; and how a failed or refused prune is
// told. The plan itself — restic's rules plus the DR guards — is shared with the posture check
// (shared/rds/retention.ts).

import type { Alert } from '../../../shared/alerts/alert.js';
import { pruneFailureAlert as sharedPruneFailureAlert } from '../../../shared/alerts/prune.js';
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

/** The alert of a failed or refused database prune (shared/alerts/prune.ts). */
export const pruneFailureAlert = (resource: string, region: string, error: unknown, now: number): Alert => sharedPruneFailureAlert(resource, region, error, now, 'prune-db-snapshots');
