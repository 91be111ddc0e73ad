import { APP_CONFIG, AppConfig } from '@app/config';
import { Inject, Injectable } from '@nestjs/common';
import type { LookupOptions } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { literalAddress, refusedAddress, refusedHostName } from './webhook-address';

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to every address it has (DNS, /etc/hosts). */
export type AddressResolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** What one POST to an endpoint gave. */
export interface PostOutcome {
  ok: boolean;
  responseCode: number | null;
  ms: number;
  /** Why it failed, in words: never a secret, a body or a header. */
  error?: string;
}

/** A refusal of the SSRF guard (at save or at connect). */
export class RefusedWebhookAddress extends Error {}

const MAX_URL_LENGTH = 2000;
const TIMEOUT_MS = 10_000;

type LookupCallback = (error: Error | null, address: string | ResolvedAddress[], family?: number) => void;

/**
 * Where webhooks may go, and the only way they go there. A URL must be https (http only with
 * WEBHOOKS_ALLOW_HTTP) and every address its host resolves to must be public; that is checked when
 * an endpoint is saved and again at every connection by the socket's own `lookup`, so the address
 * checked is the address connected to (no DNS-rebinding window). Loopback and private networks
 * pass only with WEBHOOKS_ALLOW_PRIVATE; link-local (cloud metadata) never does.
 */
@Injectable()
export class WebhookNetwork {
  allowPrivate: boolean;
  allowHttp: boolean;
  timeoutMs = TIMEOUT_MS;
  /** Replaceable in tests (a resolver that changes its answer simulates DNS rebinding). */
  resolve: AddressResolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

  private readonly httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 64 });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 64 });

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.allowPrivate = config.webhooks.allowPrivate;
    this.allowHttp = config.webhooks.allowHttp;
  }

  /** Why `raw` cannot be a webhook URL (a sentence about `url`), or undefined when it can. */
  async problem(raw: string): Promise<string | undefined> {
    if (raw.length > MAX_URL_LENGTH) return `url must be at most ${MAX_URL_LENGTH} characters`;
    if ([...raw].some((c) => c.charCodeAt(0) <= 0x20 || c.charCodeAt(0) === 0x7f))
      return 'url must not contain spaces or control characters';
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return 'url must be an absolute URL';
    }
    const syntax = this.syntaxProblem(url);
    if (syntax) return syntax;
    try {
      await this.addressesOf(url.hostname);
      return undefined;
    } catch (error) {
      if (error instanceof RefusedWebhookAddress) return `url ${error.message}`;
      return 'url host does not resolve';
    }
  }

  /** POSTs `body` with `headers`; a 2xx answer within the timeout is a success, anything else a failure. */
  post(raw: string, headers: Record<string, string>, body: string): Promise<PostOutcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    return new Promise<PostOutcome>((resolve) => {
      const fail = (error: string, responseCode: number | null = null) =>
        resolve({ ok: false, responseCode, ms: elapsed(), error });
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        return fail('url is not valid');
      }
      const syntax = this.syntaxProblem(url);
      if (syntax) return fail(syntax);
      const secure = url.protocol === 'https:';
      const request = (secure ? httpsRequest : httpRequest)(url, {
        method: 'POST',
        agent: secure ? this.httpsAgent : this.httpAgent,
        lookup: this.lookup,
        signal: AbortSignal.timeout(this.timeoutMs),
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'Tessera-Webhooks/1',
        },
      });
      request.on('response', (response) => {
        const code = response.statusCode ?? 0;
        response.resume(); // the body is not read, only drained
        if (code >= 200 && code < 300) resolve({ ok: true, responseCode: code, ms: elapsed() });
        else fail(`answered ${code}`, code);
      });
      request.on('error', (error: Error & { code?: string }) => {
        if (error instanceof RefusedWebhookAddress) return fail(`refused: ${error.message}`);
        if (error.name === 'AbortError' || error.name === 'TimeoutError')
          return fail(`no answer within ${this.timeoutMs} ms`);
        fail(`connection failed${error.code ? ` (${error.code})` : ''}`);
      });
      request.end(body);
    });
  }

  /** The socket's lookup: resolves, refuses the host if any of its addresses is refused, connects to a checked one. */
  private readonly lookup = (hostname: string, options: LookupOptions, callback: LookupCallback) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
    this.addressesOf(hostname).then(
      (addresses) => {
        const usable = family ? addresses.filter((a) => a.family === family) : addresses;
        if (!usable.length) return callback(new RefusedWebhookAddress('host has no address of that family'), []);
        if (options.all) callback(null, usable);
        else callback(null, usable[0].address, usable[0].family);
      },
      (error: Error) => callback(error, []),
    );
  };

  /** Scheme, credentials and an IP-literal host (which no lookup sees). */
  private syntaxProblem(url: URL): string | undefined {
    if (url.protocol !== 'https:' && !(this.allowHttp && url.protocol === 'http:')) {
      return this.allowHttp ? 'url must use https or http' : 'url must use https';
    }
    if (url.username || url.password) return 'url must not carry credentials';
    if (!url.hostname) return 'url must name a host';
    const literal = literalAddress(url.hostname);
    const refused = literal
      ? refusedAddress(literal, this.allowPrivate)
      : refusedHostName(url.hostname, this.allowPrivate);
    return refused ? `url host ${refused}` : undefined;
  }

  /** Every address of the host, each of them allowed; throws RefusedWebhookAddress otherwise. */
  private async addressesOf(hostname: string): Promise<ResolvedAddress[]> {
    const literal = literalAddress(hostname);
    const named = literal ? undefined : refusedHostName(hostname, this.allowPrivate);
    if (named) throw new RefusedWebhookAddress(`host ${named}`);
    const addresses = literal
      ? [{ address: literal, family: literal.includes(':') ? 6 : 4 }]
      : await this.resolve(hostname);
    if (!addresses.length) throw new Error('no address');
    for (const { address } of addresses) {
      const refused = refusedAddress(address, this.allowPrivate);
      if (refused) throw new RefusedWebhookAddress(`host resolves to an address that ${refused}`);
    }
    return addresses;
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
