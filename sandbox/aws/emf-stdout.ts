// What CloudWatch Logs does with a Lambda function's standard output, for the local runs: each line that
// is an EMF document (a JSON object with an `_aws` member — "on Lambda, writing JSON to standard out in
// the embedded metric format is sufficient", the EMF specification) is taken off the stream and handed to
// `onDocument` (the CloudWatch stand-in's ingestEmf); every other line is written as before.
//
// Powertools Metrics writes each record with console.log on a Console of its own over process.stdout
// (the global console under POWERTOOLS_DEV; @aws-lambda-powertools/metrics, Metrics#setConsole and
// #publishStoredMetrics), and singleMetric() makes a new Metrics, so a new Console, for every record:
// the one place all of them meet is the stream's `write`, which a Console looks up at each call.

/** The part of a writable stream this needs: its `write`. */
export interface WritableOut {
  write: NodeJS.WriteStream['write'];
}

/** A log line that CloudWatch Logs would read as an EMF document (valid or not: the reader judges). */
export function isEmfLine(line: string): boolean {
  if (!line.startsWith('{') || !line.includes('"_aws"')) return false;
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && '_aws' in parsed;
  } catch {
    return false;
  }
}

/** Takes the EMF lines written to `stream` until `restore()`; the rest reaches the stream unchanged. */
export function interceptEmf(stream: WritableOut, onDocument: (line: string) => void): { restore(): void } {
  const original = stream.write;
  const write = (chunk: unknown, encoding?: unknown, callback?: unknown): boolean => {
    const text = typeof chunk === 'string' ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString(typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8') : null;
    if (text === null || !text.includes('"_aws"')) return (original as (...args: unknown[]) => boolean).call(stream, chunk, encoding, callback);
    const done = typeof encoding === 'function' ? encoding : callback;
    const kept: string[] = [];
    for (const line of text.split('\n')) {
      if (isEmfLine(line.trimEnd())) onDocument(line.trimEnd());
      else kept.push(line);
    }
    const rest = kept.join('\n');
    if (rest === '') {
      if (typeof done === 'function') process.nextTick(done);
      return true;
    }
    return (original as (...args: unknown[]) => boolean).call(stream, rest, done);
  };
  stream.write = write;
  return {
    restore: () => {
      if (stream.write === (write as NodeJS.WriteStream['write'])) stream.write = original;
    },
  };
}
