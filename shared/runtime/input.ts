// Inputs checked at the edge: every event a Lambda receives (a schedule's input, an RDS event, a state
// machine step's input) is parsed with its schema before any core runs, so a malformed one fails with
// InvalidInput naming the field — never a TypeError deep inside — and with no side effect.

import * as z from 'zod/mini';
import { InvalidInput } from '../errors.js';
import { describeIssues } from '../policy/fields.js';
import { parseIsoInstant } from '../time/iso.js';

function pathOf(issue: z.core.$ZodIssue, root: string): string {
  return issue.path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text === '' ? String(key) : `${text}.${String(key)}`), root);
}

/** The parsed input, or InvalidInput whose `field` is the first bad field's path (`root` when the input itself is wrong). */
export function parseInput<S extends z.core.$ZodType>(schema: S, input: unknown, root = ''): z.core.output<S> {
  const result = z.safeParse(schema, input);
  if (result.success) return result.data;
  const first = result.error.issues[0];
  let field = first === undefined ? root : pathOf(first, root) || root || 'input';
  // An unknown key is named itself, not the object that holds it.
  if (first?.code === 'unrecognized_keys' && first.keys[0] !== undefined) field = field === 'input' ? first.keys[0] : `${field}.${first.keys[0]}`;
  const all = describeIssues(result.error, root);
  // The message repeats the field only when several are wrong (InvalidInput prefixes the first).
  const message = result.error.issues.length > 1 ? `${first?.message ?? 'invalid'} (also: ${all.split('\n').slice(1).join('; ')})` : (first?.message ?? 'invalid');
  throw new InvalidInput(field, message, { cause: result.error });
}

/** A time with an offset ("2026-11-25T02:00:00+09:00"), as epoch milliseconds. */
export const isoInstant = z.pipe(
  z.string({ error: 'must be an ISO-8601 time with an offset' }),
  z.transform((text: string, ctx) => {
    const parsed = parseIsoInstant(text);
    if (parsed === null) {
      ctx.issues.push({ code: 'custom', message: 'must be an ISO-8601 time with an offset', input: text });
      return z.NEVER;
    }
    return parsed;
  }),
);

/** A non-empty string. */
export const nonEmptyString = z.string({ error: 'must be a non-empty string' }).check(z.minLength(1, { error: 'must be a non-empty string' }));

/** An event that may be absent (a manual invocation without a payload) and then means `{}`. */
export function optionalEvent<S extends z.core.$ZodType>(schema: S) {
  return z.pipe(
    z.transform((event: unknown): unknown => (event === undefined || event === null ? {} : event)),
    schema,
  );
}

/**
 * A strict object whose unknown keys are refused with the keys it allows named ("unknown input field
 * (allowed: resource, snapshot)"): what an operator typing an input in the console needs to read.
 */
export function strictInput<T extends z.core.$ZodLooseShape>(shape: T) {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown input field (allowed: ${allowed})` : issue.code === 'invalid_type' ? 'must be a JSON object' : undefined),
  });
}

/** A scheduled function's event: a schedule with no input, or a manual run (anything else is ignored). */
export const scheduleEvent = optionalEvent(z.looseObject({}));
