// The document a restore-test execution carries from state to state: what is restored, where, into
// which temporary instance, what was measured. Every step adds its part; none removes another's.

export type RestoreKind = 'snapshot' | 'pitr';

export interface RestorePlan {
  readonly runId: string;
  readonly kind: RestoreKind;
  readonly resource: string;
  readonly role: 'primary' | 'secondary';
  readonly region: string;
  /** Snapshot restores: the snapshot and when its data was taken. */
  readonly snapshotId?: string;
  readonly snapshotArn?: string;
  /** PITR: the replicated automated backups restored from. */
  readonly automatedBackupsArn?: string;
  /** The restore point: the snapshot's time, or the requested point in time (epoch ms). */
  readonly restorePoint: number;
  readonly sourceInstanceId: string;
  readonly instanceId: string;
  readonly instanceClass: string;
  readonly subnetGroup?: string;
  readonly securityGroups: readonly string[];
  /** The database to validate, when the policy names one (else the instance's initial database). */
  readonly database?: string;
  readonly credentialsSecret: string;
  readonly plannedAt: number;
}

export interface RestoreStarted {
  readonly requestedAt: number;
  readonly alreadyExisted: boolean;
}

export interface InstanceReady {
  readonly address: string;
  readonly port: number;
  /** The instance's initial database (RDS DBName), if it has one. */
  readonly database?: string;
  readonly availableAt: number;
}

/** What validate-restore reports (structurally the same as its ValidationReport). */
export interface ValidationSummary {
  readonly passed: boolean;
  readonly checks: readonly { readonly name: string; readonly status: 'passed' | 'failed' | 'skipped'; readonly detail: string; readonly durationMs: number }[];
  readonly serverVersion: string | null;
  /** Newest data found by the freshness query (epoch ms). */
  readonly newestData: number | null;
  readonly startedAt: number;
  readonly finishedAt: number;
}

export interface StepError {
  readonly Error: string;
  readonly Cause?: string;
}

/** The execution's state document (JSONPath `$`). */
export interface RestoreRun {
  readonly input?: unknown;
  readonly kind?: RestoreKind;
  readonly plan?: RestorePlan;
  readonly restore?: RestoreStarted;
  readonly instance?: InstanceReady;
  readonly validation?: ValidationSummary;
  readonly teardown?: { readonly deleted: boolean; readonly detail: string };
  readonly error?: StepError;
  readonly verdict?: Verdict;
}

export interface Verdict {
  readonly passed: boolean;
  readonly failures: readonly string[];
  /** Restore requested → validation passed (ms); null when it never passed. */
  readonly rtoMs: number | null;
  readonly rtoTargetMs: number;
  /** Restore point → newest data found (ms); null when not measured. */
  readonly rpoMs: number | null;
  readonly rpoTargetMs: number;
  readonly evidenceKey: string | null;
}
