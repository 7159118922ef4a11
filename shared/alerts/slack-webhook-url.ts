// The Slack incoming webhook's URL, read from the Secrets Manager secret the policy names
// (alerts.slack.webhookSecret) and kept for five minutes per container — for the notifier and the daily
// checklist alike. Only https (plain http to this host only: the local stand-in of the tests and the
// drill). The URL is the secret: errors name the secret, never its value.

import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigurationError } from '../errors.js';

/** How long a webhook URL read from Secrets Manager is used before it is read again (a rotation takes effect). */
const URL_TTL_MS = 300_000;
let cachedUrl: { readonly secret: string; readonly url: string; readonly until: number } | undefined;

/** Forgets the cached webhook URL (tests; a rejected webhook, so the retry reads a rotated one). */
export function forgetWebhookUrl(): void {
  cachedUrl = undefined;
}

/** The webhook URL: the secret's string, or its JSON `url` member. Errors name the secret, never its value. */
export async function webhookUrl(input: { readonly secrets: Pick<SecretsManagerClient, 'send'>; readonly now: () => number }, secret: string): Promise<string> {
  if (cachedUrl !== undefined && cachedUrl.secret === secret && cachedUrl.until > input.now()) return cachedUrl.url;
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
  cachedUrl = { secret, url: value, until: input.now() + URL_TTL_MS };
  return value;
}
