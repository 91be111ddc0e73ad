import http from 'node:http';

export interface SseMessage {
  id?: string;
  event?: string;
  data?: string;
}

/** A minimal Server-Sent Events reader over node:http (one connection each), for tests. */
export class SseClient {
  readonly messages: SseMessage[] = [];
  readonly comments: string[] = [];
  status = 0;
  headers: http.IncomingHttpHeaders = {};
  body = '';
  ended = false;
  private request?: http.ClientRequest;

  static open(url: string, headers: Record<string, string>): Promise<SseClient> {
    const client = new SseClient();
    return new Promise((resolve, reject) => {
      const request = http.get(url, { headers, agent: false }, (res) => {
        client.status = res.statusCode ?? 0;
        client.headers = res.headers;
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (chunk: string) => {
          if (client.status !== 200) {
            client.body += chunk;
            return;
          }
          buffer += chunk;
          let at: number;
          while ((at = buffer.indexOf('\n\n')) >= 0) {
            client.parse(buffer.slice(0, at));
            buffer = buffer.slice(at + 2);
          }
        });
        const end = () => {
          client.ended = true;
          resolve(client);
        };
        res.on('end', end);
        res.on('close', end);
        if (client.status === 200) resolve(client);
      });
      client.request = request;
      request.on('error', (error) => (client.status ? (client.ended = true) : reject(error)));
    });
  }

  private parse(block: string): void {
    const message: SseMessage = {};
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
      else if (line.startsWith('id: ')) message.id = line.slice(4);
      else if (line.startsWith('event: ')) message.event = line.slice(7);
      else if (line.startsWith('data: ')) message.data = line.slice(6);
    }
    if (message.data !== undefined) this.messages.push(message);
  }

  header(name: string): string | undefined {
    const value = this.headers[name.toLowerCase()];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  /** Waits until `probe` holds (or the time is up: throws). */
  async until(what: string, probe: (c: SseClient) => boolean, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!probe(this)) {
      if (Date.now() > deadline) throw new Error(`SSE: timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  ids(): number[] {
    return this.messages.map((m) => Number(m.id));
  }

  async close(): Promise<void> {
    this.request?.destroy();
    await new Promise((r) => setImmediate(r));
  }
}
