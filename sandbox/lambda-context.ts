// The Lambda context the local runs hand to the real handlers (tests, the state machine runner, the
// drill): what Powertools' logger and middy read from it, with a function name that says where it ran.

import type { Context } from 'aws-lambda';

export const LOCAL_ACCOUNT = '123456789012';

export function localFunctionArn(name: string, region = 'ap-northeast-1'): string {
  return `arn:aws:lambda:${region}:${LOCAL_ACCOUNT}:function:backup-dr-${name}`;
}

export function lambdaContext(name: string, options: { region?: string; remainingMs?: number } = {}): Context {
  return {
    functionName: `backup-dr-${name}`,
    awsRequestId: `local-${name}`,
    invokedFunctionArn: localFunctionArn(name, options.region),
    memoryLimitInMB: '256',
    functionVersion: '$LATEST',
    getRemainingTimeInMillis: () => options.remainingMs ?? 900_000,
  } as unknown as Context;
}
