// Keeps passwords out of everything validate-restore hands back: a detail, an error message, a report.
// Every occurrence of a secret (also URL-encoded, as it would sit in a connection string) is masked.

const MASK = '[redacted]';

/** `text` with every occurrence of each non-empty secret replaced by a mask. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  const forms = secrets
    .filter((secret): secret is string => secret !== undefined && secret !== '')
    .flatMap((secret) => [secret, encodeURIComponent(secret)])
    .sort((a, b) => b.length - a.length);
  return forms.reduce((masked, form) => masked.split(form).join(MASK), text);
}
