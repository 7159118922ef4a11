// A stand-in for the Secrets Manager calls backup-dr makes, per Region of the calling client, by name or
// ARN: GetSecretValue (the database credentials a restore test connects with; a configuration's secrets),
// ListSecrets (a configuration's secrets under a prefix) and PutSecretValue (a configuration restore), with
// versions as Secrets Manager keeps them. An unknown secret is ResourceNotFoundException.
//
// As the API reference documents them: each PutSecretValue makes a new version whose VersionId is the
// ClientRequestToken (the SDK generates one when none is given; a UUID here) — the same token with the
// same value again is a no-op answering the same version, with another value ResourceExistsException —
// and moves the staging label AWSCURRENT to it and AWSPREVIOUS to the version that had AWSCURRENT.
// GetSecretValue reads AWSCURRENT unless a VersionId or VersionStage is named (a version without that
// stage, or a stage on no version, is ResourceNotFoundException) and answers CreatedDate, the version's.
// ListSecrets's `name` filter matches names that begin with the value, case-sensitively; at most
// MaxResults (1-100, default 100) a page with NextToken for the rest; it answers names and metadata, never
// a value.

import {
  GetSecretValueCommand,
  InvalidParameterException,
  ListSecretsCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { randomUUID } from 'node:crypto';
import { LOCAL_ACCOUNT } from '../lambda-context.js';

interface SecretVersion {
  readonly versionId: string;
  readonly value: string;
  readonly createdAt: number;
  stages: string[];
}

interface StoredSecret {
  readonly arn: string;
  readonly name: string;
  /** Oldest first. */
  readonly versions: SecretVersion[];
}

const CURRENT = 'AWSCURRENT';
const PREVIOUS = 'AWSPREVIOUS';
const notFound = () => new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: { httpStatusCode: 400 } });
const notFoundVersion = () => new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT", $metadata: { httpStatusCode: 400 } });

export class SecretsStandIn {
  readonly #secrets = new Map<string, StoredSecret[]>();
  #mock: { restore(): void } | undefined;
  readonly #now: () => number;

