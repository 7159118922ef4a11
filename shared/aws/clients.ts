// SDK clients, one per service and region, made once per container and shared by warm invocations.
import { KMSClient } from '@aws-sdk/client-kms';
import { RDSClient } from '@aws-sdk/client-rds';
import { SNSClient } from '@aws-sdk/client-sns';

const rdsClients = new Map<string, RDSClient>();
const snsClients = new Map<string, SNSClient>();

export function rdsClient(region: string): RDSClient {
  let client = rdsClients.get(region);
  if (client === undefined) {
    client = new RDSClient({ region });
    rdsClients.set(region, client);
  }
  return client;
}

export function snsClient(region: string): SNSClient {
  let client = snsClients.get(region);
  if (client === undefined) {
    client = new SNSClient({ region });
    snsClients.set(region, client);
  }
  return client;
}

const kmsClients = new Map<string, KMSClient>();

export function kmsClient(region: string): KMSClient {
  let client = kmsClients.get(region);
  if (client === undefined) {
    client = new KMSClient({ region });
    kmsClients.set(region, client);
  }
  return client;
}
