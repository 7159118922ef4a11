// What a stand-in returns is a copy, as a response parsed off the wire would be: the caller may change
// it without changing the stand-in's records, and two responses never share an object. Responses are
// plain data (objects, arrays, strings, numbers, booleans, Dates, byte arrays), which this copies by hand:
// structuredClone goes through V8's serializer and was most of the 400-day simulation's time.

export function wireCopy<T>(value: T): T {
  return copy(value) as T;
}

function copy(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copy);
  if (value instanceof Date) return new Date(value.getTime());
  if (value instanceof Uint8Array) return value.slice();
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    out[key] = copy((value as Record<string, unknown>)[key]);
  }
  return out;
}
