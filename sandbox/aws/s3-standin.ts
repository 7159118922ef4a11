// A stand-in for the S3 calls backup-dr makes (PutObject, GetObject) on the reports bucket: objects kept
// in memory per bucket and key, with versions, so evidence, manifests and validation reports written by
// the real handlers can be read back and inspected. Reads under a prefix can be denied the way S3 denies
// a role without s3:GetObject there, and a missing key read by a role without s3:ListBucket is
// AccessDenied (403) rather than NoSuchKey (404), as S3 answers.

import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';

export interface StoredObject {
  readonly bucket: string;
  readonly key: string;
  readonly body: string;
  readonly versionId: string;
  readonly serverSideEncryption?: string;
}

function noSuchKey(key: string): S3ServiceException {
  return new S3ServiceException({ name: 'NoSuchKey', message: `The specified key does not exist: ${key}`, $fault: 'client', $metadata: { httpStatusCode: 404 } });
}

function accessDenied(): S3ServiceException {
  return new S3ServiceException({ name: 'AccessDenied', message: 'Access Denied', $fault: 'client', $metadata: { httpStatusCode: 403 } });
}

/** A call the stand-in answered, with the Region of the client that sent it. */
export interface S3Request {
  readonly command: 'PutObject' | 'GetObject' | 'ListObjectsV2';
  /** The object's key; for a listing, its prefix. */
  readonly region: string;
  readonly bucket: string;
  readonly key: string;
}

export class S3StandIn {
  readonly #objects = new Map<string, StoredObject[]>();
  readonly #requests: S3Request[] = [];
  readonly #deniedReads: string[] = [];
  #canList = true;
  #mock: { restore(): void } | undefined;
  #version = 0;

  /** From now on, GetObject of any key starting with `prefix` is AccessDenied (whether the key exists or not). */
  denyReads(prefix: string): void {
    this.#deniedReads.push(prefix);
  }

  /**
   * The caller may not s3:ListBucket: a missing key is then AccessDenied (403), not NoSuchKey (404), as the
   * GetObject API reference says S3 answers.
   */
  withoutListBucket(): void {
    this.#canList = false;
  }

  /** Stores an object as if PutObject had (for a test's or drill's setup). */
  put(bucket: string, key: string, body: string): void {
    this.#store({ bucket, key, body });
  }

  #store(input: { bucket: string; key: string; body: string; serverSideEncryption?: string }): StoredObject {
    this.#version += 1;
    const object: StoredObject = { ...input, versionId: `v${this.#version}` };
    this.#objects.set(`${input.bucket}/${input.key}`, [...(this.#objects.get(`${input.bucket}/${input.key}`) ?? []), object]);
    return object;
  }

  install(): void {
    const mock = mockClient(S3Client);
    mock.on(PutObjectCommand).callsFake(async (input: { Bucket?: string; Key?: string; Body?: unknown; ServerSideEncryption?: string; IfNoneMatch?: string; IfMatch?: string }, getClient: () => S3Client) => {
      this.#requests.push({ command: 'PutObject', region: await getClient().config.region(), bucket: input.Bucket ?? '', key: input.Key ?? '' });
      // Conditional writes: If-None-Match "*" writes only a new key; If-Match only over that ETag (412 otherwise).
      const current = this.#objects.get(`${input.Bucket ?? ''}/${input.Key ?? ''}`)?.at(-1);
      if ((input.IfNoneMatch === '*' && current !== undefined) || (input.IfMatch !== undefined && (current === undefined || input.IfMatch !== `"${current.versionId}"`))) {
        throw new S3ServiceException({ name: 'PreconditionFailed', message: 'At least one of the pre-conditions you specified did not hold', $fault: 'client', $metadata: { httpStatusCode: 412 } });
      }
      const body = typeof input.Body === 'string' ? input.Body : String(input.Body);
      const object = this.#store({ bucket: input.Bucket ?? '', key: input.Key ?? '', body, ...(input.ServerSideEncryption === undefined ? {} : { serverSideEncryption: input.ServerSideEncryption }) });
      return { VersionId: object.versionId, ETag: `"${object.versionId}"` };
    });
    mock.on(GetObjectCommand).callsFake(async (input: { Bucket?: string; Key?: string }, getClient: () => S3Client) => {
      this.#requests.push({ command: 'GetObject', region: await getClient().config.region(), bucket: input.Bucket ?? '', key: input.Key ?? '' });
      if (this.#deniedReads.some((prefix) => (input.Key ?? '').startsWith(prefix))) throw accessDenied();
      const versions = this.#objects.get(`${input.Bucket ?? ''}/${input.Key ?? ''}`);
      const latest = versions?.at(-1);
      if (latest === undefined) throw this.#canList ? noSuchKey(input.Key ?? '') : accessDenied();
      // The SDK's streaming body, reduced to the method the handlers use.
      const body = { transformToString: async () => latest.body, transformToByteArray: async () => new TextEncoder().encode(latest.body) };
      return { Body: body as never, VersionId: latest.versionId, ETag: `"${latest.versionId}"`, ContentType: 'application/json' };
    });
    // ListObjectsV2 as S3 documents it: keys in UTF-8 binary order, at most MaxKeys (default 1,000) a
    // page, IsTruncated + NextContinuationToken for the rest; without s3:ListBucket, AccessDenied.
    mock.on(ListObjectsV2Command).callsFake(async (input: { Bucket?: string; Prefix?: string; MaxKeys?: number; ContinuationToken?: string }, getClient: () => S3Client) => {
      this.#requests.push({ command: 'ListObjectsV2', region: await getClient().config.region(), bucket: input.Bucket ?? '', key: input.Prefix ?? '' });
      if (!this.#canList) throw accessDenied();
      const keys = this.objects()
        .filter((o) => o.bucket === input.Bucket && o.key.startsWith(input.Prefix ?? ''))
        .map((o) => o.key)
        .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      const start = input.ContinuationToken === undefined ? 0 : Number(input.ContinuationToken);
      const size = Math.min(input.MaxKeys ?? 1000, 1000);
      const page = keys.slice(start, start + size);
      const truncated = start + size < keys.length;
      return { Contents: page.map((Key) => ({ Key })), KeyCount: page.length, IsTruncated: truncated, ...(truncated ? { NextContinuationToken: String(start + size) } : {}) };
    });
    this.#mock = mock;
  }

  restore(): void {
    this.#mock?.restore();
    this.#mock = undefined;
  }

  /** Every call answered, in order. */
  requests(): readonly S3Request[] {
    return this.#requests;
  }

  /** Current versions of every object, in write order. */
  objects(): StoredObject[] {
    return [...this.#objects.values()].map((versions) => versions.at(-1) as StoredObject);
  }

  read(bucket: string, key: string): string | undefined {
    return this.#objects.get(`${bucket}/${key}`)?.at(-1)?.body;
  }
}
