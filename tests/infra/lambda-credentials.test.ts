// The credentials of the Lambda bundles: shared/aws/lambda-credentials.ts replaces the SDK's default
// credential chain there (serverless.yml esbuild alias; the packaged zips are checked in
// template.test.ts). It must read the environment exactly as the chain's first link does — the only
// link Lambda ever reaches — and the SDK must sign with what it returns.
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CredentialsProviderError, defaultProvider, fromLambdaEnvironment } from '../../shared/aws/lambda-credentials.js';

const LAMBDA_ENV = {
  AWS_ACCESS_KEY_ID: 'ASIALAMBDAEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'lambda-secret',
  AWS_SESSION_TOKEN: 'lambda-session-token',
};

describe('the Lambda bundles\' credentials', () => {
  it('are the role credentials Lambda puts in the environment, with what else the SDK reads there', () => {
    expect(fromLambdaEnvironment(LAMBDA_ENV)).toEqual({ accessKeyId: 'ASIALAMBDAEXAMPLE', secretAccessKey: 'lambda-secret', sessionToken: 'lambda-session-token' });
    expect(
      fromLambdaEnvironment({ ...LAMBDA_ENV, AWS_CREDENTIAL_EXPIRATION: '2026-12-02T18:00:00Z', AWS_CREDENTIAL_SCOPE: 'ap-northeast-1', AWS_ACCOUNT_ID: '123456789012' }),
    ).toEqual({
      accessKeyId: 'ASIALAMBDAEXAMPLE',
      secretAccessKey: 'lambda-secret',
      sessionToken: 'lambda-session-token',
      expiration: new Date('2026-12-02T18:00:00Z'),
      credentialScope: 'ap-northeast-1',
      accountId: '123456789012',
    });
  });

  it.each([
    ['no key id', { AWS_SECRET_ACCESS_KEY: 'lambda-secret' }],
    ['no secret', { AWS_ACCESS_KEY_ID: 'ASIALAMBDAEXAMPLE' }],
    ['empty values', { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' }],
  ])('fail with CredentialsProviderError naming the variables when the environment has %s', (_case, env) => {
    expect(() => fromLambdaEnvironment(env)).toThrow(CredentialsProviderError);
    expect(() => fromLambdaEnvironment(env)).toThrow(/AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY/);
  });

  describe('signed into a request by the SDK', () => {
    let server: Server;
    let endpoint = '';
    const seen: IncomingHttpHeaders[] = [];
    beforeAll(async () => {
      server = createServer((request, response) => {
        seen.push(request.headers);
        request.resume();
        response.writeHead(200, { 'content-type': 'text/xml' });
        response.end(
          '<DescribeDBInstancesResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DescribeDBInstancesResult><DBInstances/></DescribeDBInstancesResult>' +
            '<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeDBInstancesResponse>',
        );
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    afterEach(() => {
      vi.unstubAllEnvs();
    });

    it('as the client default provider, the way the bundled clients use it', async () => {
      for (const [key, value] of Object.entries(LAMBDA_ENV)) vi.stubEnv(key, value);
      vi.stubEnv('AWS_PROFILE', '');
      const provider = vi.fn(defaultProvider);
      const rds = new RDSClient({ region: 'ap-northeast-1', endpoint, maxAttempts: 1, credentialDefaultProvider: provider });
      await rds.send(new DescribeDBInstancesCommand({}));
      expect(provider).toHaveBeenCalled();
      const headers = seen.at(-1);
      expect(headers?.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=ASIALAMBDAEXAMPLE\/\d{8}\/ap-northeast-1\/rds\/aws4_request, /);
      expect(headers?.['x-amz-security-token']).toBe('lambda-session-token');
    });
  });
});
