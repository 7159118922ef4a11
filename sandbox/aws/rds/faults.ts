// Faults a test switches on in the RDS stand-in: throttling, a named error on the next call, and copies
// into a Region that stay `creating` — the failures AWS really produces, on demand.

import type { RDSServiceException } from '@aws-sdk/client-rds';
import { rdsError, throttlingError } from './errors.js';
import { snapshotStatus } from './model.js';
import type { RdsState } from './state.js';

/** `CreateDBSnapshot` and `CreateDBSnapshotCommand` name the same command; `*` names every command. */
export const commandName = (name: string) => name.replace(/Command$/, '');

export interface RdsFaults {
  /** The next `times` calls of `command` (or every call) fail with `Throttling` ("Rate exceeded"). */
  throttle(command: string, times: number | 'always'): void;
  /** The next call of `command` fails with `errorName` (an SDK exception class when RDS models one). */
  failNext(command: string, errorName: string, message?: string): void;
  /** Copies into `region` (in flight now, or started before `untilMs`) stay `creating` until `untilMs`. */
  stickCopies(region: string, untilMs: number): void;
  /**
   * The Region stops answering (a regional outage as seen from elsewhere): every call to it fails with a
   * network timeout, and the automated backups it replicated elsewhere get nothing newer than
   * `replicatedUntil` (default now: the last transaction logs it shipped).
   */
  isolateRegion(region: string, replicatedUntil?: number): void;
  /** Switch every fault off; stuck copies resume their normal schedule, isolated Regions answer again. */
  clear(): void;
}

export class FaultSwitchboard implements RdsFaults {
  readonly #throttles = new Map<string, number>();
  readonly #failures = new Map<string, { errorName: string; message: string }[]>();

  constructor(private readonly state: RdsState) {}

  throttle(command: string, times: number | 'always'): void {
    if (times !== 'always' && (!Number.isInteger(times) || times < 0)) throw new RangeError(`throttle times must be a non-negative integer or 'always', got ${times}`);
    this.#throttles.set(commandName(command), times === 'always' ? Number.POSITIVE_INFINITY : times);
  }

  failNext(command: string, errorName: string, message = `${errorName} (injected by the RDS stand-in)`): void {
    const name = commandName(command);
    this.#failures.set(name, [...(this.#failures.get(name) ?? []), { errorName, message }]);
  }

  stickCopies(region: string, untilMs: number): void {
    const regionState = this.state.region(region);
    regionState.stuckCopiesUntil = Math.max(regionState.stuckCopiesUntil, untilMs);
    const now = this.state.now();
    for (const snapshot of regionState.snapshots.values()) {
      if (snapshot.copy && snapshotStatus(snapshot, now) === 'creating') snapshot.readyAt = Math.max(snapshot.readyAt, untilMs);
    }
  }

  isolateRegion(region: string, replicatedUntil = this.state.now()): void {
    if (!this.state.unreachable.has(region)) this.state.unreachable.set(region, Math.min(replicatedUntil, this.state.now()));
  }

  clear(): void {
    this.state.unreachable.clear();
    this.#throttles.clear();
    this.#failures.clear();
    for (const name of this.state.regionNames()) {
      const regionState = this.state.region(name);
      regionState.stuckCopiesUntil = 0;
      for (const snapshot of regionState.snapshots.values()) if (snapshot.copy) snapshot.readyAt = snapshot.normalReadyAt;
    }
  }

  /** The injected error for this call of `command` (to `region`), if any; consumes one use of the fault. */
  take(command: string, region?: string): RDSServiceException | Error | undefined {
    if (region !== undefined && this.state.unreachable.has(region)) {
      // What the SDK reports when the Region's endpoint does not answer: a socket timeout, no service error.
      return Object.assign(new Error(`connect ETIMEDOUT rds.${region}.amazonaws.com:443`), { name: 'TimeoutError', code: 'ETIMEDOUT', $metadata: {} });
    }
    for (const key of [command, '*']) {
      const left = this.#throttles.get(key);
      if (left !== undefined && left > 0) {
        this.#throttles.set(key, left - 1);
        return throttlingError();
      }
    }
    for (const key of [command, '*']) {
      const queue = this.#failures.get(key);
      const next = queue?.shift();
      if (next) return rdsError(next.errorName, next.message);
    }
    return undefined;
  }
}