  /** `now`: the time versions are created at (default the real time). */
  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  /**
   * Stores `value` (a string, or JSON for an object) as the secret `name` in `region`: its first version
   * ("v1"), or a new current version of a secret already there, as PutSecretValue makes one.
   */
  put(region: string, name: string, value: string | Readonly<Record<string, unknown>>): void {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    const existing = this.#find(region, name);
    if (existing === undefined) {
      const secret: StoredSecret = {
        // Secrets Manager appends six random characters to the name in the ARN.
        arn: `arn:aws:secretsmanager:${region}:${LOCAL_ACCOUNT}:secret:${name}-AbCdEf`,
        name,
        versions: [{ versionId: 'v1', value: text, createdAt: this.#now(), stages: [CURRENT] }],
      };
      this.#secrets.set(region, [...(this.#secrets.get(region) ?? []), secret]);
      return;
    }
    this.#addVersion(existing, randomUUID(), text);
  }

  /** The versions of a secret, oldest first (for a test's or drill's checks); empty when there is none. */
  versions(region: string, name: string): readonly { versionId: string; value: string; stages: readonly string[]; createdAt: number }[] {
    return (this.#find(region, name)?.versions ?? []).map((v) => ({ ...v, stages: [...v.stages] }));
  }

  #find(region: string, id: string): StoredSecret | undefined {
    return this.#secrets.get(region)?.find((s) => s.name === id || s.arn === id);
  }

  #addVersion(secret: StoredSecret, versionId: string, value: string): SecretVersion {
    for (const v of secret.versions) {
      v.stages = v.stages.filter((s) => s !== PREVIOUS);
      if (v.stages.includes(CURRENT)) v.stages = [...v.stages.filter((s) => s !== CURRENT), PREVIOUS];
    }
    const version: SecretVersion = { versionId, value, createdAt: this.#now(), stages: [CURRENT] };
    secret.versions.push(version);
    return version;
  }

  install(): void {
    const mock = mockClient(SecretsManagerClient);
    mock.on(GetSecretValueCommand).callsFake(async (input: { SecretId?: string; VersionId?: string; VersionStage?: string }, getClient: () => SecretsManagerClient) => {
      const secret = this.#find(await getClient().config.region(), input.SecretId ?? '');
      if (secret === undefined) throw notFound();
      const stage = input.VersionStage ?? (input.VersionId === undefined ? CURRENT : undefined);
      const version = secret.versions.find((v) => (input.VersionId === undefined || v.versionId === input.VersionId) && (stage === undefined || v.stages.includes(stage)));
      if (version === undefined) throw notFoundVersion();
      return { ARN: secret.arn, Name: secret.name, SecretString: version.value, VersionId: version.versionId, VersionStages: [...version.stages], CreatedDate: new Date(version.createdAt) };
    });
    mock.on(PutSecretValueCommand).callsFake(async (input: { SecretId?: string; SecretString?: string; ClientRequestToken?: string; VersionStages?: string[] }, getClient: () => SecretsManagerClient) => {
      const secret = this.#find(await getClient().config.region(), input.SecretId ?? '');
      if (secret === undefined) throw notFound();
      if (input.SecretString === undefined) throw new InvalidParameterException({ message: 'You must provide either SecretString or SecretBinary.', $metadata: { httpStatusCode: 400 } });
      if (input.VersionStages !== undefined) throw new InvalidParameterException({ message: 'The stand-in moves AWSCURRENT only: VersionStages is not modelled.', $metadata: { httpStatusCode: 400 } });
      const token = input.ClientRequestToken ?? randomUUID();
      const earlier = secret.versions.find((v) => v.versionId === token);
      if (earlier !== undefined) {
        // The same request again (a retry) is a no-op; the token with another value is refused.
        if (earlier.value !== input.SecretString) throw new ResourceExistsException({ message: `A resource with the ID you requested already exists.`, $metadata: { httpStatusCode: 400 } });
        return { ARN: secret.arn, Name: secret.name, VersionId: earlier.versionId, VersionStages: [...earlier.stages] };
      }
      const version = this.#addVersion(secret, token, input.SecretString);
      return { ARN: secret.arn, Name: secret.name, VersionId: version.versionId, VersionStages: [...version.stages] };
    });
    mock.on(ListSecretsCommand).callsFake(async (input: { Filters?: { Key?: string; Values?: string[] }[]; MaxResults?: number; NextToken?: string }, getClient: () => SecretsManagerClient) => {
      const max = input.MaxResults ?? 100;
      if (max < 1 || max > 100) throw new InvalidParameterException({ message: 'MaxResults must be between 1 and 100.', $metadata: { httpStatusCode: 400 } });
      const filters = input.Filters ?? [];
      if (filters.some((f) => f.Key !== 'name')) throw new InvalidParameterException({ message: 'The stand-in filters by name only.', $metadata: { httpStatusCode: 400 } });
      // Each filter's values are ORed; filters are ANDed; a name filter matches names that begin with the value.
      const matching = (this.#secrets.get(await getClient().config.region()) ?? [])
        .filter((s) => filters.every((f) => (f.Values ?? []).some((value) => s.name.startsWith(value))))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
      const page = matching.slice(start, start + max);
      const more = start + max < matching.length;
      return {
        SecretList: page.map((s) => ({ ARN: s.arn, Name: s.name, LastChangedDate: new Date(s.versions.at(-1)!.createdAt), SecretVersionsToStages: Object.fromEntries(s.versions.filter((v) => v.stages.length > 0).map((v) => [v.versionId, [...v.stages]])) })),
        ...(more ? { NextToken: String(start + max) } : {}),
      };
    });
    this.#mock = mock;
  }

  restore(): void {
    this.#mock?.restore();
    this.#mock = undefined;
  }
}
