// Posts one message to a Slack incoming webhook with Node's global fetch, each attempt bounded by a
// timeout: a 2xx is delivered; a 429 waits what `Retry-After` says, a 5xx, a timeout or a connection
// failure backs off (1 s, 2 s, 4 s …) — both within a budget, so the Lambda never runs out of time
// mid-wait; beyond the budget or the attempts, or on a rejection (any other 4xx: a revoked or wrong
// webhook, an archived channel, a payload Slack refuses), it throws SlackDeliveryFailed so Lambda's
// async retry and then its on-failure queue take over. The URL is the secret: it is never logged nor
// put in an error — only status codes, Slack's short error code and counts are.

import { BackupDrError } from '../errors.js';
import type { Log } from '../runtime/log.js';

export interface DeliveryOptions {
  /** Per attempt. */
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  /** All waits and attempts of one delivery together. */
  readonly budgetMs: number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
}

export const DELIVERY: Omit<DeliveryOptions, 'sleep' | 'now'> = { timeoutMs: 10_000, maxAttempts: 5, budgetMs: 60_000 };

export class SlackDeliveryFailed extends BackupDrError {
  override name = 'SlackDeliveryFailed';
  constructor(
    message: string,
    readonly attempts: number,
    /** The last HTTP status; null when no response came (timeout, connection refused). */
    readonly status: number | null,
    /** A rejection (4xx other than 429): retrying the same payload to the same URL will not help. */
    readonly rejected: boolean,
  ) {
    super(message);
  }
}

/** Seconds (or an HTTP date) → milliseconds; Slack sends seconds. Absent or unreadable: one second. */
export function retryAfterMs(header: string | null, now: number): number {
  if (header === null) return 1_000;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1_000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? 1_000 : Math.max(0, date - now);
}

/** Slack's error code from a rejection's body ("invalid_payload", "no_service" …): short, never the URL. */
async function errorCode(response: Response): Promise<string> {
  const body = await response.text().catch(() => '');
  return /^[a-z_]{1,60}$/.test(body.trim()) ? body.trim() : `HTTP ${response.status}`;
}

/** The error of an attempt without a response, by name only (a fetch error's cause may carry the address). */
const failureName = (error: unknown): string => {
  if (!(error instanceof Error)) return 'Error';
  const cause = (error as { cause?: { code?: unknown } }).cause;
  return typeof cause?.code === 'string' ? `${error.name} (${cause.code})` : error.name;
};

/** Delivers `payload`; returns the number of attempts it took, or throws SlackDeliveryFailed. */
export async function postToSlack(url: string, payload: unknown, log: Log, options: DeliveryOptions): Promise<number> {
  const started = options.now();
  const body = JSON.stringify(payload);
  let last = { status: null as number | null, reason: 'not attempted' };
  for (let attempt = 1; attempt <= options.maxAttempts; attempt += 1) {
    let wait: number;
    try {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(options.timeoutMs) });
      if (response.ok) {
        await response.body?.cancel();
        log.info('posted to Slack', { attempts: attempt, status: response.status });
        return attempt;
      }
      if (response.status === 429) {
        wait = retryAfterMs(response.headers.get('retry-after'), options.now());
        await response.body?.cancel();
        last = { status: 429, reason: `rate limited (Retry-After ${Math.ceil(wait / 1000)} s)` };
      } else if (response.status >= 500) {
        wait = 1_000 * 2 ** (attempt - 1);
        last = { status: response.status, reason: await errorCode(response) };
      } else {
        const code = await errorCode(response);
        log.error('Slack rejected the message', { attempts: attempt, status: response.status, error: code });
        throw new SlackDeliveryFailed(`Slack rejected the message: ${response.status} ${code}`, attempt, response.status, true);
      }
    } catch (error) {
      if (error instanceof SlackDeliveryFailed) throw error;
      wait = 1_000 * 2 ** (attempt - 1);
      last = { status: null, reason: failureName(error) };
    }
    log.warn('Slack delivery attempt failed', { attempt, status: last.status, error: last.reason, retryInMs: wait });
    if (attempt === options.maxAttempts) break;
    const elapsed = options.now() - started;
    if (elapsed + wait + options.timeoutMs > options.budgetMs) {
      throw new SlackDeliveryFailed(`Slack delivery failed: ${last.reason}; the next attempt (in ${wait} ms) would overrun this invocation's ${options.budgetMs} ms budget`, attempt, last.status, false);
    }
    await options.sleep(wait);
  }
  throw new SlackDeliveryFailed(`Slack delivery failed after ${options.maxAttempts} attempts: ${last.reason}`, options.maxAttempts, last.status, false);
}
