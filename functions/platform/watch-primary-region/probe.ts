// The probes of the watch on the primary region: an HTTPS GET of a health URL (2xx or 3xx answers, within
// a short timeout; the body is not read, a redirect not followed), and a cheap read of the primary's RDS
// or ElastiCache API, where any answer the service gives — even "not found" or "access denied" — means
// the region's API answers, and only no answer (a timeout, a refused or reset connection, DNS) or a 5xx
// means it does not.

import { request } from 'node:https';
import { errorName } from '../../../shared/errors.js';
import type { ProbeResult } from './plan.js';

export interface HttpsProbeOptions {
  readonly timeoutMs: number;
  /** Certificate authorities to trust instead of Node's bundled ones (a private CA; the default: public CAs). */
  readonly ca?: string | Buffer;
}

/** GET `url`; answered when the status is 2xx or 3xx before `timeoutMs` ends (connect and headers). */
export function probeUrl(url: string, options: HttpsProbeOptions): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (answered: boolean, detail: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ probe: url, answered, detail });
    };
    let req: ReturnType<typeof request>;
    try {
      req = request(url, { method: 'GET', headers: { 'user-agent': 'backup-dr-primary-watch' }, ...(options.ca === undefined ? {} : { ca: options.ca }) }, (response) => {
        const status = response.statusCode ?? 0;
        // The status is all we need: the body is dropped and the connection closed.
        response.resume();
        req.destroy();
        done(status >= 200 && status < 400, `HTTP ${status}`);
      });
    } catch (error) {
      // An URL Node refuses (not https:, malformed): never an answer.
      resolve({ probe: url, answered: false, detail: errorName(error) });
      return;
    }
    const timer = setTimeout(() => {
      done(false, `no answer within ${options.timeoutMs} ms`);
      req.destroy();
    }, options.timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => done(false, error.code ?? errorName(error)));
    req.end();
  });
}

/** The HTTP status of an SDK error, when the service answered at all. */
function answeredStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

/**
 * One AWS API call as a probe: answered when it returns, or fails with a status below 500 (the service
 * answered, e.g. DBInstanceNotFound, AccessDenied, Throttling); not answered on a 5xx or no response.
 */
export async function probeApi(probe: string, call: () => Promise<unknown>): Promise<ProbeResult> {
  try {
    await call();
    return { probe, answered: true, detail: 'answered' };
  } catch (error) {
    const status = answeredStatus(error);
    if (status !== undefined && status < 500) return { probe, answered: true, detail: `answered ${errorName(error)} (HTTP ${status})` };
    return { probe, answered: false, detail: status === undefined ? errorName(error) : `${errorName(error)} (HTTP ${status})` };
  }
}
