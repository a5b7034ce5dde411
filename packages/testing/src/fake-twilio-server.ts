import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { assertNever } from '@klaxon/contracts';
import { closeNow, listenOnLoopback, readBody, sendJson } from './local-http';

/** One HTTP request as the fake saw it. */
export interface FakeTwilioRequest {
  method: string;
  /** Path without the query string, e.g. `/2010-04-01/Accounts/AC…/Messages.json`. */
  path: string;
  query: Record<string, string>;
  /** Form fields (`To`, `From`, `Body`, `Twiml`…); a repeated field keeps its first value here. */
  form: Record<string, string>;
  /** Every value of every field, for the ones Twilio takes repeatedly (`MediaUrl`, `StatusCallbackEvent`). */
  formAll: Record<string, string[]>;
  /** The Basic-auth user name, normally the account SID. */
  authUser: string | undefined;
  headers: IncomingHttpHeaders;
  receivedAt: Date;
  /** The status the fake answered with; undefined while the answer is delayed, or when the socket was dropped. */
  responseStatus: number | undefined;
  /** SID of the message or call created, fetched or updated, when the answer was a success. */
  sid: string | undefined;
}

/** A Twilio REST error, as `{code, message, more_info, status}` in the response body. */
export interface TwilioErrorSpec {
  status: number;
  code: number;
  message: string;
  moreInfo?: string;
}

export type FakeTwilioOutcome =
  | { type: 'success' }
  | ({ type: 'error' } & TwilioErrorSpec)
  /** The socket is destroyed without an answer: the SDK sees a network error (ECONNRESET). */
  | { type: 'drop' }
  /** Never answered and nothing created: the client's own timeout ends it (a hung provider). */
  | { type: 'hang' }
  | { type: 'raw'; status: number; body: string; contentType?: string };

/** Consulted for every create request (POST …/Messages.json, …/Calls.json); undefined → the default answer. */
export type FakeTwilioResponder = (request: FakeTwilioRequest) => FakeTwilioOutcome | undefined;

export type FakeTwilioPredicate = (request: FakeTwilioRequest) => boolean;

export interface FakeTwilioOptions {
  accountSid?: string;
  /** When set, the Basic-auth password must equal it; otherwise any non-empty password is accepted. */
  authToken?: string;
  /** Called with every request once answered (`npm start`'s stand-in prints the pages it receives). */
  onAnswered?: (request: FakeTwilioRequest) => void;
}

export interface FakeTwilio {
  /** Base URL to give the SDK (`apiBaseUrl` / `TWILIO_API_BASE_URL`), e.g. http://127.0.0.1:41234. */
  readonly url: string;
  readonly accountSid: string;
  /** Every request received, in order, including rejected ones. */
  readonly requests: readonly FakeTwilioRequest[];
  /** Every POST to …/Messages.json (each attempt, failed ones too: check `responseStatus`). */
  messages(): FakeTwilioRequest[];
  /** Every POST to …/Calls.json (each attempt, failed ones too: check `responseStatus`). */
  calls(): FakeTwilioRequest[];
  /** The next `count` create requests answer with this error. */
  failNext(count: number, error: TwilioErrorSpec): void;
  /** The next `count` create requests get their socket destroyed without an answer. */
  dropNext(count: number): void;
  /** Scripts create requests after the queued failNext/dropNext outcomes are used up; undefined removes it. */
  respondWith(responder: FakeTwilioResponder | undefined): void;
  /** The next `count` (default 1) create requests are answered `ms` late, to exercise client timeouts. */
  delayNext(ms: number, count?: number): void;
  /** The next create request is answered only once `until` settles: to order a page after something the test awaits. */
  holdNext(until: Promise<unknown>): void;
  /** Resolves with the first successfully created message matching `predicate`, already received or not. */
  waitForMessage(predicate?: FakeTwilioPredicate, timeoutMs?: number): Promise<FakeTwilioRequest>;
  /** Resolves with the first successfully created call matching `predicate`, already received or not. */
  waitForCall(predicate?: FakeTwilioPredicate, timeoutMs?: number): Promise<FakeTwilioRequest>;
  /** Forgets requests, resources, scripts and delays; the URL stays the same. */
  reset(): void;
  close(): Promise<void>;
}

