// A configuration bundle (README, "Configuration"): the SSM parameters under the configured paths and the
// configured secrets, as one JSON document whose SHA-256 is taken over a canonical form — keys sorted, the
// capture time left out — so the same configuration always has the same checksum (an unchanged bundle is
// not written again) and any change to a byte of it shows. Comparisons say which names were added, removed
// or changed, and never a value: secret values must not reach logs, alerts, evidence or execution history.

import { createHash } from 'node:crypto';

export const BUNDLE_FORMAT = 'backup-dr/config-bundle@1';

export interface ParameterEntry {
  readonly type: 'String' | 'StringList' | 'SecureString';
  readonly value: string;
  readonly version: number;
}

export interface SecretEntry {
  readonly value: string;
  readonly versionId: string;
}

export interface ConfigBundle {
  readonly format: typeof BUNDLE_FORMAT;
  /** The policy's configuration name. */
  readonly name: string;
  readonly capturedAt: string;
  readonly parameters: Readonly<Record<string, ParameterEntry>>;
  readonly secrets: Readonly<Record<string, SecretEntry>>;
}

/** JSON with every object's keys sorted: one text for one content, whatever order it was built in. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The checksum of what a bundle holds (hex SHA-256 of its canonical form without the capture time). */
export function bundleChecksum(bundle: ConfigBundle): string {
  const { capturedAt: _capturedAt, ...content } = bundle;
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

/** The stored text of a bundle: canonical, with the capture time. */
export function serializeBundle(bundle: ConfigBundle): string {
  return canonicalJson(bundle);
}

export class BundleTampered extends Error {
  override name = 'BundleTampered';
}

/**
 * Reads a stored bundle and checks it against the checksum recorded with it: a bundle whose content no
 * longer gives that checksum, or that is not a bundle, is BundleTampered — naming no value.
 */
export function readBundle(text: string, recordedChecksum: string): ConfigBundle {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BundleTampered('the bundle is not JSON');
  }
  const bundle = parsed as Partial<ConfigBundle> | null;
  if (bundle?.format !== BUNDLE_FORMAT || typeof bundle.parameters !== 'object' || bundle.parameters === null || typeof bundle.secrets !== 'object' || bundle.secrets === null) {
    throw new BundleTampered(`the object is not a ${BUNDLE_FORMAT} bundle`);
  }
  const actual = bundleChecksum(bundle as ConfigBundle);
  if (actual !== recordedChecksum) throw new BundleTampered(`its content gives SHA-256 ${actual}, not the ${recordedChecksum} recorded when it was written`);
  return bundle as ConfigBundle;
}

export interface Difference {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly string[];
}

function diff<T extends { readonly value: string }>(from: Readonly<Record<string, T>>, to: Readonly<Record<string, T>>): Difference {
  const names = [...new Set([...Object.keys(from), ...Object.keys(to)])].sort();
  return {
    added: names.filter((n) => from[n] === undefined),
    removed: names.filter((n) => to[n] === undefined),
    changed: names.filter((n) => from[n] !== undefined && to[n] !== undefined && from[n].value !== to[n].value),
  };
}

/** What would change going from `from` to `to`, by name: the restore test (bundle → live) and a dry-run restore (live → bundle). */
export function compareBundles(from: Pick<ConfigBundle, 'parameters' | 'secrets'>, to: Pick<ConfigBundle, 'parameters' | 'secrets'>): { parameters: Difference; secrets: Difference } {
  return { parameters: diff(from.parameters, to.parameters), secrets: diff(from.secrets, to.secrets) };
}

/** Every configured name the bundle lacks: a parameter path with nothing under it, a secret not captured. */
export function missingFromBundle(bundle: Pick<ConfigBundle, 'parameters' | 'secrets'>, configured: { readonly ssmParameterPaths: readonly string[]; readonly secrets: readonly string[] }): string[] {
  const paths = configured.ssmParameterPaths.filter((path) => !Object.keys(bundle.parameters).some((name) => name.startsWith(path)));
  const secrets = configured.secrets.filter((secret) => !Object.keys(bundle.secrets).some((name) => (secret.endsWith('/') ? name.startsWith(secret) : name === secret)));
  return [...paths.map((p) => `parameters under ${p}`), ...secrets.map((s) => `secret ${s}`)];
}
