import { PassThrough } from 'node:stream';
import request from 'supertest';
import type { Server } from 'node:http';
import type { BackendConfig, ServiceKey } from '@klaxon/config';
import { createLogger, type Logger } from '@klaxon/logger';
import { createTestDatabase, freePort, startFakeSlackApi, type FakeSlackApi, type TestDatabase } from '@klaxon/testing';
import type { createApp } from '../../src/app';
import { createBackend, type Backend, type BackendOverrides } from '../../src/backend';
import { closeDatabase, createDatabase, type Database } from '../../src/db/database';
import { migrate } from '../../src/db/migrate';

export const SERVICE_KEY = 'test-service-key-0123456789abcdef';
export const ACME_KEY = 'acme-bound-key-0123456789abcdef';
export const SERVICE_KEYS: ServiceKey[] = [
  { key: SERVICE_KEY, tenantId: null },
  { key: ACME_KEY, tenantId: 'acme' },
];

export interface TestConfigOptions {
  /** BACKEND_ROLE: what the process runs (its /health and metrics say it). */
  role?: BackendConfig['role'];
  databaseUrl?: string;
  slackApiUrl: string;
  notify?: Partial<BackendConfig['notify']>;
  pagingLimits?: Partial<BackendConfig['pagingLimits']>;
  phoneCodeLimitGlobal?: number;
  contactCacheTtlMs?: number;
  healthMaxBacklogAgeMs?: number;
  twilio?: BackendConfig['twilio'];
  email?: BackendConfig['email'];
  pagerDutyEventsUrl?: string;
  publicBaseUrl?: string;
  tenantSlackChannels?: BackendConfig['tenantSlackChannels'];
}

/** The configuration a test backend runs with: fast retries and short leases, the policy otherwise as shipped. */
export function testConfig(options: TestConfigOptions): BackendConfig {
  return {
    nodeEnv: 'test',
    host: '127.0.0.1',
    port: 0,
    role: options.role ?? 'all',
    databaseUrl: options.databaseUrl ?? 'postgres://unused@127.0.0.1:9/unused',
    databasePoolSize: 5,
    serviceKeys: SERVICE_KEYS,
    tenantSlackChannels: options.tenantSlackChannels ?? [],
    slack: { botToken: 'xoxb-test-token', apiUrl: options.slackApiUrl },
    twilio: options.twilio ?? null,
    email: options.email ?? null,
    // Nothing listens there: a test that sends to PagerDuty starts the fake and says so.
    pagerDutyEventsUrl: options.pagerDutyEventsUrl ?? 'http://127.0.0.1:9',
    defaultPhoneRegion: 'US',
    notify: { escalateAfterMs: 300_000, escalationRounds: 3, maxAttempts: 4, retryBaseMs: 100, leaseMs: 5000, concurrency: 4, ...options.notify },
    pagingLimits: { perUser: 1000, perTenant: 10_000, perRecipient: 10_000, globalPerMinute: 100_000, windowMs: 60_000, ...options.pagingLimits },
    phoneCodeLimitGlobal: options.phoneCodeLimitGlobal ?? 100,
    contactCacheTtlMs: options.contactCacheTtlMs ?? 86_400_000,
    healthMaxBacklogAgeMs: options.healthMaxBacklogAgeMs ?? 120_000,
    dataDir: '.data',
    publicBaseUrl: options.publicBaseUrl ?? 'https://klaxon.test',
    log: { level: 'debug', format: 'json' },
  };
}

/**
 * The real backend (createBackend) on `db`; Slack lookups go to the config's Slack API URL. `pagingLimits`
 * overrides the configured limits (rate-limit tests).
 */
export function buildApp(db: Database, logger: Logger, config: BackendConfig, pagingLimits: Partial<BackendConfig['pagingLimits']> = {}, overrides: BackendOverrides = {}): Backend {
  return createBackend({ ...config, pagingLimits: { ...config.pagingLimits, ...pagingLimits } }, logger, { db, version: 'test', ...overrides });
}

export interface BackendHarness {
  app: ReturnType<typeof createApp>;
  backend: Backend;
  slack: FakeSlackApi;
  config: BackendConfig;
  db: Database;
  database: TestDatabase;
  logger: Logger;
  /** Everything the backend logged, as written (JSON lines). */
  logLines(): string[];
  close(): Promise<void>;
}

/** A backend on a fresh, migrated database of its own; the real app, real PostgreSQL, a fake Slack API. */
export async function startBackendHarness(options: Omit<TestConfigOptions, 'slackApiUrl' | 'databaseUrl'> & { overrides?: BackendOverrides } = {}): Promise<BackendHarness> {
  const database = await createTestDatabase();
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  const logger = createLogger({ service: 'backend', level: 'debug', format: 'json', stream });
  await migrate({ databaseUrl: database.url, logger });
  const db = createDatabase({ url: database.url, poolSize: 5, applicationName: 'klaxon-test' });
  const slack = await startFakeSlackApi();
  const config = testConfig({ ...options, slackApiUrl: slack.slackApiUrl, databaseUrl: database.url });
  const backend = buildApp(db, logger, config, {}, options.overrides);
  return {
    app: backend.app,
    backend,
    slack,
    config,
    db,
    database,
    logger,
    logLines: () => [...lines],
    close: async () => {
      await backend.close();
      await closeDatabase(db);
      await slack.close();
      await database.drop();
    },
  };
}

export interface UnreachableBackend {
  app: ReturnType<typeof createApp>;
  close(): Promise<void>;
}

/** The real app on a port nothing listens on: every connection is refused, as when PostgreSQL is down. */
export async function startUnreachableBackend(): Promise<UnreachableBackend> {
  const db = createDatabase({ url: `postgres://postgres:postgres@127.0.0.1:${await freePort()}/klaxon`, poolSize: 2, applicationName: 'down' });
  const app = buildApp(db, createLogger({ service: 'backend', stream: new PassThrough() }), testConfig({ slackApiUrl: 'http://127.0.0.1:9/api/' })).app;
  return { app, close: () => closeDatabase(db) };
}

export function listen(app: ReturnType<typeof createApp>): Promise<{ server: Server; url: string }> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (typeof address !== 'object' || !address) throw new Error('server has no address');
      resolve({ server, url: `http://127.0.0.1:${address.port}` });
    });
  });
}

/** JSON calls to the app with a service key: `callsAs(() => harness.app, SERVICE_KEY).put(url, body)`. */
export const callsAs = (app: () => ReturnType<typeof createApp>, key: string) => ({
  put: (url: string, body: unknown) => request(app()).put(url).set('x-service-key', key).send(body as object),
  post: (url: string, body: unknown = {}) => request(app()).post(url).set('x-service-key', key).send(body as object),
  get: (url: string) => request(app()).get(url).set('x-service-key', key),
  delete: (url: string) => request(app()).delete(url).set('x-service-key', key),
});
