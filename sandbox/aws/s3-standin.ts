// A stand-in for the S3 calls backup-dr makes on the reports and export buckets: objects kept in memory
// per bucket and key, with versions, bytes and tags, so evidence, manifests, validation reports and
// exported .rdb files written by the real handlers can be read back and inspected. As S3 documents:
// GetObject (with the user metadata, and in checksum mode the SHA-256; NoSuchVersion for an unknown
// version) and PutObjectTagging of a given VersionId; PutObject keeps the user metadata; HEAD answers 404 NotFound for a missing key and,
// in checksum mode, the object's full-object checksum (this stand-in stores SHA-256, one of the
// algorithms S3 keeps); the ETag is the MD5 of the content (a single-part upload's); a body streams in
// chunks. Reads under a prefix can be denied the way S3 denies a role without s3:GetObject there, and a
// missing key read by a role without s3:ListBucket is AccessDenied (403) rather than NoSuchKey (404).
// Versioning as the S3 user guide describes it: DeleteObject without a version puts a delete marker (the
// key then reads 404, its versions stay); with one it removes that version; ListObjectVersions lists
// versions and delete markers apart, by key in binary order and newest first, with KeyMarker and
// VersionIdMarker; CopyObject copies a given version (STANDARD unless told, metadata copied or
// replaced) and refuses an archived one (403 InvalidObjectState) until RestoreObject has made it
// readable (202 the first time, 409 RestoreAlreadyInProgress while it runs; HEAD says `ongoing-request`).
// Checksums as S3 keeps them: PutObject with ChecksumSHA256 is refused (400 BadDigest) when the bytes
// do not give it, and the SHA-256 of what was written is stored with the version; HEAD and GetObject in
// checksum mode answer the stored one, GetObject the user metadata and content type written with it.
// `tamper` changes a version's bytes and nothing else — the stored checksum, ETag and metadata stay — as
// corruption at rest or a write around S3's API would; `replicate` copies versions into another bucket
// as S3 replication does (same version id, bytes, metadata and checksum; REPLICA on the copy).

import { createHash } from 'node:crypto';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  RestoreObjectCommand,
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
  /** A delete marker: no content; the key reads as missing while it is the newest entry. */
  readonly deleteMarker?: boolean;
  readonly storageClass: string;
  /** User metadata (x-amz-meta-…) and the content type. */
  readonly metadata: Record<string, string>;
  readonly contentType?: string;
  /** An archived version's restore: running, or done (readable until it expires). */
  restore?: { ongoing: boolean };
  /** x-amz-replication-status: PENDING, COMPLETED or FAILED on a source object, REPLICA on a replica. */
  replicationStatus?: string;
  /** Uploaded without a checksum (before S3 stored one by default): HEAD in checksum mode reports none. */
  readonly noChecksum?: boolean;
  /** The SHA-256 (base64) of the bytes as written: what S3 stored, kept when the bytes are tampered with. */
  readonly sha256: string;
}

/** Storage classes whose objects must be restored before they can be read or copied. */
const ARCHIVED = new Set(['GLACIER', 'DEEP_ARCHIVE']);