const API_PREFIX = '/2010-04-01';
const DEFAULT_ACCOUNT_SID = `AC${'0'.repeat(31)}1`;
const DEFAULT_WAIT_MS = 5_000;
// WhatsApp and SMS addresses as Twilio accepts them; anything else is Twilio's error 21211.
const MESSAGE_TO = /^(whatsapp:)?\+[1-9]\d{6,14}$/;
const CALL_TO = /^(\+[1-9]\d{6,14}|client:\S+|sip:\S+)$/;
const MAX_BODY_CHARS = 1600;
// Inline TwiML of a call, counted as sent (after XML escaping); over it Twilio answers 32018.
const MAX_TWIML_CHARS = 4000;

export async function startFakeTwilio(options: FakeTwilioOptions = {}): Promise<FakeTwilio> {
  const fake = new FakeTwilioServer(options.accountSid ?? DEFAULT_ACCOUNT_SID, options.authToken, options.onAnswered);
  await fake.listen();
  return fake;
}

type Resource = Record<string, unknown> & { sid: string };
type ResourceKind = 'Messages' | 'Calls';

interface Waiter {
  matches: FakeTwilioPredicate;
  resolve: (request: FakeTwilioRequest) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

class FakeTwilioServer implements FakeTwilio {
  readonly accountSid: string;
  readonly #authToken: string | undefined;
  readonly #server: Server;
  #url = '';
  #requests: FakeTwilioRequest[] = [];
  #queued: FakeTwilioOutcome[] = [];
  #delays: Array<number | Promise<unknown>> = [];
  #responder: FakeTwilioResponder | undefined;
  #resources = new Map<string, Resource>();
  #waiters = new Set<Waiter>();
  #timers = new Set<NodeJS.Timeout>();

  readonly #onAnswered: ((request: FakeTwilioRequest) => void) | undefined;

