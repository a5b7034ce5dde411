import type { EmailConfig, NotifyConfig } from '@klaxon/config';
import { startFakeTwilio, type FakeTwilio } from '@klaxon/testing';
import request from 'supertest';
import type { AlertDto } from '@klaxon/contracts';
import type { BackendOverrides } from '../../src/backend';
import type { RecipientLimit } from '../../src/notify/delivery-holds';
import type { NotificationWorker } from '../../src/notify/notification-worker';
import type { Delivery } from '../../src/notify/delivery.repository';
import { listDeliveries } from '../../src/notify/delivery.repository';
import { SERVICE_KEY, startBackendHarness, type BackendHarness } from './helpers';

export const TWILIO = {
  accountSid: `AC${'d'.repeat(32)}`,
  authToken: 'paging-test-auth-token',
  whatsappFrom: 'whatsapp:+14155238886',
  smsFrom: '+14155550100',
  voiceFrom: '+14155550199',
};

export interface PagingHarness extends BackendHarness {
  twilio: FakeTwilio;
  worker: NotificationWorker;
  raise(body: Record<string, unknown>): Promise<AlertDto>;
  deliveries(alertId: string): Promise<Delivery[]>;
  /** Polls until `check` holds (or throws with what it last saw). */
  eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs?: number): Promise<T>;
}

type PagingHarnessOptions = {
  notify?: Partial<NotifyConfig>;
  recipientLimit?: RecipientLimit;
  sweeper?: { sweepIntervalMs?: number; orphanGraceMs?: number };
  overrides?: BackendOverrides;
  /** SMTP_URL and EMAIL_FROM; unset, emails go to the log channel. */
  email?: EmailConfig;
};

/**
 * The backend with its notification worker running in-process: real PostgreSQL, the real twilio SDK
 * against the fake Twilio, the real Slack Web API client against the fake Slack API.
 */
export async function startPagingHarness(options: PagingHarnessOptions = {}): Promise<PagingHarness> {
  const paging = await startPagingBackend(options);
  return { ...paging, worker: await paging.backend.startWorker() };
}

/** The paging harness before its worker starts (`backend.startWorker()`): a test can queue work first. */
export async function startPagingBackend(options: PagingHarnessOptions = {}): Promise<Omit<PagingHarness, 'worker'>> {
  const twilio = await startFakeTwilio({ accountSid: TWILIO.accountSid, authToken: TWILIO.authToken });
  const backend = await startBackendHarness({
    notify: options.notify,
    twilio: { ...TWILIO, apiBaseUrl: twilio.url },
    ...(options.email ? { email: options.email } : {}),
    ...(options.recipientLimit ? { pagingLimits: options.recipientLimit } : {}),
    overrides: { ...options.overrides, ...(options.sweeper ? { sweeper: options.sweeper } : {}) },
  });
  return {
    ...backend,
    twilio,
    raise: async (body) => (await request(backend.app).post('/alert').set('x-service-key', SERVICE_KEY).send(body).expect(201)).body as AlertDto,
    deliveries: (alertId) => listDeliveries(backend.db, alertId),
    eventually,
    close: async () => {
      await backend.backend.close();
      await twilio.close();
      await backend.close();
    },
  };
}

/** Polls `read` until `check` holds; throws with the last value seen when it does not in time. */
export async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value).slice(0, 2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Successful creates at the fake (2xx), i.e. messages and calls that Twilio would have sent. */
export const succeeded = <R extends { responseStatus?: number | undefined }>(requests: readonly R[]): R[] =>
  requests.filter((r) => r.responseStatus !== undefined && r.responseStatus < 300);
