import path from 'node:path';
import type { z } from 'zod';
import { ConfigError } from './config-error';
import { publicBaseUrlProblem } from './public-origin';
import type { LOG_FORMATS, LOG_LEVELS } from './schema';
import { type BackendEnv, type GatewayEnv, backendEnvSchema, gatewayEnvSchema } from './schema';
import { type ServiceKey, type TenantChannel, parseServiceKeys, parseTenantChannels } from './service-keys';

type Env = Record<string, string | undefined>;

export interface LogConfig {
  level: (typeof LOG_LEVELS)[number];
  format: (typeof LOG_FORMATS)[number];
}

export interface GatewayConfig {
  nodeEnv: GatewayEnv['NODE_ENV'];
  host: string;
  port: number;
  /** The loopback-only listener for /metrics and the detailed /healthz. */
  metricsPort: number;
  backendUrl: string;
  backendTimeoutMs: number;
  /** GATEWAY_MAX_IN_FLIGHT and GATEWAY_MAX_QUEUE. */
  forwards: { maxInFlight: number; maxQueued: number };
  /** SLACK_INLINE_ANSWER_MS: an answer ready this soon is the command's ack; a later one goes to response_url. */
  inlineAnswerMs: number;
  /** The key the gateway presents to the backend: the first key not bound to a tenant. */
  serviceKey: string;
  slack: { signingSecret: string; botToken: string; apiUrl?: string; botId?: string; botUserId?: string };
  /** The https origin Twilio calls; part of what it signs. */
  publicBaseUrl: string;
  /** null: no TWILIO_AUTH_TOKEN, so /twilio/* webhooks cannot be verified and are refused. */
  twilio: { authToken: string } | null;
  log: LogConfig;
}

export interface TwilioConfig {
  accountSid: string;
  authToken: string;
  whatsappFrom?: string;
  whatsappContentSid?: string;
  /** An approved WhatsApp authentication template (`{{1}}` the code), for verification codes outside the session window. */
  whatsappCodeContentSid?: string;
  voiceFrom?: string;
  smsFrom?: string;
  apiBaseUrl?: string;
}

/** Email pages through an SMTP relay. */
export interface EmailConfig {
  /** `smtp://user:password@host:587` (STARTTLS) or `smtps://…:465` (TLS); holds a secret. */
  smtpUrl: string;
  /** The From header, as configured: `pager@example.com` or `Klaxon <pager@example.com>`. */
  from: string;
}

/** Delivery and escalation policy knobs (DESIGN.md "Notification policy"). */
export interface NotifyConfig {
  escalateAfterMs: number;
  escalationRounds: number;
  maxAttempts: number;
  retryBaseMs: number;
  /** A claimed delivery not finished within this time is taken to be lost with its process and sent again. */
  leaseMs: number;
  concurrency: number;
}

export interface PagingLimitsConfig {
  /** Alerts one Slack user may raise per window (429 beyond). */
  perUser: number;
  /** Alerts one tenant may raise per window, whoever raises them (429 beyond). */
  perTenant: number;
  /** Pages one phone number receives per window, across tenants; the rest are held until there is room. */
  perRecipient: number;
  /** Alerts all tenants together may raise per minute (429 beyond): a ceiling on the Twilio bill. */
  globalPerMinute: number;
  windowMs: number;
}

export interface BackendConfig {
  nodeEnv: BackendEnv['NODE_ENV'];
  host: string;
  port: number;
  databaseUrl: string;
  databasePoolSize: number;
  serviceKeys: ServiceKey[];
  /** Channels the operator lets keys bound to a tenant name in `slack.channel_id` (TENANT_SLACK_CHANNELS). */
  tenantSlackChannels: TenantChannel[];
  slack: { botToken: string; apiUrl?: string };
  /** null: no Twilio credentials, notifications go to the log notifier. */
  twilio: TwilioConfig | null;
  /** null: no SMTP relay, email pages go to the log channel. */
  email: EmailConfig | null;
  /** PagerDuty's Events API v2 base (events go to `/v2/enqueue`); tests point it at a local fake. */
  pagerDutyEventsUrl: string;
  defaultPhoneRegion: string;
  notify: NotifyConfig;
  pagingLimits: PagingLimitsConfig;
  /**
   * Verification codes (`/alert phone`) the whole installation sends per hour, every tenant together (429
   * beyond): the ceiling on what the code path can cost however many people ask.
   */
  phoneCodeLimitGlobal: number;
  /** How long a phone number copied from a Slack profile is trusted before Slack is asked again. */
  contactCacheTtlMs: number;
  /** /health answers 503 once the oldest due job has waited longer than this (pages are late). */
  healthMaxBacklogAgeMs: number;
  dataDir: string;
  /** The public origin (gateway) under which Twilio's callbacks arrive: `<publicBaseUrl>/twilio/…`. */
  publicBaseUrl: string;
  log: LogConfig;
}

