// Throttling, through the SDK as the Lambdas make their clients (shared/aws/client-config.ts sets timeouts,
// not attempts: the SDK's standard retry, 3 attempts with backoff). aws-sdk-client-mock replaces `send`,
// so its tests never see a retry; here a real SSMClient made with the repository's configuration sends
// to a request handler that answers as SSM does — two ThrottlingExceptions absorbed by the retries, then
// the parameters; a third in a row reaches the caller (the restore test then fails that configuration by
// name: tests/config/test-configuration-restore.test.ts).

import { SSMClient } from '@aws-sdk/client-ssm';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readLiveConfiguration } from '../../shared/config/live.js';
import { clientConfig } from '../../shared/aws/client-config.js';

type Answer = { status: number; body: unknown };
const THROTTLED: Answer = { status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } };
const PARAMETERS: Answer = { status: 200, body: { Parameters: [{ Name: '/app/prod/db/host', Type: 'String', Value: 'db.internal', Version: 3, LastModifiedDate: 1_764_000_000 }] } };

/** An SSM client with the repository's configuration, whose requests get `answers` in turn (awsJson1_1, as SSM answers). */
function ssmAnswering(answers: Answer[]) {
  const sent: string[] = [];
  const client = new SSMClient({
    ...clientConfig('ap-northeast-1'),
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    requestHandler: {
      handle: async (request: { headers: Record<string, string> }) => {
        sent.push(request.headers['x-amz-target'] ?? '');
        const answer = answers.shift() ?? THROTTLED;
        const type = (answer.body as { __type?: string }).__type;
        return {
          response: {
            statusCode: answer.status,
            headers: { 'content-type': 'application/x-amz-json-1.1', ...(type === undefined ? {} : { 'x-amzn-errortype': type }) },
            body: Readable.from([Buffer.from(JSON.stringify(answer.body))]),
          },
        };
      },
    } as never,
  });
  // The test files share a process (vitest.config.ts: isolate false), and another file's mockClient(SSMClient)
  // may still stub SSMClient.prototype.send: send through the SDK's own Client.send, beneath any such stub.
  const sdkSend = (Object.getPrototypeOf(SSMClient.prototype) as { send: (this: SSMClient, command: unknown) => Promise<unknown> }).send;
  return { client: { send: (command: unknown) => sdkSend.call(client, command) } as unknown as SSMClient, sent };
}

const none = { send: async () => ({}) } as never;

describe('throttling with the repository\'s client configuration', () => {
  it('two ThrottlingExceptions in a row are absorbed by the SDK\'s retries (3 attempts): the live values are read', async () => {
    const { client, sent } = ssmAnswering([THROTTLED, THROTTLED, PARAMETERS]);
    const live = await readLiveConfiguration(client, none, { ssmParameterPaths: ['/app/prod/'], secrets: [] });
    expect(sent).toEqual(['AmazonSSM.GetParametersByPath', 'AmazonSSM.GetParametersByPath', 'AmazonSSM.GetParametersByPath']);
    expect(Object.keys(live.parameters)).toEqual(['/app/prod/db/host']);
  }, 30_000);

  it('a third is not retried again: ThrottlingException reaches the caller after 3 attempts', async () => {
    const { client, sent } = ssmAnswering([THROTTLED, THROTTLED, THROTTLED, PARAMETERS]);
    await expect(readLiveConfiguration(client, none, { ssmParameterPaths: ['/app/prod/'], secrets: [] })).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(sent).toHaveLength(3);
  }, 30_000);
});
