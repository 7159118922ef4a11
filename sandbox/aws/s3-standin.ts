// A stand-in for the S3 calls backup-dr makes on the reports and export buckets: objects kept in memory
// per bucket and key, with versions, bytes and tags, so evidence, manifests, validation reports and
// exported .rdb files written by the real handlers can be read back and inspected. As S3 documents:
// GetObject and PutObjectTagging of a given VersionId; HEAD answers 404 NotFound for a missing key and,
// in checksum mode, the object's full-object checksum (this stand-in stores SHA-256, one of the
// algorithms S3 keeps); the ETag is the MD5 of the content (a single-part upload's); a body streams in
// chunks. Reads under a prefix can be denied the way S3 denies a role without s3:GetObject there, and a
// missing key read by a role without s3:ListBucket is AccessDenied (403) rather than NoSuchKey (404).

import { createHash } from 'node:crypto';
import {
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';

export interface StoredObject {
  readonly bucket: string;
  readonly key: string;
  /** The content as UTF-8 text (JSON documents); `bytes` is the content itself. */
  readonly body: string;
  readonly bytes: Buffer;
  readonly versionId: string;
  readonly etag: string;
  readonly lastModified: number;
  /** The version's tag set (PutObjectTagging replaces it whole). */
  tags: Record<string, string>;
  readonly serverSideEncryption?: string;
}

/** How many bytes a streamed body hands over at a time. */
const CHUNK = 64 * 1024;

function notFound(): S3ServiceException {
  return new S3ServiceException({ name: 'NotFound', message: 'Not Found', $fault: 'client', $metadata: { httpStatusCode: 404 } });
}

function asBuffer(body: unknown): Buffer {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body);
  throw new TypeError('the S3 stand-in takes a string, a Buffer or a Uint8Array as Body (not a stream)');
}

function noSuchKey(key: string): S3ServiceException {
  return new S3ServiceException({ name: 'NoSuchKey', message: `The specified key does not exist: ${key}`, $fault: 'client', $metadata: { httpStatusCode: 404 } });
}

function accessDenied(): S3ServiceException {
  return new S3ServiceException({ name: 'AccessDenied', message: 'Access Denied', $fault: 'client', $metadata: { httpStatusCode: 403 } });
}

/** A call the stand-in answered, with the Region of the client that sent it. */
export interface S3Request {
  readonly command: 'PutObject' | 'GetObject' | 'ListObjectsV2' | 'HeadObject' | 'GetObjectTagging' | 'PutObjectTagging';
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

  /** Stores an object as if PutObject had (for a test's or drill's setup, or what ElastiCache or replication writes). */
  put(bucket: string, key: string, body: string | Buffer, tags: Record<string, string> = {}): StoredObject {
    return this.#store({ bucket, key, bytes: asBuffer(body), tags });
  }

