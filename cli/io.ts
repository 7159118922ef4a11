// What the CLI touches of the outside world, passed in so tests run it in-process.
import { InvalidInput } from '../shared/errors.js';
import { parseIsoInstant } from '../shared/time/iso.js';

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  /** All of standard input; throws InvalidInput for a directory or more than MAX_INPUT_BYTES. */
  readStdin(): string;
  now(): number;
}

/** --now: an ISO-8601 instant with an offset; defaults to the real clock. */
export function parseNow(value: string | undefined, io: Io): number {
  if (value === undefined) return io.now();
  const instant = parseIsoInstant(value);
  if (instant === null) throw new InvalidInput('--now', `"${value}" must be a real ISO-8601 time with an offset, e.g. 2026-11-25T09:00:00+09:00`);
  return instant;
}
