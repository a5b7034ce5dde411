import { z } from 'zod';
import { MIN_NOTIFY_LEASE_MS, RECORD_RETRY_BUDGET_MS, TWILIO_TIMEOUT_MS } from './delivery-timing';
import { parseServiceKeys, parseTenantChannels } from './service-keys';

export const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug'] as const;
export const LOG_FORMATS = ['pretty', 'json'] as const;

const port = z.coerce.number().int('a whole number').min(1, 'a port from 1 to 65535').max(65535, 'a port from 1 to 65535');
const httpUrl = z.url({ protocol: /^https?$/, error: 'an http(s) URL such as http://127.0.0.1:5002' });
const postgresUrl = z
  .string()
  .refine((value) => /^postgres(ql)?:\/\/[^\s]+$/.test(value) && URL.canParse(value), {
    error: 'a URL such as postgres://user:password@host:5432/klaxon',
  });
const signingSecret = z
  .string()
  .regex(/^[A-Za-z0-9]{16,128}$/, 'the Signing Secret from your Slack app\'s "Basic Information" page (letters and digits)');
const botToken = z.string().regex(/^xoxb-[A-Za-z0-9-]+$/, 'a bot token starting with xoxb- ("OAuth & Permissions" page)');
// The password is a secret: no problem message may echo the value, so each names only what is wrong.
const smtpUrl = z.string().superRefine((value, ctx) => {
  const fail = (message: string) => ctx.addIssue({ code: 'custom', message });
  if (!/^smtps?:\/\//i.test(value)) return fail('must start with smtp:// (STARTTLS, port 587 by default) or smtps:// (TLS, port 465)');
  const url = URL.canParse(value) ? new URL(value) : null;
  if (!url || url.hostname === '' || /\s/.test(value)) return fail('a URL such as smtp://user:password@smtp.example.com:587');
  // A raw @ in the password would make the host ambiguous and defeat the log's URL-password redaction.
  if (value.indexOf('@') !== value.lastIndexOf('@')) return fail('percent-encode @ in the user name or password as %40');
});
const emailFrom = z.string().refine((value) => parseMailbox(value) !== null, {
  error: 'an address such as pager@example.com, or with a display name: Klaxon <pager@example.com>',
});
const serviceKeys = z.string().superRefine((raw, ctx) => {
  for (const problem of parseServiceKeys(raw).problems) ctx.addIssue({ code: 'custom', message: problem });
});
const tenantChannels = z.string().superRefine((raw, ctx) => {
  for (const problem of parseTenantChannels(raw).problems) ctx.addIssue({ code: 'custom', message: problem });
});

// Durations read like people write them: 300s, 5m, 1500ms, 1h (a bare number is seconds).
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const duration = (max: string) =>
  z
    .string()
    .regex(/^\d+(ms|s|m|h)?$/, `a duration such as 30s, 5m or 1500ms (at most ${max})`)
    .transform((value) => {
      const [, amount, unit] = /^(\d+)(ms|s|m|h)?$/.exec(value)!;
      return Number(amount) * UNIT_MS[unit ?? 's']!;
    });

// A lease that can run out while a page is being sent or recorded lets the sweeper send it a second time.
const minLeaseProblem =
  `at least ${MIN_NOTIFY_LEASE_MS / 1000}s: a claimed page must outlive Twilio's ${TWILIO_TIMEOUT_MS / 1000}s timeout ` +
  `and up to ${RECORD_RETRY_BUDGET_MS / 1000}s of retries recording it, or the sweeper would send it again`;

const common = {
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  LOG_FORMAT: z.enum(LOG_FORMATS).optional(),
  SLACK_BOT_TOKEN: botToken.optional(),
  SLACK_API_URL: httpUrl.optional(),
  INTERNAL_SERVICE_KEYS: serviceKeys.optional(),
  KLAXON_DATA_DIR: z.string().min(1).optional(),
  // The origin Slack and Twilio call: Twilio signs the full URL it called, so the gateway checks against it
  // and the backend builds the StatusCallback URLs it hands Twilio from it.
  PUBLIC_BASE_URL: httpUrl.default('http://127.0.0.1:3000'),
};
const twilioAuthToken = z.string().min(16, 'the Auth Token from the Twilio console');
const contentSid = z.string().regex(/^HX[0-9a-fA-F]{32}$/, 'a Content SID: HX followed by 32 hex digits');

/**
 * `pager@example.com` or `Klaxon <pager@example.com>` (the name may be quoted). Null for anything else,
 * including names with `,` `;` `<` `>` or line breaks, which would add recipients or headers.
 */
export function parseMailbox(value: string): { name: string | null; address: string } | null {
  const match = /^\s*(?:"([^"\\\r\n]+)"|([^"<>,;\r\n]*?))\s*<([^<>\s]+)>\s*$/.exec(value) ?? /^\s*()()([^<>\s]+)\s*$/.exec(value);
  if (!match) return null;
  const address = match[3]!;
  if (!z.email().safeParse(address).success) return null;
  const name = (match[1] ?? match[2] ?? '').trim();
  return { name: name === '' ? null : name, address };
}

/**
 * The gateway's bounds under overload: forwards to the backend running at once (the backend client's
 * socket limit is 64), and acknowledged commands waiting for one (about a second of what the backend
 * raises on a small machine). A command beyond both is refused in its ack: "Klaxon is overloaded".
 */
export const GATEWAY_FORWARD_DEFAULTS = { maxInFlight: 32, maxQueued: 256 } as const;

