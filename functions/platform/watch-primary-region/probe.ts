// The probes of the watch on the primary region: an HTTPS GET of a health URL (2xx or 3xx answers, within
// a short timeout; the body is not read, a redirect not followed), and a cheap read of the primary's RDS
// or ElastiCache API, where any answer the service gives — even "not found" or "access denied" — means
// the region's API answers, and only no answer (a timeout, a refused or reset connection, DNS) or a 5xx
// means it does not.

import { errorName } from '../../../shared/errors.js';
import { probeHttps } from '../../../shared/platform/probe-url.js';
import type { ProbeResult } from './plan.js';

export interface HttpsProbeOptions {
  readonly timeoutMs: number;
  /** Certificate authorities to trust instead of Node's bundled ones (a private CA; the default: public CAs). */
  readonly ca?: string | Buffer;
}

/** GET `url`; answered when the status is 2xx or 3xx before `timeoutMs` ends (connect and headers). */
export async function probeUrl(url: string, options: HttpsProbeOptions): Promise<ProbeResult> {
  const result = await probeHttps(url, { ...options, accept: (status) => status >= 200 && status < 400, userAgent: 'backup-dr-primary-watch' });
  return { probe: url, answered: result.ok, detail: result.detail };
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
