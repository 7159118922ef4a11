// The sandbox's one clock: every stand-in reads time from it, so a simulation moves days forward in a
// call. It only moves forward, because stand-ins derive state (snapshot progress, retention) from it.

export interface SandboxClock {
  /** Current time in epoch milliseconds. */
  now(): number;
  /** Jump to `ms`; it may not be earlier than `now()`. */
  set(ms: number): void;
  /** Move forward by `ms` (≥ 0). */
  advance(ms: number): void;
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** A clock that stands still until told to move. */
export class ManualClock implements SandboxClock {
  #now: number;

  constructor(startMs: number) {
    if (!Number.isFinite(startMs)) throw new RangeError(`clock start must be a finite epoch ms, got ${startMs}`);
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  set(ms: number): void {
    if (!Number.isFinite(ms)) throw new RangeError(`clock time must be a finite epoch ms, got ${ms}`);
    if (ms < this.#now) {
      throw new RangeError(`the sandbox clock only moves forward: ${new Date(ms).toISOString()} is before ${new Date(this.#now).toISOString()}`);
    }
    this.#now = ms;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`clock can only advance by a non-negative amount, got ${ms}`);
    this.#now += ms;
  }
}

/** A clock starting at `start` (epoch ms or an ISO date string). */
export const createClock = (start: number | string): ManualClock =>
  new ManualClock(typeof start === 'number' ? start : Date.parse(start));

/**
 * A clock that follows real time (`Date.now()`), for drills that measure how long real work takes. It cannot
 * be set or advanced: `set` and `advance` throw, so a simulation written for a ManualClock fails loudly.
 */
export const systemClock = (): SandboxClock => ({
  now: () => Date.now(),
  set(ms: number): void {
    throw new Error(`the system clock follows real time and cannot be set (asked for ${new Date(ms).toISOString()})`);
  },
  advance(ms: number): void {
    throw new Error(`the system clock follows real time and cannot be advanced (asked for ${ms} ms)`);
  },
});
