// A missing route (a VPC function without endpoints or NAT) must fail in seconds with a named error,
// not hang until the Lambda's timeout: every client carries a connection and a request timeout.
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_TIMEOUTS, clientConfig } from '../../../shared/aws/client-config.js';
import { rdsClient } from '../../../shared/aws/rds-client.js';

describe('SDK clients', () => {
  let server: Server;
  let port = 0;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    // Accepts connections and never answers: what a black-holed route looks like once connected.
    server = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('are made with a connection and a request timeout of seconds, not the Lambda timeout', async () => {
    expect(CLIENT_TIMEOUTS).toEqual({ connectionTimeout: 3_000, requestTimeout: 20_000 });
    const handler = rdsClient('ap-northeast-1').config.requestHandler as unknown as { configProvider: Promise<{ connectionTimeout: number; requestTimeout: number }> };
    await expect(handler.configProvider).resolves.toMatchObject({ ...CLIENT_TIMEOUTS, throwOnRequestTimeout: true });
  });

  it('fail with a named TimeoutError when an endpoint never answers', async () => {
    const client = new RDSClient({ ...clientConfig('ap-northeast-1', { connectionTimeout: 200, requestTimeout: 300 }), endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
    const error: unknown = await client.send(new DescribeDBInstancesCommand({})).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('TimeoutError');
  });
});
