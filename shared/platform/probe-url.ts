// An HTTPS GET as a probe: the status line only (the body is dropped, a redirect not followed), within a
// timeout covering connect and headers. Which statuses count as an answer is the caller's: the primary
// watch takes 2xx and 3xx (the region answers), application-recovery's health check only 2xx (the
// application is healthy).

import { request } from 'node:https';
import { errorName } from '../errors.js';

export interface HttpsProbeOptions {
  readonly timeoutMs: number;
  /** Certificate authorities to trust instead of Node's bundled ones (a private CA; the default: public CAs). */
  readonly ca?: string | Buffer;
  /** Which HTTP statuses are a good answer. */
  readonly accept: (status: number) => boolean;
  readonly userAgent: string;
}

export interface HttpsProbeResult {
  readonly url: string;
  readonly ok: boolean;
  /** The HTTP status, null when none came (timeout, refused, TLS, DNS). */
  readonly status: number | null;
  /** `HTTP 503`, `no answer within 5000 ms`, `ECONNREFUSED`, … */
  readonly detail: string;
}

/** GET `url`; ok when a status `accept` takes arrives before `timeoutMs` ends. */
export function probeHttps(url: string, options: HttpsProbeOptions): Promise<HttpsProbeResult> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (ok: boolean, status: number | null, detail: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ url, ok, status, detail });
    };
    let req: ReturnType<typeof request>;
    try {
      req = request(url, { method: 'GET', headers: { 'user-agent': options.userAgent }, ...(options.ca === undefined ? {} : { ca: options.ca }) }, (response) => {
        const status = response.statusCode ?? 0;
        // The status is all we need: the body is dropped and the connection closed.
        response.resume();
        req.destroy();
        done(options.accept(status), status, `HTTP ${status}`);
      });
    } catch (error) {
      // An URL Node refuses (not https:, malformed): never an answer.
      resolve({ url, ok: false, status: null, detail: errorName(error) });
      return;
    }
    const timer = setTimeout(() => {
      done(false, null, `no answer within ${options.timeoutMs} ms`);
      req.destroy();
    }, options.timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => done(false, null, error.code ?? errorName(error)));
    req.end();
  });
}
