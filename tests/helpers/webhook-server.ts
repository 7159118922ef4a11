// A real HTTP server on 127.0.0.1 standing in for Slack incoming webhooks: it records each post (its
// path, the last path segment as the channel, content type and JSON body) and answers from queued
// replies — per channel first, then the shared queue, else 200 "ok". One server serves any number of
// webhook URLs (`urlFor(channel)`), told apart by their last path segment.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WebhookReply {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** Never answer (the client's timeout must end the attempt). */
  readonly hang?: boolean;
}

export interface WebhookPost<Body> {
  readonly path: string;
  readonly channel: string;
  readonly contentType: string | undefined;
  readonly body: Body;
}

/** `Body`: the shape the test reads posts as (JSON, not checked). */
export class WebhookServer<Body = Record<string, any>> {
  readonly received: WebhookPost<Body>[] = [];
  /** Replies for any channel, in order. */
  replies: WebhookReply[] = [];
  /** Replies for one channel (the URL's last path segment), in order; used before `replies`. */
  readonly channelReplies = new Map<string, WebhookReply[]>();
  #server: Server | undefined;
  #origin = '';

  /** `path`: the default URL's path, e.g. `/services/T000/B000/XXXX`. */
  constructor(private readonly path = '/services/webhook') {}

  async start(): Promise<void> {
    this.#server = createServer((request: IncomingMessage, response: ServerResponse) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const path = request.url ?? '';
        const channel = path.split('/').at(-1) ?? '';
        this.received.push({ path, channel, contentType: request.headers['content-type'], body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Body });
        const reply = this.channelReplies.get(channel)?.shift() ?? this.replies.shift() ?? { status: 200, body: 'ok' };
        if (reply.hang === true) return;
        response.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers });
        response.end(reply.body ?? '');
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.#origin = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }

  /** Forget what was posted and every queued reply. */
  reset(): void {
    this.received.length = 0;
    this.replies = [];
    this.channelReplies.clear();
  }

  /** The default webhook URL (the constructor's path). */
  get url(): string {
    return `${this.#origin}${this.path}`;
  }

  /** A webhook URL whose posts are recorded under `channel`. */
  urlFor(channel: string): string {
    return `${this.#origin}/services/${channel}`;
  }

  posted(): Body[] {
    return this.received.map((r) => r.body);
  }
}