  constructor(accountSid: string, authToken: string | undefined, onAnswered?: (request: FakeTwilioRequest) => void) {
    this.accountSid = accountSid;
    this.#authToken = authToken;
    this.#onAnswered = onAnswered;
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { code: 20500, message: String(error), status: 500 });
      });
    });
  }

  get url(): string {
    return this.#url;
  }

  get requests(): readonly FakeTwilioRequest[] {
    return this.#requests;
  }

  async listen(): Promise<void> {
    this.#url = await listenOnLoopback(this.#server);
  }

  messages(): FakeTwilioRequest[] {
    return this.#requests.filter((r) => r.method === 'POST' && this.#isCollection(r.path, 'Messages'));
  }

  calls(): FakeTwilioRequest[] {
    return this.#requests.filter((r) => r.method === 'POST' && this.#isCollection(r.path, 'Calls'));
  }

  failNext(count: number, error: TwilioErrorSpec): void {
    for (let i = 0; i < count; i += 1) this.#queued.push({ type: 'error', ...error });
  }

  dropNext(count: number): void {
    for (let i = 0; i < count; i += 1) this.#queued.push({ type: 'drop' });
  }

  respondWith(responder: FakeTwilioResponder | undefined): void {
    this.#responder = responder;
  }

  delayNext(ms: number, count = 1): void {
    for (let i = 0; i < count; i += 1) this.#delays.push(ms);
  }

  holdNext(until: Promise<unknown>): void {
    this.#delays.push(until);
  }

  waitForMessage(predicate: FakeTwilioPredicate = () => true, timeoutMs = DEFAULT_WAIT_MS): Promise<FakeTwilioRequest> {
    return this.#waitForCreated('Messages', predicate, timeoutMs);
  }

  waitForCall(predicate: FakeTwilioPredicate = () => true, timeoutMs = DEFAULT_WAIT_MS): Promise<FakeTwilioRequest> {
    return this.#waitForCreated('Calls', predicate, timeoutMs);
  }

  reset(): void {
    this.#requests = [];
    this.#queued = [];
    this.#delays = [];
    this.#responder = undefined;
    this.#resources.clear();
  }

  async close(): Promise<void> {
    for (const waiter of this.#waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error('fake Twilio closed before the awaited request arrived'));
    }
    this.#waiters.clear();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await closeNow(this.#server);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const request = await this.#record(req);
    const answer = (status: number, body: unknown, sid?: string): void => {
      request.responseStatus = status;
      request.sid = sid;
      sendJson(res, status, body);
      this.#notifyWaiters();
      this.#onAnswered?.(request);
    };

    if (!request.path.startsWith(`${API_PREFIX}/Accounts/`)) {
      answer(404, twilioError({ status: 404, code: 20404, message: `The requested resource ${request.path} was not found` }));
      return;
    }
    if (!this.#authenticated(req, request.path)) {
      res.setHeader('WWW-Authenticate', 'Basic realm="Twilio API"');
      answer(401, twilioError({ status: 401, code: 20003, message: 'Authenticate' }));
      return;
    }

    // The account itself, as `client.api.v2010.accounts(sid).fetch()` reads it (npm run doctor checks credentials so).
    if (request.method === 'GET' && request.path === `${API_PREFIX}/Accounts/${this.accountSid}.json`) {
      answer(200, { sid: this.accountSid, friendly_name: 'Fake Twilio account', status: 'active', type: 'Full', auth_token: '[not shown]', uri: `${API_PREFIX}/Accounts/${this.accountSid}.json` });
      return;
    }
    const collection = this.#collectionOf(request.path);
    if (collection && request.method === 'POST') {
      await this.#create(request, collection, res, answer);
      return;
    }
    const instance = this.#instanceOf(request.path);
    const resource = instance ? this.#resources.get(instance.sid) : undefined;
    if (instance && resource && (request.method === 'GET' || request.method === 'POST')) {
      if (request.method === 'POST') applyUpdate(resource, request.form);
      answer(200, resource, resource.sid);
      return;
    }
    answer(404, twilioError({ status: 404, code: 20404, message: `The requested resource ${request.path} was not found` }));
  }

  async #create(
    request: FakeTwilioRequest,
    kind: ResourceKind,
    res: ServerResponse,
    answer: (status: number, body: unknown, sid?: string) => void,
  ): Promise<void> {
    const delay = this.#delays.shift();
    // The work is still done after the client gave up, as at Twilio: a timeout is an unknown outcome.
    if (typeof delay === 'number') await this.#sleep(delay);
    // A hold whose awaited event failed still answers: the test reports its own failure.
    else if (delay !== undefined) await delay.catch(() => undefined);

    const outcome = this.#queued.shift() ?? this.#responder?.(request) ?? { type: 'success' };
    switch (outcome.type) {
      case 'drop':
        res.socket?.destroy();
        return;
      case 'hang':
        return;
      case 'raw':
        request.responseStatus = outcome.status;
        res.writeHead(outcome.status, { 'Content-Type': outcome.contentType ?? 'application/json' }).end(outcome.body);
        this.#notifyWaiters();
        return;
      case 'error':
        answer(outcome.status, twilioError(outcome));
        return;
      case 'success': {
        const invalid = kind === 'Messages' ? validateMessage(request.form) : validateCall(request.form);
        if (invalid) {
          answer(invalid.status, twilioError(invalid));
          return;
        }
        const resource = kind === 'Messages' ? this.#messageResource(request.form) : this.#callResource(request.form);
        this.#resources.set(resource.sid, resource);
        answer(201, resource, resource.sid);
        return;
      }
      default:
        assertNever(outcome);
    }
  }

  async #record(req: IncomingMessage): Promise<FakeTwilioRequest> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://fake-twilio');
    const formAll = parseFields(raw, req.headers['content-type']);
    const request: FakeTwilioRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      form: Object.fromEntries(Object.entries(formAll).map(([key, values]) => [key, values[0] ?? ''])),
      formAll,
      authUser: basicAuth(req.headers.authorization)?.user,
      headers: req.headers,
      receivedAt: new Date(),
      responseStatus: undefined,
      sid: undefined,
    };
    this.#requests.push(request);
    return request;
  }

  #authenticated(req: IncomingMessage, path: string): boolean {
    const credentials = basicAuth(req.headers.authorization);
    if (!credentials || credentials.user !== this.accountSid || credentials.password === '') return false;
    if (this.#authToken !== undefined && credentials.password !== this.#authToken) return false;
    // A valid key for one account grants nothing on another.
    return path.startsWith(`${API_PREFIX}/Accounts/${this.accountSid}/`) || path === `${API_PREFIX}/Accounts/${this.accountSid}.json`;
  }

  #isCollection(path: string, kind: ResourceKind): boolean {
    return path === `${API_PREFIX}/Accounts/${this.accountSid}/${kind}.json`;
  }

  #collectionOf(path: string): ResourceKind | undefined {
    if (this.#isCollection(path, 'Messages')) return 'Messages';
    if (this.#isCollection(path, 'Calls')) return 'Calls';
    return undefined;
  }

  #instanceOf(path: string): { kind: ResourceKind; sid: string } | undefined {
    const match = /^\/2010-04-01\/Accounts\/[^/]+\/(Messages|Calls)\/([A-Z]{2}[0-9a-f]{32})\.json$/.exec(path);
    if (!match?.[1] || !match[2]) return undefined;
    return { kind: match[1] as ResourceKind, sid: match[2] };
  }

  #messageResource(form: Record<string, string>): Resource {
    const sid = newSid('SM');
    const now = rfc2822(new Date());
    const base = `${API_PREFIX}/Accounts/${this.accountSid}/Messages/${sid}`;
    return {
      account_sid: this.accountSid,
      api_version: '2010-04-01',
      body: form.Body ?? '',
      date_created: now,
      date_sent: null,
      date_updated: now,
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from: form.From ?? null,
      messaging_service_sid: form.MessagingServiceSid ?? null,
      num_media: String(form.MediaUrl ? 1 : 0),
      num_segments: '1',
      price: null,
      price_unit: 'USD',
      sid,
      // Twilio answers `accepted` when a Messaging Service still has to pick the sender.
      status: form.From ? 'queued' : 'accepted',
      subresource_uris: { media: `${base}/Media.json`, feedback: `${base}/Feedback.json` },
      to: form.To ?? '',
      uri: `${base}.json`,
    };
  }

  #callResource(form: Record<string, string>): Resource {
    const sid = newSid('CA');
    const now = rfc2822(new Date());
    const base = `${API_PREFIX}/Accounts/${this.accountSid}/Calls/${sid}`;
    return {
      account_sid: this.accountSid,
      annotation: null,
      answered_by: null,
      api_version: '2010-04-01',
      caller_name: null,
      date_created: now,
      date_updated: now,
      direction: 'outbound-api',
      duration: null,
      end_time: null,
      forwarded_from: null,
      from: form.From ?? '',
      from_formatted: form.From ?? '',
      group_sid: null,
      parent_call_sid: null,
      phone_number_sid: null,
      price: null,
      price_unit: 'USD',
      queue_time: '0',
      sid,
      start_time: null,
      status: 'queued',
      subresource_uris: {
        notifications: `${base}/Notifications.json`,
        recordings: `${base}/Recordings.json`,
        events: `${base}/Events.json`,
      },
      to: form.To ?? '',
      to_formatted: form.To ?? '',
      trunk_sid: null,
      uri: `${base}.json`,
    };
  }

  #waitForCreated(kind: ResourceKind, predicate: FakeTwilioPredicate, timeoutMs: number): Promise<FakeTwilioRequest> {
    const matches = (r: FakeTwilioRequest): boolean =>
      r.method === 'POST' && this.#isCollection(r.path, kind) && r.responseStatus === 201 && predicate(r);
    const found = this.#requests.find(matches);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        matches,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          const seen = this.#requests.filter((r) => this.#isCollection(r.path, kind));
          const summary = seen.map((r) => `${r.responseStatus ?? 'no answer'} ${JSON.stringify(r.form)}`).join('; ');
          reject(new Error(`fake Twilio: no ${kind} create matched within ${timeoutMs} ms (received ${seen.length}: ${summary || 'none'})`));
        }, timeoutMs),
      };
      this.#waiters.add(waiter);
    });
  }

  #notifyWaiters(): void {
    for (const waiter of this.#waiters) {
      const found = this.#requests.find(waiter.matches);
      if (!found) continue;
      clearTimeout(waiter.timer);
      this.#waiters.delete(waiter);
      waiter.resolve(found);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        resolve();
      }, ms);
      this.#timers.add(timer);
    });
  }
}

