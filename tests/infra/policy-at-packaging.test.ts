// Packaging refuses a policy whose schedule can never fire again (a cron year in the past): checked at
// package time with the clock, not at cold start, where a deployed policy must not turn invalid by itself.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deploymentFromFile } from '../../deploy/assemble.js';
import { SERVICE_DIR } from '../../deploy/bundles.js';

const scratch = mkdtempSync(join(tmpdir(), 'backup-dr-policy-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function packageWith(change: (text: string) => string) {
  const path = join(scratch, 'policy.yml');
  writeFileSync(path, change(readFileSync(join(SERVICE_DIR, 'backup-policy.yml'), 'utf8')));
  return () => deploymentFromFile({ policyPath: path, policySource: 'policy.yml', policyFile: 'policy.yml', stage: 'test' });
}

describe('the policy at packaging time', () => {
  it('packages the team policy', () => {
    expect(packageWith((t) => t)().role).toBe('primary');
  });

  it('refuses a schedule whose years are all past, naming the field', () => {
    const build = packageWith((t) => t.replace('schedule: cron(0 2 * * ? *)       # daily full snapshot', 'schedule: cron(0 2 * * ? 2020)       # daily full snapshot'));
    expect(build).toThrow(/^policy\.yml is invalid:\nresources\.databases\[0\]\.schedule: /);
  });
});
