import twilio from 'twilio';
import type { Twilio } from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';
import type Response from 'twilio/lib/http/response';

export interface TwilioClientOptions {
  accountSid: string;
  authToken: string;
  /** Base URL of a Twilio-compatible API (the fake in tests, or a proxy); unset → Twilio itself. */
  apiBaseUrl?: string | undefined;
  /** Applies to every request: connect, send and wait for the answer. */
  timeoutMs: number;
}

/**
 * Builds the real Twilio SDK client. twilio-node has no base-URL option: its documented extension
 * point is a custom `httpClient` (advanced-examples/custom-http-client.md), and every SDK request goes
 * through `httpClient.request({ uri, ... })` with an absolute `https://<product>.twilio.com/...` URI.
 */
export function createTwilioClient({ accountSid, authToken, apiBaseUrl, timeoutMs }: TwilioClientOptions): Twilio {
  // The job runner owns retries (with backoff, and a record per attempt), so the SDK's own 429 retry
  // stays off: otherwise one attempt in our deliveries table could hide several requests to Twilio.
  const clientOptions = { timeout: timeoutMs, autoRetry: false };
  const httpClient =
    apiBaseUrl === undefined
      ? new twilio.RequestClient(clientOptions)
      : new BaseUrlRequestClient(parseBaseUrl(apiBaseUrl), clientOptions);
  return twilio(accountSid, authToken, { httpClient });
}

class BaseUrlRequestClient extends twilio.RequestClient {
  readonly #baseUrl: URL;

  constructor(baseUrl: URL, options: RequestClient.RequestClientOptions) {
    super(options);
    this.#baseUrl = baseUrl;
  }

  override request<TData>(options: RequestClient.RequestOptions<TData>): Promise<Response<TData>> {
    const original = new URL(options.uri);
    if (!isTwilioHost(original.hostname)) return super.request(options);
    const target = new URL(this.#baseUrl.href);
    target.pathname = joinPaths(this.#baseUrl.pathname, original.pathname);
    target.search = original.search;
    // Products share one base URL here, so the original host travels along for proxies and the fake.
    const headers = { ...options.headers, 'X-Forwarded-Host': original.host };
    return super.request({ ...options, uri: target.href, headers });
  }
}

function isTwilioHost(hostname: string): boolean {
  return hostname === 'twilio.com' || hostname.endsWith('.twilio.com');
}

function parseBaseUrl(apiBaseUrl: string): URL {
  if (!URL.canParse(apiBaseUrl)) throw new TypeError(`apiBaseUrl is not a URL: ${apiBaseUrl}`);
  const url = new URL(apiBaseUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`apiBaseUrl must be http(s): ${apiBaseUrl}`);
  }
  return url;
}

function joinPaths(prefix: string, path: string): string {
  return `${prefix.replace(/\/+$/, '')}${path}`;
}
