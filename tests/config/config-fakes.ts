// Small stateful fakes of Parameter Store and Secrets Manager on aws-sdk-client-mock, for the
// configuration restore's tests: versions as the services keep them (a parameter's version numbers
// count up per PutParameter; a secret's versions carry staging labels, AWSCURRENT moving to the new one
// and AWSPREVIOUS to the one before; a ClientRequestToken is the new version's id, and the same token
// with the same value again is a no-op, with another value ResourceExistsException). Every write is
// kept, so a test can say exactly what was written. Only the calls the configuration code makes.

import { DescribeSecretCommand, GetSecretValueCommand, ListSecretsCommand, PutSecretValueCommand, SecretsManagerClient, SecretsManagerServiceException, UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import { DescribeParametersCommand, GetParameterCommand, GetParametersByPathCommand, PutParameterCommand, SSMClient, SSMServiceException } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';

type ParameterType = 'String' | 'StringList' | 'SecureString';
interface ParameterVersion {
  readonly value: string;
  readonly type: ParameterType;
  readonly version: number;
  readonly keyId?: string;
}

const ssmError = (name: string, message: string) => new SSMServiceException({ name, message, $fault: 'client', $metadata: { httpStatusCode: 400 } });
const smError = (name: string, message: string) => new SecretsManagerServiceException({ name, message, $fault: 'client', $metadata: { httpStatusCode: 400 } });

export class FakeParameterStore {
  readonly mock = mockClient(SSMClient);
  readonly #parameters = new Map<string, ParameterVersion[]>();
  /** Per region: a fake answers for the region its client is in, the others are empty. */
  readonly #region: string;
  /** Errors to throw, once each, on the next calls naming a parameter: `{ name, command, error }`. */
  readonly #failures: { name: string; command: string; error: Error }[] = [];

  constructor(region: string) {
    this.#region = region;
    this.install();
  }

  set(name: string, value: string, type: ParameterType = 'String', keyId?: string): void {
    const versions = this.#parameters.get(name) ?? [];
    const defaultKey = type === 'SecureString' ? 'alias/aws/ssm' : undefined;
    const key = keyId ?? (type === 'SecureString' ? versions.at(-1)?.keyId : undefined) ?? defaultKey;
    versions.push({ value, type, version: (versions.at(-1)?.version ?? 0) + 1, ...(key === undefined ? {} : { keyId: key }) });
    this.#parameters.set(name, versions);
  }

  /** DeleteParameter: the parameter and its history are gone. */
  delete(name: string): void {
    this.#parameters.delete(name);
  }

  current(name: string): ParameterVersion | undefined {
    return this.#parameters.get(name)?.at(-1);
  }

  version(name: string, version: number): ParameterVersion | undefined {
    return this.#parameters.get(name)?.find((v) => v.version === version);
  }

  failNext(name: string, command: string, error: Error): void {
    this.#failures.push({ name, command, error });
  }

  #failure(name: string | undefined, command: string): void {
    const index = this.#failures.findIndex((f) => f.name === name && f.command === command);
    if (index >= 0) throw this.#failures.splice(index, 1)[0]!.error;
  }

  async #inRegion(getClient: () => SSMClient): Promise<boolean> {
    return (await getClient().config.region()) === this.#region;
  }

  /** Puts the SSM client back as it was. */
  restore(): void {
    this.mock.restore();
  }

  install(): void {
    this.mock.on(GetParameterCommand).callsFake(async (input: { Name?: string }, getClient: () => SSMClient) => {
      this.#failure(input.Name, 'GetParameter');
      const [name, selector] = (input.Name ?? '').split(':');
      const found = !(await this.#inRegion(getClient)) ? undefined : selector === undefined ? this.current(name!) : this.version(name!, Number(selector));
      if (found === undefined) throw ssmError('ParameterNotFound', 'ParameterNotFound');
      return { Parameter: { Name: name, Type: found.type, Value: found.value, Version: found.version } };
    });
    this.mock.on(GetParametersByPathCommand).callsFake(async (input: { Path?: string; MaxResults?: number; NextToken?: string }, getClient: () => SSMClient) => {
      const names = (await this.#inRegion(getClient)) ? [...this.#parameters.keys()].filter((n) => n.startsWith(input.Path ?? '/')).sort() : [];
      const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
      const page = names.slice(start, start + (input.MaxResults ?? 10));
      const next = start + page.length < names.length ? { NextToken: String(start + page.length) } : {};
      return { Parameters: page.map((name) => ({ Name: name, Type: this.current(name)!.type, Value: this.current(name)!.value, Version: this.current(name)!.version })), ...next };
    });
    this.mock.on(DescribeParametersCommand).callsFake(async (input: { ParameterFilters?: { Key?: string; Option?: string; Values?: string[] }[] }) => {
      const wanted = input.ParameterFilters?.find((f) => f.Key === 'Name')?.Values ?? [];
      return { Parameters: wanted.flatMap((name) => (this.current(name) === undefined ? [] : [{ Name: name, Type: this.current(name)!.type, Version: this.current(name)!.version, ...(this.current(name)!.keyId === undefined ? {} : { KeyId: this.current(name)!.keyId }) }])) };
    });
    this.mock.on(PutParameterCommand).callsFake(async (input: { Name?: string; Value?: string; Type?: ParameterType; Overwrite?: boolean; KeyId?: string }) => {
      this.#failure(input.Name, 'PutParameter');
      const name = input.Name ?? '';
      if (this.current(name) !== undefined && input.Overwrite !== true) throw ssmError('ParameterAlreadyExists', 'The parameter already exists.');
      // Overwritten without a KeyId, a SecureString is encrypted with the AWS managed key.
      this.set(name, input.Value ?? '', input.Type ?? 'String', input.Type === 'SecureString' ? (input.KeyId ?? 'alias/aws/ssm') : undefined);
      return { Version: this.current(name)!.version, Tier: 'Standard' };
    });
  }
}

interface SecretVersion {
  readonly id: string;
  readonly value: string;
  stages: string[];
}

export class FakeSecrets {
  readonly mock = mockClient(SecretsManagerClient);
  readonly #secrets = new Map<string, SecretVersion[]>();
  readonly #region: string;
  readonly #failures: { name: string; command: string; error: Error }[] = [];
  #next = 0;

  constructor(region: string) {
    this.#region = region;
    this.install();
  }

  /** A new AWSCURRENT version of the secret (created if need be). */
  set(name: string, value: string, id = `sv-${++this.#next}`): string {
    const versions = this.#secrets.get(name) ?? [];
    for (const v of versions) v.stages = v.stages.filter((s) => s !== 'AWSPREVIOUS').map((s) => (s === 'AWSCURRENT' ? 'AWSPREVIOUS' : s));
    versions.push({ id, value, stages: ['AWSCURRENT'] });
    this.#secrets.set(name, versions);
    return id;
  }

  current(name: string): SecretVersion | undefined {
    return this.#secrets.get(name)?.find((v) => v.stages.includes('AWSCURRENT'));
  }

  versions(name: string): readonly SecretVersion[] {
    return this.#secrets.get(name) ?? [];
  }

  failNext(name: string, command: string, error: Error): void {
    this.#failures.push({ name, command, error });
  }

  #failure(name: string | undefined, command: string): void {
    const index = this.#failures.findIndex((f) => f.name === name && f.command === command);
    if (index >= 0) throw this.#failures.splice(index, 1)[0]!.error;
  }

  async #found(name: string | undefined, getClient: () => SecretsManagerClient): Promise<SecretVersion[]> {
    const versions = (await getClient().config.region()) === this.#region ? this.#secrets.get(name ?? '') : undefined;
    if (versions === undefined) throw smError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return versions;
  }

  /** Puts the Secrets Manager client back as it was. */
  restore(): void {
    this.mock.restore();
  }

  install(): void {
    this.mock.on(GetSecretValueCommand).callsFake(async (input: { SecretId?: string }, getClient: () => SecretsManagerClient) => {
      this.#failure(input.SecretId, 'GetSecretValue');
      const current = (await this.#found(input.SecretId, getClient)).find((v) => v.stages.includes('AWSCURRENT'))!;
      return { Name: input.SecretId, SecretString: current.value, VersionId: current.id, VersionStages: [...current.stages] };
    });
    this.mock.on(ListSecretsCommand).callsFake(async (input: { Filters?: { Key?: string; Values?: string[] }[] }, getClient: () => SecretsManagerClient) => {
      const prefix = input.Filters?.find((f) => f.Key === 'name')?.Values?.[0] ?? '';
      const names = (await getClient().config.region()) === this.#region ? [...this.#secrets.keys()].filter((n) => n.startsWith(prefix)).sort() : [];
      return { SecretList: names.map((Name) => ({ Name })) };
    });
    this.mock.on(DescribeSecretCommand).callsFake(async (input: { SecretId?: string }, getClient: () => SecretsManagerClient) => {
      const versions = await this.#found(input.SecretId, getClient);
      return { Name: input.SecretId, VersionIdsToStages: Object.fromEntries(versions.filter((v) => v.stages.length > 0).map((v) => [v.id, [...v.stages]])) };
    });
    this.mock.on(UpdateSecretVersionStageCommand).callsFake(async (input: { SecretId?: string; VersionStage?: string; MoveToVersionId?: string; RemoveFromVersionId?: string }, getClient: () => SecretsManagerClient) => {
      const versions = await this.#found(input.SecretId, getClient);
      const stage = input.VersionStage ?? '';
      const holder = versions.find((v) => v.stages.includes(stage));
      // Moving a label that is attached elsewhere needs RemoveFromVersionId naming where it is.
      if (holder !== undefined && holder.id !== input.MoveToVersionId && holder.id !== input.RemoveFromVersionId) throw smError('InvalidParameterException', 'The staging label is attached to another version.');
      const target = versions.find((v) => v.id === input.MoveToVersionId);
      if (target === undefined) throw smError('ResourceNotFoundException', "Secrets Manager can't find the specified secret version.");
      if (holder !== undefined && holder !== target) {
        holder.stages = holder.stages.filter((s) => s !== stage);
        // Moving AWSCURRENT gives the version it left AWSPREVIOUS, as Secrets Manager does.
        if (stage === 'AWSCURRENT') {
          for (const v of versions) v.stages = v.stages.filter((s) => s !== 'AWSPREVIOUS');
          holder.stages.push('AWSPREVIOUS');
        }
      }
      if (!target.stages.includes(stage)) target.stages.push(stage);
      return { Name: input.SecretId };
    });
    this.mock.on(PutSecretValueCommand).callsFake(async (input: { SecretId?: string; SecretString?: string; ClientRequestToken?: string }, getClient: () => SecretsManagerClient) => {
      this.#failure(input.SecretId, 'PutSecretValue');
      const versions = await this.#found(input.SecretId, getClient);
      const same = versions.find((v) => v.id === input.ClientRequestToken);
      if (same !== undefined) {
        if (same.value !== input.SecretString) throw smError('ResourceExistsException', 'A resource with the ID you requested already exists.');
        return { Name: input.SecretId, VersionId: same.id, VersionStages: [...same.stages] };
      }
      const id = this.set(input.SecretId ?? '', input.SecretString ?? '', input.ClientRequestToken);
      return { Name: input.SecretId, VersionId: id, VersionStages: ['AWSCURRENT'] };
    });
  }
}
