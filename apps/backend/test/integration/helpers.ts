import { PassThrough } from 'node:stream';
import type { Server } from 'node:http';
import type { ServiceKey } from '@klaxon/config';
import { createLogger, type Logger } from '@klaxon/logger';
import { createTestDatabase, freePort, startFakeSlackApi, type FakeSlackApi, type TestDatabase } from '@klaxon/testing';
import { createApp } from '../../src/app';
import type { PagingLimits } from '../../src/http/paging-rate-limit';
import { createBackendServices, type BackendServices, type ServicesConfig } from '../../src/services';
import { closeDatabase, createDatabase, type Database } from '../../src/db/database';
import { migrate } from '../../src/db/migrate';
import { createBackendMetrics } from '../../src/metrics';

export const SERVICE_KEY = 'test-service-key-0123456789abcdef';
export const ACME_KEY = 'acme-bound-key-0123456789abcdef';
export const SERVICE_KEYS: ServiceKey[] = [
  { key: SERVICE_KEY, tenantId: null },
  { key: ACME_KEY, tenantId: 'acme' },
];

/** Defaults a test backend runs with: fast retries and short leases, the policy otherwise as shipped. */
export function servicesConfig(overrides: { slackApiUrl: string; notify?: Partial<ServicesConfig['notify']>; contactCacheTtlMs?: number }): ServicesConfig {
  return {
    defaultPhoneRegion: 'US',
    contactCacheTtlMs: overrides.contactCacheTtlMs ?? 86_400_000,
    slack: { botToken: 'xoxb-test-token', apiUrl: overrides.slackApiUrl },
    notify: { escalateAfterMs: 300_000, escalationRounds: 3, maxAttempts: 4, retryBaseMs: 100, leaseMs: 5000, concurrency: 4, ...overrides.notify },
  };
}

/** The real app on `db`, with the real services; Slack lookups go to `slackApiUrl`. */
export function buildApp(
  db: Database,
  logger: Logger,
  config: ServicesConfig,
  pagingLimits: PagingLimits = { perUser: 1000, perTenant: 10_000, globalPerMinute: 100_000, windowMs: 60_000 },
): { app: ReturnType<typeof createApp>; services: BackendServices } {
  const services = createBackendServices({ db, logger, config });
  return { app: createApp({ db, logger, metrics: createBackendMetrics(), serviceKeys: SERVICE_KEYS, version: 'test', pagingLimits, ...services }), services };
}

export interface BackendHarness {
  app: ReturnType<typeof createApp>;
  services: BackendServices;
  slack: FakeSlackApi;
  config: ServicesConfig;
  db: Database;
  database: TestDatabase;
  logger: Logger;
  /** Everything the backend logged, as written (JSON lines). */
  logLines(): string[];
  close(): Promise<void>;
}

/** A backend on a fresh, migrated database of its own; the real app, real PostgreSQL, a fake Slack API. */
export async function startBackendHarness(options: { notify?: Partial<ServicesConfig['notify']>; contactCacheTtlMs?: number } = {}): Promise<BackendHarness> {
  const database = await createTestDatabase();
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  const logger = createLogger({ service: 'backend', level: 'debug', format: 'json', stream });
  await migrate({ databaseUrl: database.url, logger });
  const db = createDatabase({ url: database.url, poolSize: 5, applicationName: 'klaxon-test' });
  const slack = await startFakeSlackApi();
  const config = servicesConfig({ slackApiUrl: slack.slackApiUrl, ...options });
  const { app, services } = buildApp(db, logger, config);
  return {
    app,
    services,
    slack,
    config,
    db,
    database,
    logger,
    logLines: () => [...lines],
    close: async () => {
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
  const app = buildApp(db, createLogger({ service: 'backend', stream: new PassThrough() }), servicesConfig({ slackApiUrl: 'http://127.0.0.1:9/api/' })).app;
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
