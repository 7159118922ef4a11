// How every SDK client is made: one per service and region, once per container, shared by warm
// invocations (perRegion), with a connection and a request timeout (clientConfig). Each service has a
// module of its own (rds-client.ts, s3-client.ts, …) that a step imports only when it calls that service,
// so a Lambda bundle holds only the client packages its handler uses.
//
// The timeouts: a Lambda in a VPC without a route to an API (no endpoint, no NAT) otherwise hangs until
// the function's own timeout (up to 15 minutes) and dies without saying why. With these, a missing route
// fails in seconds, with the SDK's named TimeoutError, and reaches the alerts like any other failure. The
// SDK retries (3 attempts) on top.

/** Timeouts for every AWS call (ms): connecting, and the whole request once connected. */
export const CLIENT_TIMEOUTS = { connectionTimeout: 3_000, requestTimeout: 20_000 } as const;

/** The configuration every client is made with. */
export function clientConfig(region: string, timeouts: { connectionTimeout: number; requestTimeout: number } = CLIENT_TIMEOUTS) {
  // throwOnRequestTimeout: without it the Node handler only logs a warning when requestTimeout passes.
  return { region, requestHandler: { connectionTimeout: timeouts.connectionTimeout, requestTimeout: timeouts.requestTimeout, throwOnRequestTimeout: true } };
}

/** A client per region, made on first use. */
export function perRegion<C>(make: (region: string) => C): (region: string) => C {
  const clients = new Map<string, C>();
  return (region) => {
    let client = clients.get(region);
    if (client === undefined) {
      client = make(region);
      clients.set(region, client);
    }
    return client;
  };
}
