// KMS key rotation, part of the daily posture (README, "Posture checks: alert once per change"): the key
// each region's backups are encrypted with — the policy's kms.<role>, else the service key — must rotate
// automatically, at least every 90 days (the team's policy). GetKeyRotationStatus takes no alias, so the
// key is first resolved by DescribeKey; an AWS managed key (rotated yearly by AWS, nothing we can set) is
// a warning. A status that cannot be read is a finding too: the posture is unknown.

import { DescribeKeyCommand, GetKeyRotationStatusCommand, type KMSClient } from '@aws-sdk/client-kms';
import { serviceKeyAlias } from '../../../shared/contracts.js';
import { errorName } from '../../../shared/errors.js';
import type { Policy } from '../../../shared/policy/schema.js';
import type { Finding } from './plan.js';

/** The team's policy: customer keys rotate at least every 90 days. */
export const MAX_ROTATION_DAYS = 90;

const finding = (severity: Finding['severity'], summary: string, action: string): Finding => ({ severity, check: 'key-rotation', summary, action });

/** The rotation finding of the key a region's backups use, or null when it rotates as the policy wants. */
export async function keyRotationFinding(kms: KMSClient, policy: Policy, stage: string, role: 'primary' | 'secondary'): Promise<Finding | null> {
  const region = policy.regions[role];
  const keyName = policy.kms[role] ?? serviceKeyAlias(stage);
  const action = `Turn on automatic rotation every ${MAX_ROTATION_DAYS} days: aws kms enable-key-rotation --region ${region} --key-id <key id> --rotation-period-in-days ${MAX_ROTATION_DAYS}; check CloudTrail for who changed it.`;
  try {
    const metadata = (await kms.send(new DescribeKeyCommand({ KeyId: keyName }))).KeyMetadata;
    if (metadata?.KeyId === undefined) return finding('warning', `KMS key ${keyName} in ${region}: DescribeKey named no key`, 'Check kms.' + role + ' in backup-policy.yml.');
    if (metadata.KeyManager === 'AWS') {
      return finding('warning', `KMS key ${keyName} in ${region} is AWS managed: AWS rotates it yearly, not every ${MAX_ROTATION_DAYS} days`, `Name a customer managed key in kms.${role} of backup-policy.yml (or leave it out for the service key).`);
    }
    const status = await kms.send(new GetKeyRotationStatusCommand({ KeyId: metadata.KeyId }));
    if (status.KeyRotationEnabled !== true) return finding('critical', `KMS key ${keyName} in ${region}: automatic rotation is OFF (policy: every ${MAX_ROTATION_DAYS} days)`, action);
    if (status.RotationPeriodInDays !== undefined && status.RotationPeriodInDays > MAX_ROTATION_DAYS) {
      return finding('warning', `KMS key ${keyName} in ${region} rotates every ${status.RotationPeriodInDays} days: the policy wants at most ${MAX_ROTATION_DAYS}`, action);
    }
    return null;
  } catch (error) {
    return finding('warning', `KMS key ${keyName} in ${region}: its rotation cannot be read (${errorName(error)})`, `Check that check-db-posture may kms:DescribeKey and kms:GetKeyRotationStatus on ${keyName} (redeploy), and that the key exists.`);
  }
}
