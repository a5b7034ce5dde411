import { errors as undiciErrors, Pool, type Dispatcher } from 'undici';
import {
  CALENDAR_FEED_ROUTE,
  CALENDAR_TOKEN_HEADER,
  GATEWAY_AGENT_IDLE_MS,
  REQUEST_ID_HEADER,
  SERVICE_KEY_HEADER,
  twilioWebhookPath,
  type AlertDto,
  type AlertEventsDto,
  type AlertListDto,
  type AlertStatus,
  type ContactDto,
  type MaintenanceDto,
  type MaintenanceListDto,
  type MaintenanceRequestBody,
  type OnCallOverviewDto,
  type OwnPhoneRequest,
  type PhoneStatusDto,
  type VerifyPhoneRequest,
  type SlackAlertRequest,
  type TestPagesDto,
  type TestPagesRequest,
  type TransitionRequest,
  type TwilioWebhookRoute,
  type UpsertContactRequest,
} from '@klaxon/contracts';
import type { Logger } from '@klaxon/logger';
import { BackendRejectedError, BackendUnavailableError, type RejectionBody } from './errors';
import type { ForwardOperation, ForwardOutcome, ForwardRecorder } from './metrics';

export interface BackendClientOptions {
  baseUrl: string;
  serviceKey: string;
  timeoutMs: number;
  logger: Logger;
  /** Where each call's outcome is counted (metrics); none by default. */
  recorder?: ForwardRecorder;
}

/** Per call: the id the backend dedupes on, and optionally a shorter timeout (a retry loop's remaining budget). */
export interface CallOptions {
  requestId: string;
  timeoutMs?: number;
}

/** An alert number (`42`) or UUID: the backend accepts either in `/alerts/:ref`. */
export type AlertRef = number | string;

// A kept-alive socket the backend closed while idle fails the next request at once with one of these.
const STALE_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

type Method = Dispatcher.HttpMethod;

/** The gateway's only way to the backend: keep-alive, a timeout, and one safe retry on a stale socket. */
export class BackendClient {
  /**
   * undici's pool, not axios: this hop is on every command's path, and an axios call took ~130 µs of CPU more
   * than undici's `request` here (docs/benchmark.md, "The gateway's hop to the backend").
   */
  private readonly pool: Pool;
  private readonly headers: Record<string, string>;
  private readonly logger: Logger;
  private readonly recorder: ForwardRecorder | null;
  private readonly timeoutMs: number;

  constructor({ baseUrl, serviceKey, timeoutMs, logger, recorder }: BackendClientOptions) {
    this.logger = logger;
    this.recorder = recorder ?? null;
    this.timeoutMs = timeoutMs;
    this.headers = { [SERVICE_KEY_HEADER]: serviceKey, 'content-type': 'application/json' };
    // Idle sockets are dropped before the backend's keep-alive timeout would drop them under us.
    this.pool = new Pool(baseUrl, { connections: 64, keepAliveTimeout: GATEWAY_AGENT_IDLE_MS, keepAliveMaxTimeout: GATEWAY_AGENT_IDLE_MS });
  }

  /**
   * Raises an alert; the request id makes a repeated call return the first answer instead of a second alert.
   * `created` is false when the backend joined an existing open alert (200 rather than 201).
   */
  async raiseAlert(body: SlackAlertRequest, options: CallOptions): Promise<{ alert: AlertDto; created: boolean }> {
    // The private route for text typed in Slack: the backend records origin `slack` and keeps it as Slack markup.
    const { data, status } = await this.call<AlertDto>('POST', '/slack/alert', options, { body, operation: 'raise' });
    return { alert: data, created: status === 201 };
  }

  async listAlerts(query: { tenantId: string; status: AlertStatus; limit: number }, options: CallOptions): Promise<AlertListDto> {
    const params = { tenant_id: query.tenantId, status: query.status, limit: query.limit };
    return (await this.call<AlertListDto>('GET', '/alerts', options, { params, operation: 'list' })).data;
  }

  async getAlert(tenantId: string, ref: AlertRef, options: CallOptions): Promise<AlertDto> {
    return (await this.call<AlertDto>('GET', alertPath(ref), options, { params: { tenant_id: tenantId }, operation: 'get' })).data;
  }

  async alertEvents(tenantId: string, ref: AlertRef, options: CallOptions): Promise<AlertEventsDto> {
    return (await this.call<AlertEventsDto>('GET', `${alertPath(ref)}/events`, options, { params: { tenant_id: tenantId }, operation: 'events' })).data;
  }

  /** 409 (already there, or resolved) arrives as a BackendRejectedError whose body carries `current`. */
  async transition(kind: 'acknowledge' | 'resolve', tenantId: string, ref: AlertRef, body: TransitionRequest, options: CallOptions): Promise<AlertDto> {
    return (await this.call<AlertDto>('PUT', `${alertPath(ref)}/${kind}`, options, { body, params: { tenant_id: tenantId }, operation: 'transition' })).data;
  }