/**
 * How long a slash command's ack waits for the backend's answer to carry it (SLACK_INLINE_ANSWER_MS). Slack
 * drops an ack after 3 s; the default leaves a second for the network and Slack's own clock.
 */
export const SLACK_INLINE_ANSWER_DEFAULT_MS = 2000;

export const gatewayEnvSchema = z.object({
  ...common,
  GATEWAY_PORT: port.default(3000),
  GATEWAY_HOST: z.string().min(1).default('0.0.0.0'),
  // Served on 127.0.0.1 only: metrics and the detailed health check are for the operator's own Prometheus.
  GATEWAY_METRICS_PORT: port.default(9091),
  BACKEND_URL: httpUrl.default('http://127.0.0.1:5002'),
  BACKEND_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(2500),
  GATEWAY_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(64).default(GATEWAY_FORWARD_DEFAULTS.maxInFlight),
  GATEWAY_MAX_QUEUE: z.coerce.number().int().min(0).max(100_000).default(GATEWAY_FORWARD_DEFAULTS.maxQueued),
  // The cap leaves half a second for the network before Slack's 3 s; 0 acks at once and answers on response_url.
  SLACK_INLINE_ANSWER_MS: z.coerce.number().int().min(0).max(2500).default(SLACK_INLINE_ANSWER_DEFAULT_MS),
  SLACK_SIGNING_SECRET: signingSecret.optional(),
  SLACK_BOT_ID: z.string().regex(/^B[A-Z0-9]+$/, 'a bot id such as B01234567').optional(),
  SLACK_BOT_USER_ID: z.string().regex(/^[UW][A-Z0-9]+$/, 'a user id such as U01234567').optional(),
  // Verifies X-Twilio-Signature on /twilio/*; unset, those webhooks are refused.
  TWILIO_AUTH_TOKEN: twilioAuthToken.optional(),
});

export const backendEnvSchema = z.object({
  ...common,
  BACKEND_HOST: z.string().min(1).default('127.0.0.1'),
  BACKEND_PORT: port.default(5002),
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  // Channels a key bound to a tenant may name besides those the tenant's people used /alert in (`tenant:channel,…`).
  TENANT_SLACK_CHANNELS: tenantChannels.optional(),
  TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'an Account SID: AC followed by 32 hex digits').optional(),
  TWILIO_AUTH_TOKEN: twilioAuthToken.optional(),
  TWILIO_WHATSAPP_FROM: z.string().regex(/^whatsapp:\+[1-9]\d{6,14}$/, 'whatsapp: followed by an E.164 number, e.g. whatsapp:+14155238886').optional(),
  TWILIO_WHATSAPP_CONTENT_SID: contentSid.optional(),
  TWILIO_WHATSAPP_CODE_CONTENT_SID: contentSid.optional(),
  TWILIO_VOICE_FROM: z.string().regex(/^\+[1-9]\d{6,14}$/, 'an E.164 number such as +14155550100').optional(),
  TWILIO_SMS_FROM: z.string().regex(/^\+[1-9]\d{6,14}$/, 'an E.164 number such as +14155550100').optional(),
  TWILIO_API_BASE_URL: httpUrl.optional(),
  SMTP_URL: smtpUrl.optional(),
  EMAIL_FROM: emailFrom.optional(),
  PAGERDUTY_EVENTS_URL: httpUrl.default('https://events.pagerduty.com'),
  DEFAULT_PHONE_REGION: z.string().regex(/^[A-Z]{2}$/, 'a two-letter region code such as US or GB').default('US'),
  ESCALATE_AFTER: duration('24h').pipe(z.number().min(1000, 'at least 1s').max(86_400_000, 'at most 24h')).default(300_000),
  ESCALATION_ROUNDS: z.coerce.number().int().min(0).max(10).default(3),
  NOTIFY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(6),
  NOTIFY_RETRY_BASE: duration('10m').pipe(z.number().min(100, 'at least 100ms').max(600_000, 'at most 10m')).default(2000),
  NOTIFY_LEASE: duration('1h').pipe(z.number().min(MIN_NOTIFY_LEASE_MS, minLeaseProblem).max(3_600_000, 'at most 1h')).default(120_000),
  NOTIFY_CONCURRENCY: z.coerce.number().int().min(1).max(50).default(10),
  PAGE_LIMIT_PER_USER: z.coerce.number().int().min(1).max(10_000).default(20),
  PAGE_LIMIT_PER_TENANT: z.coerce.number().int().min(1).max(100_000).default(300),
  PAGE_LIMIT_PER_RECIPIENT: z.coerce.number().int().min(1).max(10_000).default(30),
  PAGE_LIMIT_GLOBAL: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  PHONE_CODE_LIMIT_GLOBAL: z.coerce.number().int().min(1).max(100_000).default(100),
  PAGE_LIMIT_WINDOW: duration('1h').pipe(z.number().min(1000, 'at least 1s').max(3_600_000, 'at most 1h')).default(60_000),
  CONTACT_CACHE_TTL: duration('30d').pipe(z.number().min(0).max(2_592_000_000)).default(86_400_000),
  HEALTH_MAX_BACKLOG_AGE: duration('1h').pipe(z.number().min(1000, 'at least 1s').max(3_600_000, 'at most 1h')).default(120_000),
});

export type GatewayEnv = z.infer<typeof gatewayEnvSchema>;
export type BackendEnv = z.infer<typeof backendEnvSchema>;

/** Every variable either service reads; `.env.example` must document each (a test checks it). */
export const ALL_VARIABLES = [...new Set([...Object.keys(gatewayEnvSchema.shape), ...Object.keys(backendEnvSchema.shape)])].sort();
