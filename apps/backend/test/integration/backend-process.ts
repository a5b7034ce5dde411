import path from 'node:path';
import type { BackendRole } from '@klaxon/config';
import { spawnService, type ServiceProcess } from '@klaxon/testing';
import { SERVICE_KEY } from './helpers';
import { TWILIO } from './paging-harness';

export type BackendProcess = ServiceProcess;

/**
 * The built backend (apps/backend/dist/main.js) in a process of its own, healthy and, unless it is an `api`,
 * its worker started. `url` is where it listens: the API, or a worker's /health and /metrics (`--port`).
 */
export async function spawnBackend(env: Record<string, string>, role: BackendRole = 'all'): Promise<BackendProcess> {
  return spawnService({
    name: role === 'all' ? 'backend' : `backend-${role}`,
    main: path.resolve(__dirname, '../../dist/main.js'),
    args: (port) => (role === 'all' ? [] : ['--role', role, '--port', String(port)]),
    env: (port) => ({
      BACKEND_HOST: '127.0.0.1',
      BACKEND_PORT: String(port),
      INTERNAL_SERVICE_KEYS: SERVICE_KEY,
      DATABASE_POOL_SIZE: '4',
      NOTIFY_CONCURRENCY: '4',
      ...env,
    }),
    // main.ts listens only once the worker (in the roles that run one) has started: a healthy answer means both.
    ready: (url) => fetch(`${url}/health`).then((r) => r.ok, () => false),
  });
}

/**
 * The built backend paging through the fake Twilio and asking the fake Slack API, as the process tests and
 * the fault suite run it; `extra` adds or overrides variables (leases, limits, failpoints).
 */
export function spawnPagingBackend(
  { databaseUrl, twilioUrl, slackApiUrl }: { databaseUrl: string; twilioUrl: string; slackApiUrl: string },
  extra: Record<string, string> = {},
  role: BackendRole = 'all',
): Promise<BackendProcess> {
  return spawnBackend({
    DATABASE_URL: databaseUrl,
    SLACK_BOT_TOKEN: 'xoxb-process-test',
    SLACK_API_URL: slackApiUrl,
    TWILIO_ACCOUNT_SID: TWILIO.accountSid,
    TWILIO_AUTH_TOKEN: TWILIO.authToken,
    TWILIO_WHATSAPP_FROM: TWILIO.whatsappFrom,
    TWILIO_SMS_FROM: TWILIO.smsFrom,
    TWILIO_VOICE_FROM: TWILIO.voiceFrom,
    TWILIO_API_BASE_URL: twilioUrl,
    ...extra,
  }, role);
}
