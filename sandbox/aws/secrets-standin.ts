// A stand-in for the Secrets Manager call backup-dr makes (GetSecretValue: the database credentials a
// restore test connects with), per Region of the calling client, by name or ARN. An unknown secret is
// Secrets Manager's ResourceNotFoundException.

import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { LOCAL_ACCOUNT } from '../lambda-context.js';

interface StoredSecret {
  readonly arn: string;
  readonly name: string;
  readonly value: string;
}

export class SecretsStandIn {
  readonly #secrets = new Map<string, StoredSecret[]>();
  #mock: { restore(): void } | undefined;

  /** Stores `value` (a string, or JSON for an object) as the secret `name` in `region`. */
  put(region: string, name: string, value: string | Readonly<Record<string, unknown>>): void {
    const secret = {
      // Secrets Manager appends six random characters to the name in the ARN.
      arn: `arn:aws:secretsmanager:${region}:${LOCAL_ACCOUNT}:secret:${name}-AbCdEf`,
      name,
      value: typeof value === 'string' ? value : JSON.stringify(value),
    };
    this.#secrets.set(region, [...(this.#secrets.get(region) ?? []).filter((s) => s.name !== name), secret]);
  }

  install(): void {
    const mock = mockClient(SecretsManagerClient);
    mock.on(GetSecretValueCommand).callsFake(async (input: { SecretId?: string }, getClient: () => SecretsManagerClient) => {
      const region = await getClient().config.region();
      const id = input.SecretId ?? '';
      const secret = this.#secrets.get(region)?.find((s) => s.name === id || s.arn === id);
      if (secret === undefined) throw new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: { httpStatusCode: 400 } });
      return { ARN: secret.arn, Name: secret.name, SecretString: secret.value, VersionId: 'v1', VersionStages: ['AWSCURRENT'] };
    });
    this.#mock = mock;
  }

  restore(): void {
    this.#mock?.restore();
    this.#mock = undefined;
  }
}
