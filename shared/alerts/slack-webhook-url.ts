// A Slack incoming webhook's URL, read from the Secrets Manager secret the policy names
// (alerts.slack.webhookSecret, or an escalation level's slack.webhookSecret) and kept for five minutes per
// container and secret — for the notifier and the daily checklist alike. Only https (plain http to this host only: the local stand-in of the tests and the
// drill). The URL is the secret: errors name the secret, never its value.

import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigurationError } from '../errors.js';

/** How long a webhook URL read from Secrets Manager is used before it is read again (a rotation takes effect). */
const URL_TTL_MS = 300_000;
const cachedUrls = new Map<string, { readonly url: string; readonly until: number }>();

/** Forgets the cached webhook URL of `secret`, or all of them (tests; a rejected webhook, so the retry reads a rotated one). */
export function forgetWebhookUrl(secret?: string): void {
  if (secret === undefined) cachedUrls.clear();
  else cachedUrls.delete(secret);
}

/** The webhook URL: the secret's string, or its JSON `url` member. Errors name the secret, never its value. */
export async function webhookUrl(input: { readonly secrets: Pick<SecretsManagerClient, 'send'>; readonly now: () => number }, secret: string): Promise<string> {
  const cached = cachedUrls.get(secret);
  if (cached !== undefined && cached.until > input.now()) return cached.url;
  const response = await input.secrets.send(new GetSecretValueCommand({ SecretId: secret }));
  let value = response.SecretString?.trim() ?? '';
  if (value.startsWith('{')) {
    try {
      const url = (JSON.parse(value) as { url?: unknown }).url;
      value = typeof url === 'string' ? url.trim() : '';
    } catch {
      value = '';
    }
  }
  let parsed: URL | undefined;
  try {
    parsed = new URL(value);
  } catch {
    parsed = undefined;
  }
  // https only; plain http only to this host (the local stand-in of the tests and the drill).
  const loopback = parsed?.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
  if (parsed === undefined || (parsed.protocol !== 'https:' && !loopback)) {
    throw new ConfigurationError(`the secret ${secret} does not hold a webhook URL (https://…, or JSON with "url"): put the Slack incoming webhook's URL in it`);
  }
  cachedUrls.set(secret, { url: value, until: input.now() + URL_TTL_MS });
  return value;
}
