// The SDK's credentials inside a Lambda bundle. Bundled in place of @aws-sdk/credential-provider-node
// (an esbuild alias in serverless.yml); the tests, the drill and the CLI run the SDK's own chain.
//
// Lambda hands a function its role's credentials in the environment (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), the first place the SDK's default chain looks and the only
// one it ever reaches in Lambda. The rest of that chain — SSO, shared ini files, credential processes,
// web identity, container and instance metadata, with the nested STS/SSO clients they need — is about
// 110 KB and 60 ms of every cold start here. This reads the environment exactly as the chain's first
// link (fromEnv) does; without credentials there it fails naming the variables, instead of searching.

/** The shape of the SDK's AwsCredentialIdentity (@smithy/types). */
export interface EnvironmentCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
  readonly credentialScope?: string;
  readonly accountId?: string;
}

/** The error the SDK's providers throw when they find no credentials (its name is the SDK's). */
export class CredentialsProviderError extends Error {
  override name = 'CredentialsProviderError';
}

const ENV_KEY = 'AWS_ACCESS_KEY_ID';
const ENV_SECRET = 'AWS_SECRET_ACCESS_KEY';

/** The environment's credentials, read at each call (the SDK caches them until they expire). */
export function fromLambdaEnvironment(env: NodeJS.ProcessEnv = process.env): EnvironmentCredentials {
  const accessKeyId = env[ENV_KEY];
  const secretAccessKey = env[ENV_SECRET];
  if (!accessKeyId || !secretAccessKey) {
    throw new CredentialsProviderError(
      `no AWS credentials in the environment (${ENV_KEY}, ${ENV_SECRET}): a backup-dr Lambda bundle reads only the credentials Lambda gives its function`,
    );
  }
  const sessionToken = env.AWS_SESSION_TOKEN;
  const expiration = env.AWS_CREDENTIAL_EXPIRATION;
  const credentialScope = env.AWS_CREDENTIAL_SCOPE;
  const accountId = env.AWS_ACCOUNT_ID;
  return {
    accessKeyId,
    secretAccessKey,
    ...(sessionToken ? { sessionToken } : {}),
    ...(expiration ? { expiration: new Date(expiration) } : {}),
    ...(credentialScope ? { credentialScope } : {}),
    ...(accountId ? { accountId } : {}),
  };
}

/** What every client's runtime configuration imports from @aws-sdk/credential-provider-node. */
export function defaultProvider(_init: unknown = {}): () => Promise<EnvironmentCredentials> {
  return async () => fromLambdaEnvironment();
}
