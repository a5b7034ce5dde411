import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { closeNow, listenOnLoopback, readBody, sendJson } from './local-http';

/** One Web API call as the fake saw it. */
export interface FakeSlackCall {
  /** The Web API method, e.g. `users.info`. */
  method: string;
  /** Arguments from the query, form or JSON body, without `token`; `blocks`, `attachments`… are decoded back from JSON. */
  args: Record<string, unknown>;
  /** From `Authorization: Bearer …`, else from the `token` argument. */
  token: string | undefined;
  headers: IncomingHttpHeaders;
  receivedAt: Date;
  /** Whether the fake answered `ok: true` (false for a scripted failure); unset until it has answered. */
  ok?: boolean;
}

/** A message posted to a `response_url`. */
export type SlackResponseBody = Record<string, unknown>;

export interface FakeSlackResponseRecord {
  /** The `<id>` of `${url}/response/<id>`. */
  id: string;
  body: SlackResponseBody;
  headers: IncomingHttpHeaders;
  receivedAt: Date;
}

export interface FakeSlackUser {
  real_name?: string;
  name?: string;
  tz?: string;
  deleted?: boolean;
  is_bot?: boolean;
  profile?: { phone?: string; display_name?: string; real_name?: string; email?: string };
}

export interface FakeSlackChannel {
  name?: string;
  is_private?: boolean;
  is_member?: boolean;
  is_archived?: boolean;
}

/** Returns the answer's fields; `ok: true` is added unless the handler sets `ok` itself. */
export type FakeSlackMethodHandler = (args: Record<string, unknown>, call: FakeSlackCall) => Record<string, unknown>;

export interface FakeSlackApiOptions {
  teamId?: string;
  botUserId?: string;
  botId?: string;
  /** When set, every call must carry this token (`not_authed` / `invalid_auth` otherwise). */
  token?: string;
  /** Told of every Web API call as it arrives (the dev launcher prints channel messages with it). */
  onCall?: (call: FakeSlackCall) => void;
}

export interface FakeSlackApi {
  /** Base URL of the server, e.g. http://127.0.0.1:41234. */
  readonly url: string;
  /** `${url}/api/`: WebClient's `slackApiUrl`, Bolt's `clientOptions.slackApiUrl`, `SLACK_API_URL`. */
  readonly slackApiUrl: string;
  readonly teamId: string;
  readonly botUserId: string;
  readonly botId: string;
  /** Every Web API call, in order. */
  readonly calls: readonly FakeSlackCall[];
  callsTo(method: string): FakeSlackCall[];
  /** Adds or updates a user that `users.info` knows. */
  setUser(userId: string, user: FakeSlackUser): void;
  /** Overrides what `conversations.info` says about a channel (any channel id is known by default). */
  setChannel(channelId: string, channel: FakeSlackChannel): void;
  /** The direct-message channel `conversations.open` gives for a user (the same one every time, as Slack's). */
  imChannelOf(userId: string): string;
  /** The texts posted (chat.postMessage answered ok) to a user's direct-message channel, in order. */
  directMessagesTo(userId: string): string[];
  /** `method` answers `{ok: false, error}`: the next `times` calls, or until reset() when `times` is unset. */
  failMethod(method: string, error: string, options?: { times?: number }): void;
  /**
   * `method` answers with HTTP `status` (429 with a `Retry-After` of `retryAfterSec`, default 1; 5xx), as Slack
   * does when it throttles or fails: the next `times` calls (all until reset() when unset) for which `when`
   * holds (every call when unset).
   */
  failMethodWithStatus(method: string, status: number, options?: { times?: number; retryAfterSec?: number; when?: (args: Record<string, unknown>) => boolean }): void;
  /** Replaces the answer of `method` (or adds a method the fake does not know). */
  handle(method: string, handler: FakeSlackMethodHandler): void;
  /** A `response_url` on this fake; POSTs to it are recorded. Without `id`, a fresh one each call. */
  responseUrl(id?: string): string;
  /** The JSON bodies posted to response URLs (all, or those of one id), in order. */
  responses(id?: string): SlackResponseBody[];
  readonly responseRecords: readonly FakeSlackResponseRecord[];
  /** Resolves with the first response_url body matching `predicate`, already received or not. */
  waitForResponse(predicate?: (body: SlackResponseBody) => boolean, timeoutMs?: number): Promise<SlackResponseBody>;
  /** Resolves with the first call to `method` matching `predicate`, already received or not. */
  waitForCall(method: string, predicate?: (call: FakeSlackCall) => boolean, timeoutMs?: number): Promise<FakeSlackCall>;
  /** Forgets calls, responses, failures and handlers; users and channels stay (they are fixtures). */
  reset(): void;
  close(): Promise<void>;
}