  async setContact(tenantId: string, slackUserId: string, body: UpsertContactRequest, options: CallOptions): Promise<ContactDto> {
    return (await this.call<ContactDto>('PUT', contactPath(tenantId, slackUserId), options, { body, operation: 'set_contact' })).data;
  }

  /** `/alert phone`: the number pages use and the one waiting for its code. */
  async ownPhone(tenantId: string, slackUserId: string, options: CallOptions): Promise<PhoneStatusDto> {
    return (await this.call<PhoneStatusDto>('GET', ownPhonePath(tenantId, slackUserId), options, { operation: 'own_phone' })).data;
  }

  /** `/alert phone +…`: the number waits for the code the backend sends to it (the private route: the person's own say-so). */
  async requestPhoneCode(tenantId: string, slackUserId: string, body: OwnPhoneRequest, options: CallOptions): Promise<PhoneStatusDto> {
    return (await this.call<PhoneStatusDto>('PUT', ownPhonePath(tenantId, slackUserId), options, { body, operation: 'request_phone_code' })).data;
  }

  /** `/alert phone verify 123456`. */
  async verifyPhone(tenantId: string, slackUserId: string, body: VerifyPhoneRequest, options: CallOptions): Promise<PhoneStatusDto> {
    return (await this.call<PhoneStatusDto>('POST', `${ownPhonePath(tenantId, slackUserId)}/verify`, options, { body, operation: 'verify_phone' })).data;
  }

  /** `/alert test`: TEST pages to the user on each accepted channel; what each did. */
  async testPages(tenantId: string, slackUserId: string, options: CallOptions): Promise<TestPagesDto> {
    const body: TestPagesRequest = { tenant_id: tenantId, slack_user_id: slackUserId };
    return (await this.call<TestPagesDto>('POST', '/test-pages', options, { body, operation: 'test_pages' })).data;
  }

  /** `/alert oncall [name]`: who is on call now, per service (or the named service or schedule). */
  async onCall(tenantId: string, name: string | null, options: CallOptions): Promise<OnCallOverviewDto> {
    const params = name === null ? undefined : { name };
    return (await this.call<OnCallOverviewDto>('GET', `/oncall/${encodeURIComponent(tenantId)}`, options, { params, operation: 'oncall' })).data;
  }

  /** `/alert maintenance payments 2h …`: the service is in maintenance until `body.end` (404: no such service). */
  async openMaintenance(tenantId: string, service: string, body: MaintenanceRequestBody, options: CallOptions): Promise<MaintenanceDto> {
    return (await this.call<MaintenanceDto>('POST', maintenancePath(tenantId, service), options, { body, operation: 'maintenance' })).data;
  }

  /** `/alert maintenance`: every service's windows (or the named service's), current and upcoming. */
  async listMaintenance(tenantId: string, service: string | null, options: CallOptions): Promise<MaintenanceDto[]> {
    const path = service === null ? `/maintenance/${encodeURIComponent(tenantId)}` : maintenancePath(tenantId, service);
    return (await this.call<MaintenanceListDto>('GET', path, options, { operation: 'maintenance' })).data.maintenance;
  }

  /** `/alert maintenance payments end`: ends one window now. */
  async endMaintenance(tenantId: string, service: string, id: string, options: CallOptions): Promise<MaintenanceDto> {
    return (await this.call<MaintenanceDto>('DELETE', `${maintenancePath(tenantId, service)}/${encodeURIComponent(id)}`, options, { operation: 'maintenance' })).data;
  }

  /** The user's own contact, or null when they have none (404). */
  async findContact(tenantId: string, slackUserId: string, options: CallOptions): Promise<ContactDto | null> {
    try {
      return (await this.call<ContactDto>('GET', contactPath(tenantId, slackUserId), options, { operation: 'find_contact' })).data;
    } catch (error) {
      if (error instanceof BackendRejectedError && error.status === 404) return null;
      throw error;
    }
  }

  /**
   * The backend's own /health, for the gateway's detailed health check: its HTTP status, or null when it did
   * not answer. Not counted as a forward.
   */
  async health(): Promise<number | null> {
    try {
      const { statusCode, body } = await this.pool.request({ method: 'GET', path: '/health', signal: AbortSignal.timeout(Math.min(this.timeoutMs, 2000)) });
      await body.dump();
      return statusCode;
    } catch {
      return null;
    }
  }

  /**
   * Forwards a verified Twilio webhook to the backend's route for it, and hands back its answer as it came
   * (TwiML, or nothing): the gateway relays it to Twilio unchanged. The path is built from the route, never
   * copied from the request, so no request can reach a backend route outside /twilio/.
   */
  async twilioWebhook(route: TwilioWebhookRoute, fields: Record<string, string>, options: CallOptions): Promise<{ status: number; contentType: string | null; body: string }> {
    const { data, status, contentType } = await this.call<string>('POST', twilioWebhookPath(route), options, { body: fields, asText: true, operation: 'twilio_webhook' });
    return { status, contentType, body: data };
  }

