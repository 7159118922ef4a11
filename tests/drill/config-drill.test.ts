// The drill's configuration part as a user runs it (the compiled drill, one run per argument list): the
// sample configuration backed up by the real handler, replicated, not written again unchanged, written
// again after a change; the real restore test passing with its counts; --break config-tampered caught by
// the restore test (BundleTampered, with an alert) and exiting 1 like the other caught faults — and no
// value of the sample configuration anywhere in what the drill prints, in either run.

import { describe, expect, it } from 'vitest';
import { SAMPLE_CONFIGURATION } from '../../drill/config.js';
import { drill, drillOnce } from './drill-process.js';

const resultOf = (out: string) => /^RESULT: .*$/m.exec(out)?.[0];
/** Every value of the sample: each parameter's, each secret's (a JSON one's fields too), the changed ones. */
const VALUES = [
  ...SAMPLE_CONFIGURATION.parameters.filter((p) => p.value.length > 4).map((p) => p.value),
  ...SAMPLE_CONFIGURATION.secrets.flatMap((s) => (typeof s.value === 'string' ? [s.value] : [JSON.stringify(s.value), s.value.password])),
  SAMPLE_CONFIGURATION.changed.value,
  SAMPLE_CONFIGURATION.drifted.value,
];

describe('npm run drill: the configuration part', { concurrent: true }, () => {
  it('backs up the sample configuration, writes nothing when unchanged and a new version after a change, and the restore test passes with its counts — no value printed', async () => {
    const { code, out, err } = await drillOnce([]);
    expect(out).toContain('Configuration — app-config: 5 parameters under /app/prod/ (2 String, 2 SecureString, 1 StringList) and 2 secrets under app/prod/ (one JSON)');
    expect(out).toMatch(/✓ back-up-configuration +[\d.]+ s +app-config: written, 5 parameters and 2 secrets, SHA-256 [0-9a-f]{12}…, version \S+/);
    expect(out).toMatch(/✓ back-up-configuration \(nothing changed\) +[\d.]+ s +app-config: unchanged/);
    expect(out).toMatch(/✓ back-up-configuration \(on change\) +[\d.]+ s +app-config: written/);
    expect(out).toContain('2 versions of config/app-config/bundle.json in the primary, 2 in the secondary');
    expect(out).toMatch(/✓ test-configuration-restore +[\d.]+ s +app-config: PASSED/);
    expect(out).toContain('    replica   same');
    expect(out).toContain('    missing   none: every configured path and secret is in the bundle');
    expect(out).toContain('    drift     parameters 0 added, 1 changed, 0 removed; secrets 0 added, 0 changed, 0 removed');
    expect(out).toMatch(/^Configuration outcome: PASSED$/m);
    expect(out).toMatch(/^Slack: nothing would be posted$/m);
    expect(resultOf(out)).toBe('RESULT: PASSED');
    expect(code).toBe(0);
    for (const value of VALUES) expect(`${out}\n${err}`).not.toContain(value);
  }, 240_000);

  it('--break config-tampered: the restore test fails with BundleTampered and an alert, the drill exits 1 — still no value printed', async () => {
    const { code, out, err } = await drillOnce(['--break', 'config-tampered']);
    expect(out).toContain('were altered after S3 stored their checksum (--break config-tampered)');
    expect(out).toMatch(/✗ test-configuration-restore +[\d.]+ s +app-config: FAILED/);
    expect(out).toContain('✗ the primary bundle could not be read: BundleTampered (the bytes read do not match the SHA-256 S3 stored when the bundle was written)');
    expect(out).toContain('  | CRITICAL: configuration restore test failed: the primary bundle could not be read: BundleTampered');
    // The same alert as the Slack notifier posts it (to the drill's local webhook), with its evidence link.
    expect(out).toContain('Slack message that would be posted:\n  > CRITICAL: config-restore-test-failed app-config\n  >   :rotating_light: configuration restore test failed: the primary bundle could not be read: BundleTampered');
    expect(out).toMatch(/^ {2}> {3}\[Evidence\] https:\/\/s3\.console\.aws\.amazon\.com\/s3\/object\/backup-dr-reports-drill\?region=ap-northeast-1&prefix=evidence%2Fapp-config%2F/m);
    expect(out).toMatch(/^Configuration outcome: FAILED \(test-configuration-restore \(BundleTampered\)\)$/m);
    expect(out).toMatch(/^Database outcome: PASSED$/m);
    expect(resultOf(out)).toBe('RESULT: FAILED — the fault "config-tampered" was caught by test-configuration-restore (BundleTampered)');
    expect(code).toBe(1);
    for (const value of VALUES) expect(`${out}\n${err}`).not.toContain(value);
    // The next morning's checklist says so: the configuration's restore test failed.
    expect(out).toContain('  | [XX] app-config (config): config-restore restore test failed 1×\n');
    expect(out).toContain('  |      Restore test config-restore (ap-northeast-1): 0 passed, 1 failed, 0 inconclusive\n');
  }, 240_000);

  it('names the fault in its usage', async () => {
    const help = await drill(['--help']);
    expect(help.out).toContain('config-tampered');
    expect(help.code).toBe(0);
  }, 60_000);
});