const HINTS: Record<string, string> = {
  SLACK_SIGNING_SECRET: 'the Signing Secret from your Slack app\'s "Basic Information" page',
  SLACK_BOT_TOKEN: 'the xoxb- Bot User OAuth Token from "OAuth & Permissions"',
  INTERNAL_SERVICE_KEYS: 'comma-separated keys the gateway and internal services send in x-service-key (openssl rand -hex 32)',
  DATABASE_URL: 'a PostgreSQL URL such as postgres://klaxon:secret@db:5432/klaxon',
};

/** Parses the gateway's environment; throws ConfigError naming every bad variable at once. */
export function loadGatewayConfig(env: Env): GatewayConfig {
  const { data, problems } = parse(gatewayEnvSchema, env, ['SLACK_SIGNING_SECRET', 'SLACK_BOT_TOKEN', 'INTERNAL_SERVICE_KEYS']);
  const keys = data?.INTERNAL_SERVICE_KEYS ? parseServiceKeys(data.INTERNAL_SERVICE_KEYS).keys : [];
  const serviceKey = keys.find((k) => k.tenantId === null)?.key;
  if (data?.INTERNAL_SERVICE_KEYS && keys.length > 0 && !serviceKey) {
    problems.push('INTERNAL_SERVICE_KEYS: the gateway serves every Slack team, so it needs one key not bound to a tenant (without "@tenant")');
  }
  // The gateway verifies Twilio's signatures over this URL.
  if (data) problems.push(...publicOriginProblems(env, data, Boolean(data.TWILIO_AUTH_TOKEN)));
  if (!data || problems.length > 0 || !serviceKey) throw new ConfigError(problems);
  return Object.freeze({
    nodeEnv: data.NODE_ENV,
    host: data.GATEWAY_HOST,
    port: data.GATEWAY_PORT,
    metricsPort: data.GATEWAY_METRICS_PORT,
    backendUrl: data.BACKEND_URL.replace(/\/+$/, ''),
    backendTimeoutMs: data.BACKEND_TIMEOUT_MS,
    forwards: { maxInFlight: data.GATEWAY_MAX_IN_FLIGHT, maxQueued: data.GATEWAY_MAX_QUEUE },
    inlineAnswerMs: data.SLACK_INLINE_ANSWER_MS,
    serviceKey,
    slack: {
      signingSecret: data.SLACK_SIGNING_SECRET!,
      botToken: data.SLACK_BOT_TOKEN!,
      apiUrl: data.SLACK_API_URL,
      botId: data.SLACK_BOT_ID,
      botUserId: data.SLACK_BOT_USER_ID,
    },
    publicBaseUrl: publicBaseUrlOf(data),
    twilio: data.TWILIO_AUTH_TOKEN ? { authToken: data.TWILIO_AUTH_TOKEN } : null,
    log: logConfig(data),
  });
}

/** Parses the backend's environment; throws ConfigError naming every bad variable at once. */
export function loadBackendConfig(env: Env): BackendConfig {
  const { data, problems } = parse(backendEnvSchema, env, ['DATABASE_URL', 'INTERNAL_SERVICE_KEYS', 'SLACK_BOT_TOKEN']);
  // The backend hands Twilio callback URLs under it.
  if (data) problems.push(...twilioProblems(data), ...emailProblems(data), ...publicOriginProblems(env, data, Boolean(data.TWILIO_ACCOUNT_SID)));
  if (!data || problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    nodeEnv: data.NODE_ENV,
    host: data.BACKEND_HOST,
    port: data.BACKEND_PORT,
    databaseUrl: data.DATABASE_URL!,
    databasePoolSize: data.DATABASE_POOL_SIZE,
    serviceKeys: parseServiceKeys(data.INTERNAL_SERVICE_KEYS!).keys,
    tenantSlackChannels: parseTenantChannels(data.TENANT_SLACK_CHANNELS ?? '').grants,
    slack: { botToken: data.SLACK_BOT_TOKEN!, apiUrl: data.SLACK_API_URL },
    twilio: data.TWILIO_ACCOUNT_SID
      ? {
          accountSid: data.TWILIO_ACCOUNT_SID,
          authToken: data.TWILIO_AUTH_TOKEN!,
          whatsappFrom: data.TWILIO_WHATSAPP_FROM,
          whatsappContentSid: data.TWILIO_WHATSAPP_CONTENT_SID,
          whatsappCodeContentSid: data.TWILIO_WHATSAPP_CODE_CONTENT_SID,
          voiceFrom: data.TWILIO_VOICE_FROM,
          smsFrom: data.TWILIO_SMS_FROM,
          apiBaseUrl: data.TWILIO_API_BASE_URL,
        }
      : null,
    email: data.SMTP_URL ? { smtpUrl: data.SMTP_URL, from: data.EMAIL_FROM!.trim() } : null,
    pagerDutyEventsUrl: data.PAGERDUTY_EVENTS_URL.replace(/\/+$/, ''),
    defaultPhoneRegion: data.DEFAULT_PHONE_REGION,
    notify: {
      escalateAfterMs: data.ESCALATE_AFTER,
      escalationRounds: data.ESCALATION_ROUNDS,
      maxAttempts: data.NOTIFY_MAX_ATTEMPTS,
      retryBaseMs: data.NOTIFY_RETRY_BASE,
      leaseMs: data.NOTIFY_LEASE,
      concurrency: data.NOTIFY_CONCURRENCY,
    },
    pagingLimits: {
      perUser: data.PAGE_LIMIT_PER_USER,
      perTenant: data.PAGE_LIMIT_PER_TENANT,
      perRecipient: data.PAGE_LIMIT_PER_RECIPIENT,
      globalPerMinute: data.PAGE_LIMIT_GLOBAL,
      windowMs: data.PAGE_LIMIT_WINDOW,
    },
    phoneCodeLimitGlobal: data.PHONE_CODE_LIMIT_GLOBAL,
    contactCacheTtlMs: data.CONTACT_CACHE_TTL,
    healthMaxBacklogAgeMs: data.HEALTH_MAX_BACKLOG_AGE,
    dataDir: dataDirOf(data),
    publicBaseUrl: publicBaseUrlOf(data),
    log: logConfig(data),
  });
}

