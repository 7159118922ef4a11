import { describe, expect, it } from 'vitest';
import { keyOf } from '../../../shared/aws/kms-keys.js';
import { teamPolicy } from '../../helpers/runtime.js';

describe('which KMS key a region role uses', () => {
  it("is the service's own stage-scoped key when the policy names none, so two stages never share an alias", () => {
    expect(keyOf(teamPolicy(), 'secondary', 'prod')).toBe('alias/backup-dr-prod');
    expect(keyOf(teamPolicy(), 'secondary', 'staging')).toBe('alias/backup-dr-staging');
  });

  it("is the policy's key when it names one", () => {
    const policy = teamPolicy((d) => { d.kms.secondary = 'arn:aws:kms:ap-southeast-1:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b'; });
    expect(keyOf(policy, 'secondary', 'prod')).toBe('arn:aws:kms:ap-southeast-1:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b');
    expect(keyOf(policy, 'primary', 'prod')).toBe('alias/backup-dr-prod');
  });
});
