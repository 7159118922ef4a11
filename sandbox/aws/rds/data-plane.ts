// The RDS stand-in's pluggable data plane: hooks the control-plane calls await, so a local drill can back
// snapshots and instances with real databases (e.g. one PostgreSQL database per instance and per snapshot).
//
// Timing: a hook that does the work decides when the work is done. While a hook runs, its snapshot or
// instance is `creating` (or `deleting`); when it resolves, the resource is ready at once — unless the
// corresponding `…Minutes` option was given explicitly, in which case it is ready at the later of the two.
// Automated snapshots (`rds:<db>-…`) are derived from the clock, never created through a hook: a copy or
// restore of one names its `rds:` id and the data plane decides what it holds (e.g. the instance's data).

import type { Endpoint, RestoreOrigin } from './model.js';

/** Where a restored instance listens; `dbName` (optional) becomes its DBName, overriding the inherited one. */
export interface RestoredEndpoint extends Endpoint {
  readonly dbName?: string;
}

/** Where a restored instance's data comes from, as the data plane is told. */
export type RestoreSource =
  | { readonly kind: 'snapshot'; readonly snapshotId: string }
  | {
      readonly kind: 'pitr';
      readonly sourceInstanceId: string;
      /** Epoch ms: the requested RestoreTime, or the latest restorable time for UseLatestRestorableTime. */
      readonly restoreTime: number;
      /** The Region of the source instance (the restore itself happens in `region`). */
      readonly sourceRegion: string;
    };

export interface RdsDataPlane {
  /**
   * A manual snapshot was created from an instance (CreateDBSnapshot, or DeleteDBInstance's final snapshot),
   * e.g. copy the instance's database. Rejecting makes the snapshot `failed`; the call itself succeeds.
   */
  snapshotCreated?(event: { region: string; snapshotId: string; instanceId: string }): Promise<void>;
  /** A snapshot was copied (to another Region, or within one). Rejecting makes the copy `failed`. */
  snapshotCopied?(event: { fromRegion: string; sourceSnapshotId: string; region: string; snapshotId: string }): Promise<void>;
  /**
   * An instance is being restored; resolve with its endpoint when its data is ready. Rejecting (or resolving
   * with no usable endpoint) puts the instance in status `failed`; the Restore… call itself still succeeds,
   * as RDS accepts a restore that later fails.
   */
  instanceRestored?(event: { region: string; instanceId: string; from: RestoreSource }): Promise<RestoredEndpoint>;
  /**
   * An instance's deletion started (DeleteDBInstance). May arrive while `instanceRestored` for the same
   * instance is still running. A rejection is recorded in `history` ('data-plane-error'); the deletion stands.
   */
  instanceDeleted?(event: { region: string; instanceId: string }): Promise<void>;
  /** A manual snapshot was deleted. A rejection is recorded in `history` ('data-plane-error'); the deletion stands. */
  snapshotDeleted?(event: { region: string; snapshotId: string }): Promise<void>;
}

export const restoreSource = (origin: RestoreOrigin): RestoreSource =>
  origin.kind === 'snapshot'
    ? { kind: 'snapshot', snapshotId: origin.snapshotId }
    : { kind: 'pitr', sourceInstanceId: origin.sourceInstanceId, restoreTime: origin.restoreTime, sourceRegion: origin.sourceRegion };

export const failureMessage = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/** An endpoint the data plane resolved with, checked: a non-empty address, a TCP port, an optional DB name. */
export const checkedEndpoint = (value: unknown): RestoredEndpoint => {
  const candidate = value as Partial<RestoredEndpoint> | null | undefined;
  const address = candidate?.address;
  const port = candidate?.port;
  const dbName = candidate?.dbName;
  if (
    typeof address !== 'string' ||
    address === '' ||
    typeof port !== 'number' ||
    !Number.isInteger(port) ||
    port < 1 ||
    port > 65_535 ||
    (dbName !== undefined && (typeof dbName !== 'string' || dbName === ''))
  ) {
    throw new TypeError(`instanceRestored must resolve with { address, port, dbName? }, got ${JSON.stringify(value)}`);
  }
  return { address, port, ...(dbName === undefined ? {} : { dbName }) };
};
