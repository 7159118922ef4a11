// Ordering snapshots newest first, stably (equal instants keep their input order), in linear time:
// an LSD radix sort on the millisecond timestamps, 16 bits a pass, so a million snapshots sort in a
// fraction of a second and the retention plan grows linearly with its input.

const RADIX = 65_536;
const TWO_POW_32 = 4_294_967_296;

function radixOrderNewestFirst(times: Float64Array, newest: number, span: number): Uint32Array {
  const n = times.length;
  // Key = newest − time ≥ 0, so ascending keys are newest first; split into two 32-bit halves.
  const low = new Uint32Array(n);
  const high = new Uint32Array(n);
  for (let i = 0; i < n; i += 1) {
    const key = newest - (times[i] as number);
    high[i] = Math.floor(key / TWO_POW_32);
    low[i] = key >>> 0;
  }
  let order = new Uint32Array(n);
  let next = new Uint32Array(n);
  for (let i = 0; i < n; i += 1) order[i] = i;
  const passes = span < RADIX ? 1 : span < TWO_POW_32 ? 2 : span < TWO_POW_32 * RADIX ? 3 : 4;
  const counts = new Uint32Array(RADIX);
  for (let pass = 0; pass < passes; pass += 1) {
    const digits = pass < 2 ? low : high;
    const shift = (pass % 2) * 16;
    counts.fill(0);
    for (let i = 0; i < n; i += 1) counts[((digits[order[i] as number] as number) >>> shift) & 0xffff]! += 1;
    let total = 0;
    for (let b = 0; b < RADIX; b += 1) {
      const c = counts[b] as number;
      counts[b] = total;
      total += c;
    }
    for (let i = 0; i < n; i += 1) {
      const index = order[i] as number;
      const bucket = ((digits[index] as number) >>> shift) & 0xffff;
      next[counts[bucket] as number] = index;
      counts[bucket]! += 1;
    }
    [order, next] = [next, order];
  }
  return order;
}

/** Newest first by instant; equal instants keep their input order. */
export function sortNewestFirst<S extends { readonly time: number }>(items: readonly S[]): S[] {
  const n = items.length;
  const times = new Float64Array(n);
  let descending = true;
  let integral = true;
  let newest = Number.NEGATIVE_INFINITY;
  let oldest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < n; i += 1) {
    const time = (items[i] as S).time;
    times[i] = time;
    if (i > 0 && time > (times[i - 1] as number)) descending = false;
    if (!Number.isSafeInteger(time)) integral = false;
    if (time > newest) newest = time;
    if (time < oldest) oldest = time;
  }
  if (descending) return [...items];
  if (integral) return Array.from(radixOrderNewestFirst(times, newest, newest - oldest), (i) => items[i] as S);
  return [...items].sort((a, b) => b.time - a.time); // Array.prototype.sort is stable
}
