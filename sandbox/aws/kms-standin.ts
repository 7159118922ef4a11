// A stand-in for the KMS call backup-dr makes (DescribeKey: resolving the policy's alias to the key ARN
// RDS reports on a snapshot), answered from the same key directory the RDS stand-in encrypts with, per
// Region of the calling client. An unknown key is KMS's NotFoundException; a key RDS is denied still
// describes (DescribeKey works on a disabled key), as `Disabled`. GetKeyRotationStatus (by key id or ARN,
// as KMS takes it) answers what the stack sets on its keys: automatic rotation every 90 days.

import { DescribeKeyCommand, GetKeyRotationStatusCommand, KMSClient, NotFoundException } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import type { KmsDirectory } from './rds/kms.js';

export class KmsStandIn {
  #mock: { restore(): void } | undefined;

  constructor(private readonly keys: KmsDirectory) {}

  install(): void {
    const mock = mockClient(KMSClient);
    mock.on(DescribeKeyCommand).callsFake(async (input: { KeyId?: string }, getClient: () => KMSClient) => {
      const region = await getClient().config.region();
      const given = input.KeyId ?? '';
      const arn = this.keys.lookup(region, given);
      if (arn === undefined) throw new NotFoundException({ message: `Key '${given}' does not exist`, $metadata: { httpStatusCode: 400 } });
      const keyId = arn.slice(arn.indexOf(':key/') + 5);
      const enabled = !this.keys.isDenied(region, given);
      return { KeyMetadata: { KeyId: keyId, Arn: arn, Enabled: enabled, KeyState: enabled ? 'Enabled' : 'Disabled', KeyManager: 'CUSTOMER', KeyUsage: 'ENCRYPT_DECRYPT' } };
    });
    mock.on(GetKeyRotationStatusCommand).callsFake(async (input: { KeyId?: string }) => {
      const given = input.KeyId ?? '';
      if (given === '' || given.startsWith('alias/')) throw new NotFoundException({ message: `Invalid keyId '${given}'`, $metadata: { httpStatusCode: 400 } });
      return { KeyId: given, KeyRotationEnabled: true, RotationPeriodInDays: 90 };
    });
    this.#mock = mock;
  }

  restore(): void {
    this.#mock?.restore();
    this.#mock = undefined;
  }
}
