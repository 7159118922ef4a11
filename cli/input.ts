// Reading what the CLI is given, defensively: a file or standard input of at most MAX_INPUT_BYTES
// (never a directory, never /dev/zero until memory runs out), and text made safe to print on a
// terminal. (YAML itself — custom tags refused — is read by shared/policy/load.ts; the Lambdas read the
// JSON that packaging writes from it.)

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { InvalidInput } from '../shared/errors.js';

/** The most the CLI reads from one file or from standard input: 256 MiB (about 1.5 million snapshots). */
export const MAX_INPUT_BYTES = 256 * 1024 * 1024;
const MAX_INPUT_TEXT = '256 MiB';
const CHUNK_BYTES = 1024 * 1024;

/**
 * The whole text of a file, or of standard input for `0`. Throws InvalidInput(field, …) — one line,
 * naming the file — when it cannot be read, is a directory, or is larger than MAX_INPUT_BYTES.
 */
export function readInput(source: string | 0, field: string, limit = MAX_INPUT_BYTES): string {
  const name = source === 0 ? 'standard input' : source;
  const fail = (reason: string, cause?: unknown): never => {
    throw new InvalidInput(field, `cannot read ${name}: ${reason}`, cause === undefined ? undefined : { cause });
  };
  let fd: number;
  try {
    fd = source === 0 ? 0 : openSync(source, 'r');
  } catch (error) {
    return fail(errorCode(error), error);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) fail('EISDIR: it is a directory, not a file');
    const tooLarge = `larger than ${MAX_INPUT_TEXT}, the most the CLI reads`;
    if (stat.isFile() && stat.size > limit) fail(tooLarge);
    // A regular file is read into one buffer of its size (a byte more, to notice that it grew meanwhile):
    // no pieces to join and no second copy of a file of a million snapshots. Anything else, by the megabyte.
    const chunks: Buffer[] = [];
    let chunk = Buffer.allocUnsafe(Math.min(stat.isFile() ? stat.size + 1 : CHUNK_BYTES, limit + 1));
    let filled = 0;
    let total = 0;
    for (;;) {
      if (filled === chunk.length) {
        chunks.push(chunk);
        chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, limit + 1 - total));
        filled = 0;
      }
      const read = readChunk(fd, chunk, filled, fail);
      if (read === 0) break;
      filled += read;
      total += read;
      if (total > limit) fail(tooLarge);
    }
    if (chunks.length === 0) return chunk.toString('utf8', 0, filled);
    chunks.push(chunk.subarray(0, filled));
    return Buffer.concat(chunks, total).toString('utf8');
  } finally {
    if (source !== 0) closeSync(fd);
  }
}

/** One read into the rest of `chunk` from `offset`, waiting out EAGAIN (a non-blocking pipe on standard input). */
function readChunk(fd: number, chunk: Buffer, offset: number, fail: (reason: string, cause?: unknown) => never): number {
  for (;;) {
    try {
      return readSync(fd, chunk, offset, chunk.length - offset, null);
    } catch (error) {
      if (errorCode(error) === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        continue;
      }
      if (errorCode(error) === 'EOF') return 0;
      return fail(errorCode(error), error);
    }
  }
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;
const UNSAFE_OR_BACKSLASH = new RegExp(`${UNSAFE.source.slice(0, -1)}\\\\]`, 'g');
const UNSAFE_ABOVE_ASCII = /[\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\' };

function visible(c: string): string {
  const code = c.charCodeAt(0);
  return NAMED[c] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
}

/**
 * Text as a terminal should show it: control characters (ESC of an ANSI sequence, newline, carriage
 * return, tab …), invisible and bidirectional-override characters and — unless `keepBackslash`, for text
 * that quotes with JSON escapes already — the backslash itself become visible escapes (\x1b, \n,
 * \u202e, \\), so a snapshot id cannot move the cursor, colour the screen or fake a table row.
 */
export function escapeForTerminal(text: string, keepBackslash = false): string {
  return text.replace(keepBackslash ? UNSAFE : UNSAFE_OR_BACKSLASH, visible);
}

/**
 * JSON text with the characters JSON.stringify leaves raw but a terminal acts on (DEL, C1 controls,
 * bidirectional overrides, line separators) written as \u escapes: the same JSON value, safe to print.
 */
export function terminalSafeJson(json: string): string {
  // Below U+0020 JSON.stringify escapes everything inside strings: what is left raw there is layout.
  return json.replace(UNSAFE_ABOVE_ASCII, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
