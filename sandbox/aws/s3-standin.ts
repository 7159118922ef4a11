// A stand-in for the S3 calls backup-dr makes (PutObject, GetObject) on the reports bucket: objects kept
// in memory per bucket and key, with versions, so evidence and manifests written by the real handlers
// can be read back and inspected.

import { GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
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

export class S3StandIn {
  readonly #objects = new Map<string, StoredObject[]>();
  #mock: { restore(): void } | undefined;
  #version = 0;

  install(): void {
    const mock = mockClient(S3Client);
    mock.on(PutObjectCommand).callsFake((input: { Bucket?: string; Key?: string; Body?: unknown; ServerSideEncryption?: string }) => {
      const bucket = input.Bucket ?? '';
      const key = input.Key ?? '';
      this.#version += 1;
      const object: StoredObject = { bucket, key, body: typeof input.Body === 'string' ? input.Body : String(input.Body), versionId: `v${this.#version}`, ...(input.ServerSideEncryption === undefined ? {} : { serverSideEncryption: input.ServerSideEncryption }) };
      this.#objects.set(`${bucket}/${key}`, [...(this.#objects.get(`${bucket}/${key}`) ?? []), object]);
      return { VersionId: object.versionId, ETag: `"${object.versionId}"` };
    });
    mock.on(GetObjectCommand).callsFake((input: { Bucket?: string; Key?: string }) => {
      const versions = this.#objects.get(`${input.Bucket ?? ''}/${input.Key ?? ''}`);
      const latest = versions?.at(-1);
      if (latest === undefined) throw noSuchKey(input.Key ?? '');
      // The SDK's streaming body, reduced to the method the handlers use.
      const body = { transformToString: async () => latest.body, transformToByteArray: async () => new TextEncoder().encode(latest.body) };
      return { Body: body as never, VersionId: latest.versionId, ContentType: 'application/json' };
    });
    this.#mock = mock;
  }

  restore(): void {
    this.#mock?.restore();
    this.#mock = undefined;
  }

  /** Current versions of every object, in write order. */
  objects(): StoredObject[] {
    return [...this.#objects.values()].map((versions) => versions.at(-1) as StoredObject);
  }

  read(bucket: string, key: string): string | undefined {
    return this.#objects.get(`${bucket}/${key}`)?.at(-1)?.body;
  }
}