function validateMessage(form: Record<string, string>): TwilioErrorSpec | undefined {
  if (!form.To) return { status: 400, code: 21604, message: "A 'To' phone number is required." };
  if (!MESSAGE_TO.test(form.To)) return { status: 400, code: 21211, message: `Invalid 'To' Phone Number: ${form.To}` };
  if (!form.From && !form.MessagingServiceSid) return { status: 400, code: 21603, message: "A 'From' phone number is required." };
  if (!form.Body && !form.MediaUrl && !form.ContentSid) return { status: 400, code: 21602, message: 'Message body is required.' };
  if ((form.Body ?? '').length > MAX_BODY_CHARS) {
    return { status: 400, code: 21617, message: 'The concatenated message body exceeds the 1600 character limit.' };
  }
  return undefined;
}

function validateCall(form: Record<string, string>): TwilioErrorSpec | undefined {
  if (!form.To) return { status: 400, code: 21201, message: "No 'To' number is specified" };
  if (!CALL_TO.test(form.To)) return { status: 400, code: 21211, message: `Invalid 'To' Phone Number: ${form.To}` };
  if (!form.From) return { status: 400, code: 21213, message: "No 'From' number is specified" };
  if (!form.Url && !form.Twiml && !form.ApplicationSid) {
    return { status: 400, code: 21205, message: 'Either Url, Twiml or ApplicationSid is required' };
  }
  if ((form.Twiml ?? '').length > MAX_TWIML_CHARS) {
    return { status: 400, code: 32018, message: 'The TwiML provided exceeds the maximum length of 4000 characters.' };
  }
  return undefined;
}