const DEFAULT_WAIT_MS = 5_000;
// WebClient JSON-encodes every non-primitive argument into the form; these are the ones we decode back.
const JSON_ARGS = new Set(['blocks', 'attachments', 'metadata', 'view', 'user_auth_blocks']);

export async function startFakeSlackApi(options: FakeSlackApiOptions = {}): Promise<FakeSlackApi> {
  const fake = new FakeSlackApiServer(options);
  await fake.listen();
  return fake;
}

interface Waiter {
  check: () => boolean;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

interface Failure {
  error: string;
  remaining: number | undefined;
}

interface StatusFailure {
  status: number;
  retryAfterSec: number;
  remaining: number | undefined;
  when: (args: Record<string, unknown>) => boolean;
}

class FakeSlackApiServer implements FakeSlackApi {
  readonly teamId: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly #token: string | undefined;
  readonly #onCall: ((call: FakeSlackCall) => void) | undefined;
  readonly #server: Server;
  #url = '';
  #calls: FakeSlackCall[] = [];
  #responses: FakeSlackResponseRecord[] = [];
  #users = new Map<string, FakeSlackUser>();
  #channels = new Map<string, FakeSlackChannel>();
  #failures = new Map<string, Failure>();
  #statusFailures = new Map<string, StatusFailure>();
  #handlers = new Map<string, FakeSlackMethodHandler>();
  #waiters = new Set<Waiter>();
  #responseSequence = 0;
  #lastTs = 0;

