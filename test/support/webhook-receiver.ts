import { createServer, IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One POST the receiver got, and what it answered (null: it never answered). */
export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  json: { id: string; type: string; occurredAt: string; tenant: string; data: Record<string, unknown> };
  at: number;
  answered: number | null;
}

/** How the receiver answers the next request: a status, or `hang` (never). */
export type Behaviour = number | 'hang';

/**
 * A webhook receiver on 127.0.0.1 (node:http): records every request and answers as `behave`
 * says (200 by default); requests left hanging are answered when it closes.
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  behave: (request: number) => Behaviour = () => 200;
  private readonly hanging = new Set<ServerResponse>();
  private constructor(private readonly server: Server) {}

  static async start(): Promise<WebhookReceiver> {
    const server = createServer();
    const receiver = new WebhookReceiver(server);
    server.on('request', (request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        const behaviour = receiver.behave(receiver.received.length);
        const entry: Received = {
          headers: request.headers,
          body,
          json: JSON.parse(body) as Received['json'],
          at: Date.now(),
          answered: behaviour === 'hang' ? null : behaviour,
        };
        receiver.received.push(entry);
        if (behaviour === 'hang') return void receiver.hanging.add(response);
        response.writeHead(behaviour).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  /** The requests it accepted (answered 2xx). */
  accepted(): Received[] {
    return this.received.filter((r) => r.answered !== null && r.answered >= 200 && r.answered < 300);
  }

  async close(): Promise<void> {
    for (const response of this.hanging) response.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