  #store(input: { bucket: string; key: string; bytes: Buffer; tags?: Record<string, string>; serverSideEncryption?: string }): StoredObject {
    this.#version += 1;
    const { bytes, tags, ...rest } = input;
    const object: StoredObject = { ...rest, bytes, body: bytes.toString('utf8'), tags: { ...tags }, versionId: `v${this.#version}`, etag: `"${createHash('md5').update(bytes).digest('hex')}"`, lastModified: Date.now() };
    this.#objects.set(`${input.bucket}/${input.key}`, [...(this.#objects.get(`${input.bucket}/${input.key}`) ?? []), object]);
    return object;
  }

  /** The current version, or the one named; throws as S3 would when there is none. */
  #versionOf(bucket: string | undefined, key: string | undefined, versionId?: string): StoredObject | undefined {
    const versions = this.#objects.get(`${bucket ?? ''}/${key ?? ''}`);
    return versionId === undefined ? versions?.at(-1) : versions?.find((v) => v.versionId === versionId);
  }

  install(): void {
    const mock = mockClient(S3Client);
    mock.on(PutObjectCommand).callsFake(async (input: { Bucket?: string; Key?: string; Body?: unknown; ServerSideEncryption?: string; IfNoneMatch?: string; IfMatch?: string }, getClient: () => S3Client) => {
      this.#requests.push({ command: 'PutObject', region: await getClient().config.region(), bucket: input.Bucket ?? '', key: input.Key ?? '' });
      // Conditional writes: If-None-Match "*" writes only a new key; If-Match only over that ETag (412 otherwise).
      const current = this.#objects.get(`${input.Bucket ?? ''}/${input.Key ?? ''}`)?.at(-1);
      if ((input.IfNoneMatch === '*' && current !== undefined) || (input.IfMatch !== undefined && (current === undefined || input.IfMatch !== current.etag))) {
        throw new S3ServiceException({ name: 'PreconditionFailed', message: 'At least one of the pre-conditions you specified did not hold', $fault: 'client', $metadata: { httpStatusCode: 412 } });
      }
      const object = this.#store({ bucket: input.Bucket ?? '', key: input.Key ?? '', bytes: asBuffer(input.Body), ...(input.ServerSideEncryption === undefined ? {} : { serverSideEncryption: input.ServerSideEncryption }) });
      return { VersionId: object.versionId, ETag: object.etag };
    });
    mock.on(GetObjectCommand).callsFake(async (input: { Bucket?: string; Key?: string; VersionId?: string }, getClient: () => S3Client) => {
      this.#requests.push({ command: 'GetObject', region: await getClient().config.region(), bucket: input.Bucket ?? '', key: input.Key ?? '' });
      if (this.#deniedReads.some((prefix) => (input.Key ?? '').startsWith(prefix))) throw accessDenied();
      const found = this.#versionOf(input.Bucket, input.Key, input.VersionId);
      if (found === undefined) throw this.#canList ? noSuchKey(input.Key ?? '') : accessDenied();
      // The SDK's streaming body, reduced to what the handlers use: the text, the bytes, or chunk by chunk.
      const bytes = found.bytes;
      const body = {
        transformToString: async () => found.body,
        transformToByteArray: async () => new Uint8Array(bytes),
        async *[Symbol.asyncIterator]() {
          for (let at = 0; at < bytes.length; at += CHUNK) yield new Uint8Array(bytes.subarray(at, at + CHUNK));
        },
      };
      return { Body: body as never, VersionId: found.versionId, ETag: found.etag, ContentLength: bytes.length, ContentType: 'application/json' };
    });
    mock.on(HeadObjectCommand).callsFake(async (input: { Bucket?: string; Key?: string; VersionId?: string; ChecksumMode?: string }, getClient: () => S3Client) => {
      this.#requests.push({ command: 'HeadObject', region: await getClient().config.region(), bucket: input.Bucket ?? '', key: input.Key ?? '' });
      const found = this.#versionOf(input.Bucket, input.Key, input.VersionId);
      // HEAD has no body to carry an error code: a missing key is a bare 404 (403 without s3:ListBucket).
      if (found === undefined) throw this.#canList ? notFound() : accessDenied();
      const checksum = input.ChecksumMode === 'ENABLED' ? { ChecksumSHA256: createHash('sha256').update(found.bytes).digest('base64'), ChecksumType: 'FULL_OBJECT' as const } : {};
      return { ContentLength: found.bytes.length, ETag: found.etag, VersionId: found.versionId, LastModified: new Date(found.lastModified), ...checksum };
    });
    mock.on(GetObjectTaggingCommand).callsFake(async (input: { Bucket?: string; Key?: string; VersionId?: string }, getClient: () => S3Client) => {
      this.#requests.push({ command: 'GetObjectTagging', region: await getClient().config.region(), bucket: input.Bucket ?? '', key: input.Key ?? '' });
      const found = this.#versionOf(input.Bucket, input.Key, input.VersionId);
      if (found === undefined) throw noSuchKey(input.Key ?? '');
      return { VersionId: found.versionId, TagSet: Object.entries(found.tags).map(([Key, Value]) => ({ Key, Value })) };
    });
    mock.on(PutObjectTaggingCommand).callsFake(async (input: { Bucket?: string; Key?: string; VersionId?: string; Tagging?: { TagSet?: { Key?: string; Value?: string }[] } }, getClient: () => S3Client) => {
      this.#requests.push({ command: 'PutObjectTagging', region: await getClient().config.region(), bucket: input.Bucket ?? '', key: input.Key ?? '' });
      const found = this.#versionOf(input.Bucket, input.Key, input.VersionId);
      if (found === undefined) throw noSuchKey(input.Key ?? '');
      found.tags = Object.fromEntries((input.Tagging?.TagSet ?? []).map((t): [string, string] => [t.Key ?? '', t.Value ?? '']));
      return { VersionId: found.versionId };
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

  /** The current version of an object, or undefined. */
  object(bucket: string, key: string): StoredObject | undefined {
    return this.#objects.get(`${bucket}/${key}`)?.at(-1);
  }
}