/** Where dev state lives (embedded PostgreSQL, generated secrets): `.data/` of the working directory. */
export function dataDirOf(env: { KLAXON_DATA_DIR?: string }): string {
  return path.resolve(env.KLAXON_DATA_DIR ?? '.data');
}

function twilioProblems(data: BackendEnv): string[] {
  const problems: string[] = [];
  if (data.TWILIO_ACCOUNT_SID && !data.TWILIO_AUTH_TOKEN) problems.push('TWILIO_AUTH_TOKEN: is required when TWILIO_ACCOUNT_SID is set');
  if (data.TWILIO_AUTH_TOKEN && !data.TWILIO_ACCOUNT_SID) problems.push('TWILIO_ACCOUNT_SID: is required when TWILIO_AUTH_TOKEN is set');
  if (data.TWILIO_ACCOUNT_SID && !data.TWILIO_WHATSAPP_FROM && !data.TWILIO_SMS_FROM && !data.TWILIO_VOICE_FROM) {
    problems.push('TWILIO_WHATSAPP_FROM: set at least one sender (TWILIO_WHATSAPP_FROM, TWILIO_SMS_FROM or TWILIO_VOICE_FROM) with Twilio credentials');
  }
  return problems;
}

function emailProblems(data: BackendEnv): string[] {
  if (data.SMTP_URL && !data.EMAIL_FROM) return ['EMAIL_FROM: is required when SMTP_URL is set (the address pages are sent from)'];
  // Without a relay every email would only be logged: a From alone suggests the operator meant to send.
  if (data.EMAIL_FROM && !data.SMTP_URL) return ['SMTP_URL: is required when EMAIL_FROM is set (without it email pages are only logged)'];
  return [];
}

function publicOriginProblems(env: Env, data: { NODE_ENV: string; PUBLIC_BASE_URL: string }, twilio: boolean): string[] {
  if (data.NODE_ENV !== 'production' || !twilio) return [];
  // As in parse: an empty value is unset.
  const problem = publicBaseUrlProblem(env.PUBLIC_BASE_URL || undefined, data.PUBLIC_BASE_URL);
  return problem ? [problem] : [];
}

/** Without a trailing slash, so `${publicBaseUrl}/twilio/…` is the exact URL Twilio signs. */
function publicBaseUrlOf(data: { PUBLIC_BASE_URL: string }): string {
  return data.PUBLIC_BASE_URL.replace(/\/+$/, '');
}

function logConfig(data: { NODE_ENV: string; LOG_LEVEL: LogConfig['level']; LOG_FORMAT?: LogConfig['format'] }): LogConfig {
  return { level: data.LOG_LEVEL, format: data.LOG_FORMAT ?? (data.NODE_ENV === 'production' ? 'json' : 'pretty') };
}

function parse<S extends z.ZodObject>(schema: S, env: Env, required: readonly string[]) {
  // An empty value (FOO= in .env) means "not set", as in most dotenv tooling.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = schema.safeParse(present);
  const problems: string[] = [];
  for (const name of required) {
    if (present[name] === undefined) problems.push(`${name}: is required (${HINTS[name] ?? 'see .env.example'})`);
  }
  if (!result.success) {
    for (const issue of result.error.issues) problems.push(`${String(issue.path[0] ?? 'environment')}: ${issue.message}`);
  }
  return { data: result.success ? (result.data as z.infer<S>) : undefined, problems };
}
