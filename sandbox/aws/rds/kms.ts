// The KMS keys RDS can see, per Region: how a KmsKeyId (key ARN, key id, alias name or alias ARN) resolves
// to the key ARN RDS reports, and which keys are out of reach (KMSKeyNotAccessibleFault).

import { kmsKeyNotAccessible } from './errors.js';
import { stableToken } from './model.js';

const uuidLike = (seed: string) => {
  const hex = stableToken(seed, 32, '0123456789abcdef');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

export class KmsDirectory {
  readonly #names = new Map<string, Map<string, string>>();
  readonly #denied = new Map<string, Set<string>>();

  constructor(readonly account: string) {}

  /** The AWS managed key `alias/aws/rds` of a Region. */
  managedRdsKey(region: string): string {
    return `arn:aws:kms:${region}:${this.account}:key/${uuidLike(`${region}/aws/rds`)}`;
  }

  /** Make `aliasOrId` (e.g. `alias/backup-dr`, a key id, or a key ARN) resolve to `keyArn` in `region`. */
  add(region: string, aliasOrId: string, keyArn: string): void {
    const names = this.#names.get(region) ?? new Map<string, string>();
    names.set(aliasOrId, keyArn);
    names.set(keyArn, keyArn);
    this.#names.set(region, names);
  }

  /** Every later use of this key (by any of its names) in `region` fails with KMSKeyNotAccessibleFault. */
  deny(region: string, keyIdOrAliasOrArn: string): void {
    const denied = this.#denied.get(region) ?? new Set<string>();
    denied.add(keyIdOrAliasOrArn);
    this.#denied.set(region, denied);
  }

  clearDenials(): void {
    this.#denied.clear();
  }

  /** The key ARN that `given` names in `region`, or KMSKeyNotAccessibleFault. */
  resolve(region: string, given: string): string {
    const arn = this.#lookup(region, given);
    if (arn === undefined || this.#isDenied(region, given, arn)) throw kmsKeyNotAccessible(given);
    return arn;
  }

  /** The key ARN that `given` names in `region` (denied or not), or undefined when it names no key. */
  lookup(region: string, given: string): string | undefined {
    return this.#lookup(region, given);
  }

  /** Whether uses of the key `given` names in `region` are refused (see `deny`). */
  isDenied(region: string, given: string): boolean {
    const arn = this.#lookup(region, given);
    return arn !== undefined && this.#isDenied(region, given, arn);
  }

  #lookup(region: string, given: string): string | undefined {
    const registered = this.#names.get(region)?.get(given);
    if (registered !== undefined) return registered;
    const keyArn = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):key\/(.+)$/.exec(given);
    if (keyArn) return keyArn[1] === region && keyArn[2] === this.account ? given : undefined;
    const aliasArn = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):(alias\/.+)$/.exec(given);
    if (aliasArn) return aliasArn[1] === region && aliasArn[2] === this.account ? this.#lookupAlias(region, aliasArn[3]!) : undefined;
    if (given.startsWith('alias/')) return this.#lookupAlias(region, given);
    // A bare key id names a key in this account and Region; KMS keys can't be enumerated here, so it exists.
    return /^[A-Za-z0-9-]+$/.test(given) ? `arn:aws:kms:${region}:${this.account}:key/${given}` : undefined;
  }

  #lookupAlias(region: string, alias: string): string | undefined {
    if (alias === 'alias/aws/rds') return this.managedRdsKey(region);
    return this.#names.get(region)?.get(alias);
  }

  #isDenied(region: string, given: string, arn: string): boolean {
    for (const entry of this.#denied.get(region) ?? []) {
      if (entry === given || entry === arn || this.#lookup(region, entry) === arn) return true;
    }
    return false;
  }
}