  /**
   * A schedule's calendar feed by its token, or null when the token opens none (the backend's 404). The token
   * goes in a header, never the path: paths get logged, here and in the backend.
   */
  async calendarFeed(token: string, options: CallOptions): Promise<{ body: string; contentType: string | null; cacheControl: string | null } | null> {
    try {
      const { data, contentType, cacheControl } = await this.call<string>('GET', CALENDAR_FEED_ROUTE, options, { headers: { [CALENDAR_TOKEN_HEADER]: token }, asText: true, operation: 'calendar' });
      return { body: data, contentType, cacheControl };
    } catch (error) {
      if (error instanceof BackendRejectedError && error.status === 404) return null;
      throw error;
    }
  }

  close(): void {
    void this.pool.destroy();
  }

  private async call<T>(
    method: Method,
    path: string,
    options: CallOptions,
    request: { body?: unknown; params?: Record<string, string | number>; headers?: Record<string, string>; operation: ForwardOperation; asText?: boolean },
  ): Promise<Answer<T>> {
    const started = performance.now();
    const count = (outcome: ForwardOutcome) => this.recorder?.forward(request.operation, outcome, (performance.now() - started) / 1000);
    try {
      const answer = await this.send<T>(method, path, options, request);
      count('ok');
      return answer;
    } catch (error) {
      count(outcomeOf(error));
      throw error;
    }
  }

  private async send<T>(
    method: Method,
    path: string,
    options: CallOptions,
    { body, params, headers = {}, asText = false }: { body?: unknown; params?: Record<string, string | number>; headers?: Record<string, string>; asText?: boolean },
    attempt = 1,
  ): Promise<Answer<T>> {
    const deadline = AbortSignal.timeout(options.timeoutMs ?? this.timeoutMs);
    let answer: Dispatcher.ResponseData;
    let text: string;
    try {
      answer = await this.pool.request({
        method,
        path: params ? `${path}?${new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]))}` : path,
        headers: { ...this.headers, ...headers, [REQUEST_ID_HEADER]: options.requestId },
        body: body === undefined ? null : JSON.stringify(body),
        signal: deadline,
      });
      text = await answer.body.text();
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      if (attempt === 1 && !deadline.aborted && STALE_SOCKET_CODES.has(code)) {
        // Same request id: if the first try did reach the backend, this one returns its answer, not a second alert.
        this.logger.warn('backend closed a kept-alive socket, retrying once', { path, errorCode: code });
        return this.send<T>(method, path, options, { body, params, headers, asText }, attempt + 1);
      }
      const timedOut = deadline.aborted || error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError;
      const reason = timedOut ? 'did not answer in time' : `is unreachable (${code || (error as Error).message})`;
      throw new BackendUnavailableError(`the Klaxon backend ${reason}`, { cause: error, timedOut });
    }
    const data = asText ? text : parseJson(text) ?? text;
    const header = (name: string): string | null => {
      const value = answer.headers[name];
      return typeof value === 'string' ? value : null;
    };
    if (answer.statusCode >= 400) throw answerError(answer.statusCode, asText ? parseJson(text) : data, header('retry-after'));
    return { data: data as T, status: answer.statusCode, contentType: header('content-type'), cacheControl: header('cache-control') };
  }
}

/** What one backend call gave back. */
interface Answer<T> {
  data: T;
  status: number;
  contentType: string | null;
  cacheControl: string | null;
}

function outcomeOf(error: unknown): ForwardOutcome {
  if (error instanceof BackendRejectedError) return error.status === 429 ? 'rate_limited' : 'rejected';
  if (error instanceof BackendUnavailableError) return error.answered ? 'backend_error' : 'backend_unavailable';
  return 'backend_unavailable';
}

function alertPath(ref: AlertRef): string {
  return `/alerts/${encodeURIComponent(String(ref))}`;
}

function contactPath(tenantId: string, slackUserId: string): string {
  return `/contacts/${encodeURIComponent(tenantId)}/${encodeURIComponent(slackUserId)}`;
}

function maintenancePath(tenantId: string, service: string): string {
  return `/services/${encodeURIComponent(tenantId)}/${encodeURIComponent(service)}/maintenance`;
}

function ownPhonePath(tenantId: string, slackUserId: string): string {
  return `/slack${contactPath(tenantId, slackUserId)}/phone`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function answerError(status: number, data: unknown, retryAfter: unknown): Error {
  const body = (typeof data === 'object' && data !== null ? data : {}) as Partial<RejectionBody>;
  const error = body.error ?? 'unknown';
  const detail = body.detail ?? 'no detail given';
  // A 5xx says nothing was done, exactly like a network failure, so callers treat both alike (and may retry).
  // Except `not_sent`: the backend worked and a provider refused (a verification code), and the person must
  // read the provider's reason, not "Klaxon is down".
  if (status >= 500 && error !== 'not_sent') {
    const reason = error === 'database_unavailable' ? 'cannot reach its database' : `failed (${status} ${error})`;
    return new BackendUnavailableError(`the Klaxon backend ${reason}`, { answered: true });
  }
  const seconds = Number(retryAfter);
  return new BackendRejectedError(status, { ...body, error, detail }, Number.isFinite(seconds) && seconds > 0 ? seconds : null);
}
