// The configuration bundle: one checksum for one content (whatever order it was read in, whenever it was
// captured), any changed byte detected, comparisons by name only — a secret's value never in what they
// say — and the configured names a bundle lacks.

import { describe, expect, it } from 'vitest';
import { BUNDLE_FORMAT, BundleTampered, bundleChecksum, canonicalJson, compareBundles, missingFromBundle, readBundle, serializeBundle, type ConfigBundle } from '../../shared/config/bundle.js';

const SECRET = 'p4ssw0rd-that-must-never-be-printed';
const bundle = (over: Partial<ConfigBundle> = {}): ConfigBundle => ({
  format: BUNDLE_FORMAT,
  name: 'app-config',
  capturedAt: '2026-12-01T03:00:00+09:00',
  parameters: { '/app/prod/db/host': { type: 'String', value: 'db.internal', version: 3 }, '/app/prod/feature/flags': { type: 'StringList', value: 'a,b', version: 1 } },
  secrets: { 'app/prod/db': { value: SECRET, versionId: 'v-1' } },
  ...over,
});

describe('a configuration bundle', () => {
  it('has one checksum for one content: key order and capture time do not count', () => {
    const a = bundle();
    const reordered: ConfigBundle = { ...a, capturedAt: '2026-12-02T03:00:00+09:00', parameters: { '/app/prod/feature/flags': a.parameters['/app/prod/feature/flags']!, '/app/prod/db/host': a.parameters['/app/prod/db/host']! } };
    expect(bundleChecksum(reordered)).toBe(bundleChecksum(a));
    expect(bundleChecksum(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
    // A new secret version with the same value is a change of the bundle too (the version is restored with it).
    expect(bundleChecksum(bundle({ secrets: { 'app/prod/db': { value: SECRET, versionId: 'v-2' } } }))).not.toBe(bundleChecksum(a));
  });

  it('reads back what was written, and refuses content that no longer gives its recorded checksum — naming no value', () => {
    const written = serializeBundle(bundle());
    const checksum = bundleChecksum(bundle());
    expect(readBundle(written, checksum)).toEqual(bundle());
    const tampered = written.replace('db.internal', 'db.attacker');
    expect(() => readBundle(tampered, checksum)).toThrow(BundleTampered);
    try {
      readBundle(written.replace(SECRET, 'x'), checksum);
    } catch (error) {
      expect((error as Error).message).not.toContain(SECRET);
    }
    expect(() => readBundle('not json', checksum)).toThrow('the bundle is not JSON');
    expect(() => readBundle('{"format":"other"}', checksum)).toThrow(/not a backup-dr\/config-bundle@1 bundle/);
  });

  it('compares by name — added, removed, changed — and never says a value', () => {
    const live: ConfigBundle = bundle({
      parameters: { '/app/prod/db/host': { type: 'String', value: 'db2.internal', version: 4 }, '/app/prod/new': { type: 'String', value: 'x', version: 1 } },
      secrets: { 'app/prod/db': { value: 'rotated', versionId: 'v-9' } },
    });
    const difference = compareBundles(bundle(), live);
    expect(difference).toEqual({
      parameters: { added: ['/app/prod/new'], removed: ['/app/prod/feature/flags'], changed: ['/app/prod/db/host'] },
      secrets: { added: [], removed: [], changed: ['app/prod/db'] },
    });
    expect(JSON.stringify(difference)).not.toContain(SECRET);
    expect(JSON.stringify(difference)).not.toContain('rotated');
  });

  it('names the configured paths and secrets a bundle lacks (a prefix ends with "/")', () => {
    expect(missingFromBundle(bundle(), { ssmParameterPaths: ['/app/prod/', '/app/shared/'], secrets: ['app/prod/', 'app/prod/db', 'app/prod/api-key'] })).toEqual(['parameters under /app/shared/', 'secret app/prod/api-key']);
  });
});