function applyUpdate(resource: Resource, form: Record<string, string>): void {
  if (form.Status) resource.status = form.Status;
  if (form.Body !== undefined) resource.body = form.Body;
  resource.date_updated = rfc2822(new Date());
}

function twilioError({ status, code, message, moreInfo }: TwilioErrorSpec): Record<string, unknown> {
  return { code, message, more_info: moreInfo ?? `https://www.twilio.com/docs/errors/${code}`, status };
}


function basicAuth(header: string | undefined): { user: string; password: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function parseFields(raw: string, contentType: string | undefined): Record<string, string[]> {
  const fields: Record<string, string[]> = {};
  if (raw === '') return fields;
  if (contentType?.includes('application/json')) {
    const parsed: unknown = JSON.parse(raw);
    if (parsed && typeof parsed === 'object') {
      for (const [key, value] of Object.entries(parsed)) {
        fields[key] = (Array.isArray(value) ? value : [value]).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
      }
    }
    return fields;
  }
  for (const [key, value] of new URLSearchParams(raw)) (fields[key] ??= []).push(value);
  return fields;
}


// Twilio SIDs: a two-letter type prefix and 32 hex digits (34 characters).
function newSid(prefix: 'SM' | 'CA'): string {
  return `${prefix}${randomBytes(16).toString('hex')}`;
}

// Twilio's REST dates are RFC 2822 with a numeric zone, e.g. "Mon, 01 Sep 2026 12:00:00 +0000".
function rfc2822(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}