function s3Error(name: string, message: string, httpStatusCode: number): S3ServiceException {
  return new S3ServiceException({ name, message, $fault: 'client', $metadata: { httpStatusCode } });
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
  readonly command: 'PutObject' | 'GetObject' | 'ListObjectsV2' | 'HeadObject' | 'GetObjectTagging' | 'PutObjectTagging' | 'ListObjectVersions' | 'DeleteObject' | 'CopyObject' | 'RestoreObject';
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
  readonly #now: () => number;

  /** `now`: the time new versions are written at (default the real time; a sandbox clock in simulations). */
  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

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
  put(bucket: string, key: string, body: string | Buffer, tags: Record<string, string> = {}, options: { storageClass?: string; metadata?: Record<string, string>; versionId?: string; lastModified?: number; replicationStatus?: string; checksum?: boolean } = {}): StoredObject {
    return this.#store({ bucket, key, bytes: asBuffer(body), tags, ...options });
  }

  /** A delete marker on `key`, as DeleteObject without a version id puts one. */
  putDeleteMarker(bucket: string, key: string, options: { versionId?: string; lastModified?: number } = {}): StoredObject {
    return this.#store({ bucket, key, bytes: Buffer.alloc(0), deleteMarker: true, ...options });
  }

  /** Every key of a bucket with any entry (versions or delete markers), in binary order. */
  keys(bucket: string): string[] {
    return [...this.#objects.keys()]
      .filter((k) => k.startsWith(`${bucket}/`) && (this.#objects.get(k)?.length ?? 0) > 0)
      .map((k) => k.slice(bucket.length + 1))
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  }

  /** Every entry of a key, oldest first (versions and delete markers). */
  versions(bucket: string, key: string): readonly StoredObject[] {
    return this.#objects.get(`${bucket}/${key}`) ?? [];
  }

  /** Archive restores under way complete (hours pass). */
  completeRestores(): void {
    for (const versions of this.#objects.values()) for (const v of versions) if (v.restore?.ongoing === true) v.restore = { ongoing: false };
  }

  /**
   * Changes the bytes of the current version of `key` (or the one named) and nothing else: S3's stored
   * checksum, the ETag and the metadata stay those of what was written — corruption or tampering that
   * only a reader checking the bytes against the stored checksum finds.
   */
  tamper(bucket: string, key: string, change: (bytes: Buffer) => Buffer | string, versionId?: string): StoredObject {
    const versions = this.#objects.get(`${bucket}/${key}`) ?? [];
    const found = this.#versionOf(bucket, key, versionId);
    if (found === undefined || found.deleteMarker === true) throw new Error(`the S3 stand-in has no version of s3://${bucket}/${key} to tamper with`);
    const bytes = asBuffer(change(Buffer.from(found.bytes)));
    const tampered: StoredObject = { ...found, bytes, body: bytes.toString('utf8') };
    versions[versions.indexOf(found)] = tampered;
    return tampered;
  }

  /**
   * S3 replication from `source` to `destination`: every version under `prefix` not yet there, with the
   * same version id, bytes, metadata, content type, checksum and time; REPLICA on the copy, COMPLETED on the
   * source. Delete markers are not replicated (the config and media rules say so). The versions copied.
   */
  replicate(source: string, destination: string, prefix = ''): StoredObject[] {
    const copied: StoredObject[] = [];
    for (const key of this.keys(source).filter((k) => k.startsWith(prefix))) {
      const there = new Set(this.versions(destination, key).map((v) => v.versionId));
      for (const version of this.versions(source, key)) {
        if (version.deleteMarker === true || there.has(version.versionId)) continue;
        version.replicationStatus = 'COMPLETED';
        copied.push(
          this.#store({
            bucket: destination,
            key,
            bytes: version.bytes,
            tags: version.tags,
            storageClass: version.storageClass,
            metadata: version.metadata,
            ...(version.contentType === undefined ? {} : { contentType: version.contentType }),
            ...(version.serverSideEncryption === undefined ? {} : { serverSideEncryption: version.serverSideEncryption }),
            versionId: version.versionId,
            lastModified: version.lastModified,
            replicationStatus: 'REPLICA',
            sha256: version.sha256,
            ...(version.noChecksum === true ? { checksum: false } : {}),
          }),
        );
      }
    }
    return copied;
  }

  #store(input: { bucket: string; key: string; bytes: Buffer; tags?: Record<string, string>; serverSideEncryption?: string; deleteMarker?: boolean; storageClass?: string; metadata?: Record<string, string>; contentType?: string; versionId?: string; lastModified?: number; replicationStatus?: string; checksum?: boolean; sha256?: string }): StoredObject {
    this.#version += 1;
    const { bytes, tags, storageClass, metadata, versionId, lastModified, checksum, sha256, ...rest } = input;
    const object: StoredObject = {
      ...rest,
      bytes,
      sha256: sha256 ?? createHash('sha256').update(bytes).digest('base64'),
      body: bytes.toString('utf8'),
      tags: { ...tags },
      storageClass: storageClass ?? 'STANDARD',
      metadata: { ...metadata },
      versionId: versionId ?? `v${this.#version}`,
      etag: `"${createHash('md5').update(bytes).digest('hex')}"`,
      lastModified: lastModified ?? this.#now(),
      // S3 stores a checksum with every object uploaded since 2025 (CRC64NVME by default); an older one may have none.
      ...(checksum === false ? { noChecksum: true } : {}),
    };
    this.#objects.set(`${input.bucket}/${input.key}`, [...(this.#objects.get(`${input.bucket}/${input.key}`) ?? []), object]);
    return object;
  }

  /** The current version (none while a delete marker is newest), or the one named. */
  #versionOf(bucket: string | undefined, key: string | undefined, versionId?: string): StoredObject | undefined {
    const versions = this.#objects.get(`${bucket ?? ''}/${key ?? ''}`);
    if (versionId !== undefined) return versions?.find((v) => v.versionId === versionId);
    const latest = versions?.at(-1);
    return latest?.deleteMarker === true ? undefined : latest;
  }

  /** A version named by id that is a delete marker: S3 answers 405 MethodNotAllowed. */
  static #refuseMarker(found: StoredObject | undefined): void {
    if (found?.deleteMarker === true) throw s3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405);
  }

  install(): void {
    const mock = mockClient(S3Client);
    mock.on(PutObjectCommand).callsFake(async (input: { Bucket?: string; Key?: string; Body?: unknown; ServerSideEncryption?: string; IfNoneMatch?: string; IfMatch?: string; ChecksumSHA256?: string; Metadata?: Record<string, string>; ContentType?: string }, getClient: () => S3Client) => {
      this.#requests.push({ command: 'PutObject', region: await getClient().config.region(), bucket: input.Bucket ?? '', key: input.Key ?? '' });
      // Conditional writes: If-None-Match "*" writes only a new key; If-Match only over that ETag (412 otherwise).
      const current = this.#objects.get(`${input.Bucket ?? ''}/${input.Key ?? ''}`)?.at(-1);
      if ((input.IfNoneMatch === '*' && current !== undefined) || (input.IfMatch !== undefined && (current === undefined || input.IfMatch !== current.etag))) {
        throw new S3ServiceException({ name: 'PreconditionFailed', message: 'At least one of the pre-conditions you specified did not hold', $fault: 'client', $metadata: { httpStatusCode: 412 } });
      }
      const bytes = asBuffer(input.Body);
      // S3 checks the bytes it receives against the checksum sent with them, and refuses them when they differ.
      const sha256 = createHash('sha256').update(bytes).digest('base64');
      if (input.ChecksumSHA256 !== undefined && input.ChecksumSHA256 !== sha256) throw s3Error('BadDigest', 'The SHA256 you specified did not match the calculated checksum.', 400);
      const object = this.#store({
        bucket: input.Bucket ?? '',
        key: input.Key ?? '',
        bytes,
        ...(input.ServerSideEncryption === undefined ? {} : { serverSideEncryption: input.ServerSideEncryption }),
        ...(input.Metadata === undefined ? {} : { metadata: input.Metadata }),
        ...(input.ContentType === undefined ? {} : { contentType: input.ContentType }),
      });
      return { VersionId: object.versionId, ETag: object.etag, ...(input.ChecksumSHA256 === undefined ? {} : { ChecksumSHA256: object.sha256 }) };
    });
    mock.on(GetObjectCommand).callsFake(async (input: { Bucket?: string; Key?: string; VersionId?: string; ChecksumMode?: string }, getClient: () => S3Client) => {
      this.#requests.push({ command: 'GetObject', region: await getClient().config.region(), bucket: input.Bucket ?? '', key: input.Key ?? '' });
      if (this.#deniedReads.some((prefix) => (input.Key ?? '').startsWith(prefix))) throw accessDenied();
      const found = this.#versionOf(input.Bucket, input.Key, input.VersionId);
      S3StandIn.#refuseMarker(found);
      if (found === undefined && input.VersionId !== undefined && this.#canList) throw s3Error('NoSuchVersion', 'The specified version does not exist.', 404);
      if (found === undefined) throw this.#canList ? noSuchKey(input.Key ?? '') : accessDenied();
      if (ARCHIVED.has(found.storageClass) && found.restore?.ongoing !== false) throw s3Error('InvalidObjectState', 'The operation is not valid for the object\'s storage class', 403);
      // The SDK's streaming body, reduced to what the handlers use: the text, the bytes, or chunk by chunk.
      const bytes = found.bytes;
      const body = {
        transformToString: async () => found.body,
        transformToByteArray: async () => new Uint8Array(bytes),
        async *[Symbol.asyncIterator]() {
          for (let at = 0; at < bytes.length; at += CHUNK) yield new Uint8Array(bytes.subarray(at, at + CHUNK));
        },
      };
      // In checksum mode, the checksum S3 stored when the version was written (not one of the bytes as they are now).
      const checksum = input.ChecksumMode === 'ENABLED' && found.noChecksum !== true ? { ChecksumSHA256: found.sha256, ChecksumType: 'FULL_OBJECT' as const } : {};
      return {
        Body: body as never,
        VersionId: found.versionId,
        ETag: found.etag,
        ContentLength: bytes.length,
        ContentType: found.contentType ?? 'application/json',
        LastModified: new Date(found.lastModified),
        Metadata: { ...found.metadata },
        ...(found.serverSideEncryption === undefined ? {} : { ServerSideEncryption: found.serverSideEncryption as never }),
        ...(found.replicationStatus === undefined ? {} : { ReplicationStatus: found.replicationStatus as never }),
        ...checksum,
      };
    });
    mock.on(HeadObjectCommand).callsFake(async (input: { Bucket?: string; Key?: string; VersionId?: string; ChecksumMode?: string }, getClient: () => S3Client) => {
      this.#requests.push({ command: 'HeadObject', region: await getClient().config.region(), bucket: input.Bucket ?? '', key: input.Key ?? '' });
      const found = this.#versionOf(input.Bucket, input.Key, input.VersionId);
      S3StandIn.#refuseMarker(found);
      // HEAD has no body to carry an error code: a missing key is a bare 404 (403 without s3:ListBucket).
      if (found === undefined) throw this.#canList ? notFound() : accessDenied();
      const checksum = input.ChecksumMode === 'ENABLED' && found.noChecksum !== true ? { ChecksumSHA256: found.sha256, ChecksumType: 'FULL_OBJECT' as const } : {};
      const restore = found.restore === undefined ? {} : { Restore: found.restore.ongoing ? 'ongoing-request="true"' : `ongoing-request="false", expiry-date="${new Date(this.#now() + 7 * 86_400_000).toUTCString()}"` };
      return {
        ContentLength: found.bytes.length,
        ETag: found.etag,
        VersionId: found.versionId,
        LastModified: new Date(found.lastModified),
        Metadata: { ...found.metadata },
        ...(found.contentType === undefined ? {} : { ContentType: found.contentType }),
        ...(found.storageClass === 'STANDARD' ? {} : { StorageClass: found.storageClass as never }),
        ...restore,
        ...(found.replicationStatus === undefined ? {} : { ReplicationStatus: found.replicationStatus as never }),
        ...checksum,
      };
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
      const contents = page.map((Key) => {
        const current = this.#versionOf(input.Bucket, Key);
        return { Key, ...(current === undefined ? {} : { LastModified: new Date(current.lastModified), Size: current.bytes.length, ETag: current.etag, StorageClass: current.storageClass as never }) };
      });
      return { Contents: contents, KeyCount: page.length, IsTruncated: truncated, ...(truncated ? { NextContinuationToken: String(start + size) } : {}) };
    });
    mock.on(ListObjectVersionsCommand).callsFake(async (input: { Bucket?: string; Prefix?: string; MaxKeys?: number; KeyMarker?: string; VersionIdMarker?: string }, getClient: () => S3Client) => {
      this.#requests.push({ command: 'ListObjectVersions', region: await getClient().config.region(), bucket: input.Bucket ?? '', key: input.Prefix ?? '' });
      const keys = [...this.#objects.keys()]
        .filter((k) => k.startsWith(`${input.Bucket ?? ''}/${input.Prefix ?? ''}`))
        .map((k) => k.slice((input.Bucket ?? '').length + 1))
        .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      // Every entry in S3's order: by key, newest first; resumed after (KeyMarker, VersionIdMarker).
      const entries = keys.flatMap((key) => [...this.versions(input.Bucket ?? '', key)].reverse().map((entry, index) => ({ key, entry, latest: index === 0 })));
      let start = 0;
      if (input.KeyMarker !== undefined) {
        const marker = input.KeyMarker;
        start = input.VersionIdMarker === undefined ? entries.findIndex((e) => Buffer.compare(Buffer.from(e.key), Buffer.from(marker)) > 0) : entries.findIndex((e) => e.key === marker && e.entry.versionId === input.VersionIdMarker) + 1;
        if (start < 0) start = entries.length;
      }
      const size = Math.min(input.MaxKeys ?? 1000, 1000);
      const page = entries.slice(start, start + size);
      const truncated = start + size < entries.length;
      const last = page.at(-1);
      return {
        Versions: page.filter((e) => e.entry.deleteMarker !== true).map((e) => ({ Key: e.key, VersionId: e.entry.versionId, IsLatest: e.latest, LastModified: new Date(e.entry.lastModified), Size: e.entry.bytes.length, ETag: e.entry.etag, StorageClass: e.entry.storageClass as never })),
        DeleteMarkers: page.filter((e) => e.entry.deleteMarker === true).map((e) => ({ Key: e.key, VersionId: e.entry.versionId, IsLatest: e.latest, LastModified: new Date(e.entry.lastModified) })),
        IsTruncated: truncated,
        ...(truncated && last !== undefined ? { NextKeyMarker: last.key, NextVersionIdMarker: last.entry.versionId } : {}),
      };
    });
    mock.on(DeleteObjectCommand).callsFake(async (input: { Bucket?: string; Key?: string; VersionId?: string }, getClient: () => S3Client) => {
      this.#requests.push({ command: 'DeleteObject', region: await getClient().config.region(), bucket: input.Bucket ?? '', key: input.Key ?? '' });
      const id = `${input.Bucket ?? ''}/${input.Key ?? ''}`;
      if (input.VersionId !== undefined) {
        this.#objects.set(id, (this.#objects.get(id) ?? []).filter((v) => v.versionId !== input.VersionId));
        return { VersionId: input.VersionId };
      }
      const marker = this.putDeleteMarker(input.Bucket ?? '', input.Key ?? '');
      return { DeleteMarker: true, VersionId: marker.versionId };
    });
    mock.on(CopyObjectCommand).callsFake(
      async (
        input: { Bucket?: string; Key?: string; CopySource?: string; MetadataDirective?: string; Metadata?: Record<string, string>; ContentType?: string; StorageClass?: string; TaggingDirective?: string },
        getClient: () => S3Client,
      ) => {
        this.#requests.push({ command: 'CopyObject', region: await getClient().config.region(), bucket: input.Bucket ?? '', key: input.Key ?? '' });
        const match = /^\/?([^/]+)\/([^?]+)(?:\?versionId=(.+))?$/.exec(input.CopySource ?? '');
        if (match === null) throw s3Error('InvalidArgument', `Invalid copy source: ${input.CopySource ?? ''}`, 400);
        const [, bucket, encodedKey, versionId] = match as unknown as [string, string, string, string | undefined];
        const source = this.#versionOf(bucket, decodeURIComponent(encodedKey), versionId === undefined ? undefined : decodeURIComponent(versionId));
        S3StandIn.#refuseMarker(source);
        if (source === undefined) throw noSuchKey(decodeURIComponent(encodedKey));
        if (ARCHIVED.has(source.storageClass) && source.restore?.ongoing !== false) throw s3Error('InvalidObjectState', 'The source object of the COPY action is not in the active tier and is only stored in Amazon S3 Glacier.', 403);
        const replace = input.MetadataDirective === 'REPLACE';
        const copy = this.#store({
          bucket: input.Bucket ?? '',
          key: input.Key ?? '',
          bytes: source.bytes,
          tags: input.TaggingDirective === 'REPLACE' ? {} : source.tags,
          storageClass: input.StorageClass ?? 'STANDARD',
          metadata: replace ? { ...input.Metadata } : source.metadata,
          ...((replace ? input.ContentType : source.contentType) === undefined ? {} : { contentType: (replace ? input.ContentType : source.contentType) }),
        });
        return { VersionId: copy.versionId, CopySourceVersionId: source.versionId, CopyObjectResult: { ETag: copy.etag, LastModified: new Date(copy.lastModified) } };
      },
    );
    mock.on(RestoreObjectCommand).callsFake(async (input: { Bucket?: string; Key?: string; VersionId?: string }, getClient: () => S3Client) => {
      this.#requests.push({ command: 'RestoreObject', region: await getClient().config.region(), bucket: input.Bucket ?? '', key: input.Key ?? '' });
      const found = this.#versionOf(input.Bucket, input.Key, input.VersionId);
      if (found === undefined) throw noSuchKey(input.Key ?? '');
      if (!ARCHIVED.has(found.storageClass)) throw s3Error('InvalidObjectState', 'Restore is not allowed for the object\'s current storage class', 403);
      if (found.restore?.ongoing === true) throw s3Error('RestoreAlreadyInProgress', 'Object restore is already in progress', 409);
      if (found.restore?.ongoing === false) return {}; // 200: already restored (its expiry is extended)
      found.restore = { ongoing: true };
      return {}; // 202 Accepted
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
    return [...this.#objects.values()].flatMap((versions) => {
      const latest = versions.at(-1);
      return latest === undefined || latest.deleteMarker === true ? [] : [latest];
    });
  }

  read(bucket: string, key: string): string | undefined {
    return this.#objects.get(`${bucket}/${key}`)?.at(-1)?.body;
  }

  /** The current version of an object, or undefined (none, or a delete marker is newest). */
  object(bucket: string, key: string): StoredObject | undefined {
    return this.#versionOf(bucket, key);
  }
}
