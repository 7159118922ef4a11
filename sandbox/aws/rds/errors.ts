// The errors the RDS stand-in throws, shaped as the SDK would deliver them: an instance of the SDK's own
// exception class when it exports one, else an RDSServiceException carrying the wire error code as `name`.

import { randomUUID } from 'node:crypto';
import * as rds from '@aws-sdk/client-rds';
import { RDSServiceException } from '@aws-sdk/client-rds';

const CLIENT_FAULT_STATUS: Readonly<Record<string, number>> = {
  DBInstanceNotFoundFault: 404,
  DBSnapshotNotFoundFault: 404,
  DBInstanceAutomatedBackupNotFoundFault: 404,
};

type ExceptionClass = new (options: { message: string; $metadata: rds.RDSServiceException['$metadata'] }) => RDSServiceException;

const sdkExceptionClass = (name: string): ExceptionClass | undefined => {
  const candidate: unknown = (rds as Record<string, unknown>)[name];
  if (typeof candidate !== 'function') return undefined;
  const prototype: unknown = (candidate as { prototype?: unknown }).prototype;
  return prototype instanceof RDSServiceException ? (candidate as ExceptionClass) : undefined;
};

const metadata = (httpStatusCode: number) => ({ httpStatusCode, requestId: randomUUID(), attempts: 1, totalRetryDelay: 0 });

/**
 * An RDS error by its SDK name (`DBSnapshotNotFoundFault`) or wire code (`InvalidParameterValue`).
 * Modelled faults become instances of the SDK class, so `instanceof` and `.name` both work.
 */
export const rdsError = (name: string, message: string, httpStatusCode = CLIENT_FAULT_STATUS[name] ?? 400): RDSServiceException => {
  const Exception = sdkExceptionClass(name);
  if (Exception) return new Exception({ message, $metadata: metadata(httpStatusCode) });
  return new RDSServiceException({ name, $fault: httpStatusCode >= 500 ? 'server' : 'client', message, $metadata: metadata(httpStatusCode) });
};

/**
 * RDS answers throttling with the query-protocol code `Throttling` ("Rate exceeded"), which the SDK's
 * retry strategy classifies as throttling by name; `$retryable` says so explicitly as well.
 */
export const throttlingError = (): RDSServiceException => {
  const error = rdsError('Throttling', 'Rate exceeded', 400);
  error.$retryable = { throttling: true };
  return error;
};

export const invalidParameter = (message: string) => rdsError('InvalidParameterValue', message);
export const missingParameter = (name: string) => rdsError('MissingParameter', `The request must contain the parameter ${name}`);

export const snapshotNotFound = (id: string) => rdsError('DBSnapshotNotFoundFault', `DBSnapshot not found: ${id}`);
export const instanceNotFound = (id: string) => rdsError('DBInstanceNotFoundFault', `DBInstance ${id} not found.`);

export const kmsKeyNotAccessible = (given: string) =>
  rdsError('KMSKeyNotAccessibleFault', `The target KMS key [${given}] does not exist, is not enabled or you do not have permissions to access it.`);

/** A command the stand-in does not model: fail loudly rather than answer `undefined`. */
export class UnmodelledCommand extends Error {
  override name = 'UnmodelledCommand';
  constructor(readonly command: string) {
    super(`the RDS stand-in does not model ${command}; add it to sandbox/aws/rds before a handler relies on it`);
  }
}