  constructor(options: FakeSlackApiOptions) {
    this.teamId = options.teamId ?? 'T0001';
    this.botUserId = options.botUserId ?? 'U0BOT0001';
    this.botId = options.botId ?? 'B0001';
    this.#token = options.token;
    this.#onCall = options.onCall;
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { ok: false, error: 'fatal_error', detail: String(error) });
      });
    });
  }

  get url(): string {
    return this.#url;
  }

  get slackApiUrl(): string {
    return `${this.#url}/api/`;
  }

  get calls(): readonly FakeSlackCall[] {
    return this.#calls;
  }

  get responseRecords(): readonly FakeSlackResponseRecord[] {
    return this.#responses;
  }

  async listen(): Promise<void> {
    this.#url = await listenOnLoopback(this.#server);
  }

  callsTo(method: string): FakeSlackCall[] {
    return this.#calls.filter((c) => c.method === method);
  }

  setUser(userId: string, user: FakeSlackUser): void {
    const existing = this.#users.get(userId) ?? {};
    this.#users.set(userId, { ...existing, ...user, profile: { ...existing.profile, ...user.profile } });
  }

  setChannel(channelId: string, channel: FakeSlackChannel): void {
    this.#channels.set(channelId, { ...this.#channels.get(channelId), ...channel });
  }

  imChannelOf(userId: string): string {
    return `D${userId}`;
  }

  directMessagesTo(userId: string): string[] {
    return this.callsTo('chat.postMessage')
      .filter((call) => call.ok === true && call.args.channel === this.imChannelOf(userId))
      .map((call) => String(call.args.text ?? ''));
  }

  failMethod(method: string, error: string, options: { times?: number } = {}): void {
    this.#failures.set(method, { error, remaining: options.times });
  }

  failMethodWithStatus(method: string, status: number, options: { times?: number; retryAfterSec?: number; when?: (args: Record<string, unknown>) => boolean } = {}): void {
    this.#statusFailures.set(method, { status, retryAfterSec: options.retryAfterSec ?? 1, remaining: options.times, when: options.when ?? (() => true) });
  }

  handle(method: string, handler: FakeSlackMethodHandler): void {
    this.#handlers.set(method, handler);
  }

  responseUrl(id?: string): string {
    this.#responseSequence += 1;
    return `${this.#url}/response/${encodeURIComponent(id ?? `r${this.#responseSequence}`)}`;
  }

  responses(id?: string): SlackResponseBody[] {
    return this.#responses.filter((r) => id === undefined || r.id === id).map((r) => r.body);
  }

  waitForResponse(predicate: (body: SlackResponseBody) => boolean = () => true, timeoutMs = DEFAULT_WAIT_MS): Promise<SlackResponseBody> {
    return this.#waitFor(
      () => this.#responses.find((r) => predicate(r.body))?.body,
      () => {
        const seen = this.#responses.map((r) => JSON.stringify(r.body)).join('; ');
        return `fake Slack: no response_url body matched within ${timeoutMs} ms (received ${this.#responses.length}: ${seen || 'none'})`;
      },
      timeoutMs,
    );
  }

  waitForCall(method: string, predicate: (call: FakeSlackCall) => boolean = () => true, timeoutMs = DEFAULT_WAIT_MS): Promise<FakeSlackCall> {
    return this.#waitFor(
      () => this.#calls.find((c) => c.method === method && predicate(c)),
      () => {
        const seen = this.callsTo(method).map((c) => JSON.stringify(c.args)).join('; ');
        const methods = [...new Set(this.#calls.map((c) => c.method))].join(', ');
        return `fake Slack: no ${method} call matched within ${timeoutMs} ms (${method} calls: ${seen || 'none'}; methods called: ${methods || 'none'})`;
      },
      timeoutMs,
    );
  }

  reset(): void {
    this.#calls = [];
    this.#responses = [];
    this.#failures.clear();
    this.#statusFailures.clear();
    this.#handlers.clear();
  }

  async close(): Promise<void> {
    for (const waiter of this.#waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error('fake Slack API closed before the awaited request arrived'));
    }
    this.#waiters.clear();
    await closeNow(this.#server);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://fake-slack');
    const apiMatch = /^\/api\/([A-Za-z0-9_.]+)$/.exec(url.pathname);
    if (apiMatch?.[1]) {
      const call = this.#recordCall(apiMatch[1], req, url, raw);
      const statusFailure = this.#takeStatusFailure(call);
      if (statusFailure) {
        call.ok = false;
        const headers = statusFailure.status === 429 ? { 'Retry-After': String(statusFailure.retryAfterSec) } : {};
        res.writeHead(statusFailure.status, { 'Content-Type': 'application/json', ...headers });
        res.end(JSON.stringify({ ok: false, error: statusFailure.status === 429 ? 'ratelimited' : 'service_unavailable' }));
        this.#notifyWaiters();
        return;
      }
      // Slack answers API errors with HTTP 200 and ok:false; other statuses are scripted with failMethodWithStatus.
      const answer = this.#answer(call);
      call.ok = answer.ok !== false;
      sendJson(res, 200, answer);
      this.#notifyWaiters();
      return;
    }
    const responseMatch = /^\/response\/([^/]+)$/.exec(url.pathname);
    if (responseMatch?.[1] && req.method === 'POST') {
      this.#responses.push({
        id: decodeURIComponent(responseMatch[1]),
        body: parseResponseBody(raw, req.headers['content-type']),
        headers: req.headers,
        receivedAt: new Date(),
      });
      sendJson(res, 200, { ok: true });
      this.#notifyWaiters();
      return;
    }
    sendJson(res, 404, { ok: false, error: 'not_found' });
  }

  #recordCall(method: string, req: IncomingMessage, url: URL, raw: string): FakeSlackCall {
    const args: Record<string, unknown> = { ...Object.fromEntries(url.searchParams), ...parseArgs(raw, req.headers['content-type']) };
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const token = bearer ?? (typeof args.token === 'string' ? args.token : undefined);
    delete args.token;
    const call: FakeSlackCall = { method, args, token, headers: req.headers, receivedAt: new Date() };
    this.#calls.push(call);
    this.#onCall?.(call);
    return call;
  }

  #takeStatusFailure(call: FakeSlackCall): StatusFailure | undefined {
    const failure = this.#statusFailures.get(call.method);
    if (!failure?.when(call.args)) return undefined;
    if (failure.remaining !== undefined) {
      failure.remaining -= 1;
      if (failure.remaining <= 0) this.#statusFailures.delete(call.method);
    }
    return failure;
  }

  #answer(call: FakeSlackCall): Record<string, unknown> {
    if (this.#token !== undefined) {
      if (call.token === undefined) return { ok: false, error: 'not_authed' };
      if (call.token !== this.#token) return { ok: false, error: 'invalid_auth' };
    }
    const failure = this.#failures.get(call.method);
    if (failure) {
      if (failure.remaining !== undefined) {
        failure.remaining -= 1;
        if (failure.remaining <= 0) this.#failures.delete(call.method);
      }
      return { ok: false, error: failure.error };
    }
    const handler = this.#handlers.get(call.method) ?? this.#defaultHandler(call.method);
    if (!handler) return { ok: false, error: 'unknown_method' };
    return { ok: true, ...handler(call.args, call) };
  }

  #defaultHandler(method: string): FakeSlackMethodHandler | undefined {
    switch (method) {
      case 'auth.test':
        return () => ({
          url: 'https://klaxon-test.slack.com/',
          team: 'Klaxon Test',
          user: 'klaxon',
          team_id: this.teamId,
          user_id: this.botUserId,
          bot_id: this.botId,
          is_enterprise_install: false,
        });
      case 'users.info':
        return (args) => {
          const userId = stringArg(args, 'user');
          const user = userId === undefined ? undefined : this.#users.get(userId);
          if (userId === undefined || !user) return { ok: false, error: 'user_not_found' };
          return { user: this.#userObject(userId, user) };
        };
      case 'chat.postMessage':
        return (args) => {
          const channel = stringArg(args, 'channel');
          if (!channel) return { ok: false, error: 'channel_not_found' };
          if (!hasContent(args)) return { ok: false, error: 'no_text' };
          const ts = this.#nextTs();
          return { channel, ts, message: this.#messageObject(args, ts) };
        };
      case 'chat.update':
        return (args) => {
          const channel = stringArg(args, 'channel');
          const ts = stringArg(args, 'ts');
          if (!channel) return { ok: false, error: 'channel_not_found' };
          if (!ts) return { ok: false, error: 'message_not_found' };
          return { channel, ts, text: stringArg(args, 'text') ?? '', message: this.#messageObject(args, ts) };
        };
      case 'chat.postEphemeral':
        return (args) => {
          if (!stringArg(args, 'channel')) return { ok: false, error: 'channel_not_found' };
          if (!stringArg(args, 'user')) return { ok: false, error: 'user_not_in_channel' };
          if (!hasContent(args)) return { ok: false, error: 'no_text' };
          return { message_ts: this.#nextTs() };
        };
      case 'conversations.open':
        // One user: their direct-message channel (a deactivated one cannot be messaged). Needs `im:write`.
        return (args) => {
          const users = (stringArg(args, 'users') ?? '').split(',').filter(Boolean);
          if (users.length !== 1) return { ok: false, error: users.length === 0 ? 'users_list_not_supplied' : 'not_implemented' };
          const userId = users[0]!;
          if (this.#users.get(userId)?.deleted) return { ok: false, error: 'user_disabled' };
          if (this.#users.get(userId)?.is_bot) return { ok: false, error: 'cannot_dm_bot' };
          return { channel: { id: this.imChannelOf(userId) } };
        };
      case 'conversations.info':
        return (args) => {
          const channelId = stringArg(args, 'channel');
          if (!channelId) return { ok: false, error: 'channel_not_found' };
          return { channel: this.#channelObject(channelId) };
        };
      default:
        return undefined;
    }
  }

  #userObject(id: string, user: FakeSlackUser): Record<string, unknown> {
    const name = user.name ?? id.toLowerCase();
    const realName = user.real_name ?? user.profile?.real_name ?? name;
    const displayName = user.profile?.display_name ?? '';
    const tz = user.tz ?? 'UTC';
    return {
      id,
      team_id: this.teamId,
      name,
      deleted: user.deleted ?? false,
      real_name: realName,
      tz,
      tz_label: tz,
      tz_offset: 0,
      is_admin: false,
      is_owner: false,
      is_bot: user.is_bot ?? false,
      is_app_user: false,
      updated: Math.floor(Date.now() / 1000),
      profile: {
        real_name: realName,
        real_name_normalized: realName,
        display_name: displayName,
        display_name_normalized: displayName,
        phone: user.profile?.phone ?? '',
        ...(user.profile?.email === undefined ? {} : { email: user.profile.email }),
        team: this.teamId,
      },
    };
  }

  #messageObject(args: Record<string, unknown>, ts: string): Record<string, unknown> {
    return {
      type: 'message',
      text: stringArg(args, 'text') ?? '',
      user: this.botUserId,
      bot_id: this.botId,
      team: this.teamId,
      ts,
      ...(args.blocks === undefined ? {} : { blocks: args.blocks }),
    };
  }

  #channelObject(id: string): Record<string, unknown> {
    const channel = this.#channels.get(id) ?? {};
    const name = channel.name ?? `channel-${id.toLowerCase()}`;
    const isPrivate = channel.is_private ?? false;
    return {
      id,
      name,
      name_normalized: name,
      is_channel: !isPrivate,
      is_group: isPrivate,
      is_im: id.startsWith('D'),
      is_private: isPrivate,
      is_archived: channel.is_archived ?? false,
      is_member: channel.is_member ?? true,
      created: 1_700_000_000,
      creator: 'U0001',
    };
  }

  // Message timestamps are ids in Slack (chat.update addresses a message by ts), so they never repeat.
  #nextTs(): string {
    const micros = Math.max(Date.now() * 1000, this.#lastTs + 1);
    this.#lastTs = micros;
    return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }

  #waitFor<T>(find: () => T | undefined, describe: () => string, timeoutMs: number): Promise<T> {
    const found = find();
    if (found !== undefined) return Promise.resolve(found);
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        check: () => {
          const match = find();
          if (match === undefined) return false;
          resolve(match);
          return true;
        },
        reject,
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          reject(new Error(describe()));
        }, timeoutMs),
      };
      this.#waiters.add(waiter);
    });
  }

  #notifyWaiters(): void {
    for (const waiter of this.#waiters) {
      if (!waiter.check()) continue;
      clearTimeout(waiter.timer);
      this.#waiters.delete(waiter);
    }
  }
}

function stringArg(args: Record<string, unknown>, key: string): string | undefined {
  const value = args[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function hasContent(args: Record<string, unknown>): boolean {
  return stringArg(args, 'text') !== undefined || args.blocks !== undefined || args.attachments !== undefined;
}

function parseArgs(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (raw === '') return {};
  if (contentType?.includes('application/json')) {
    const parsed: unknown = JSON.parse(raw);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? { ...parsed } : {};
  }
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    args[key] = JSON_ARGS.has(key) ? parseJsonOr(value) : value;
  }
  return args;
}

// Bolt's respond() posts JSON; a bare form `payload=` is what older clients send.
function parseResponseBody(raw: string, contentType: string | undefined): SlackResponseBody {
  if (contentType?.includes('application/x-www-form-urlencoded')) {
    const payload = new URLSearchParams(raw).get('payload');
    const parsed = payload === null ? undefined : parseJsonOr(payload);
    return isRecord(parsed) ? parsed : { text: raw };
  }
  const parsed = parseJsonOr(raw);
  return isRecord(parsed) ? parsed : { text: raw };
}

function parseJsonOr(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}


