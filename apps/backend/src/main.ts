import fs from 'node:fs';
import path from 'node:path';
import type { Server } from 'node:http';
import { ConfigError, dataDirOf, loadBackendConfig, loadDotEnv, withDevDefaults } from '@klaxon/config';
import { BACKEND_HEADERS_TIMEOUT_MS, BACKEND_KEEP_ALIVE_MS } from '@klaxon/contracts';
import { createLogger, type Logger } from '@klaxon/logger';
import { createApp } from './app';
import { closeDatabase, createDatabase } from './db/database';
import { migrate } from './db/migrate';
import { isDatabaseConnectionError } from './errors';
import { failpointsFrom } from './failpoints';
import { createBackendMetrics } from './metrics';
import { startNotificationWorker } from './notify/notification-worker';
import { createPhoneNotifier } from './notify/providers/create-notifier';
import { SlackChannelPoster } from './notify/providers/slack-channel-poster';
import { createBackendServices } from './services';

const version = (JSON.parse(fs.readFileSync(path.join(__dirname, '../package.json'), 'utf8')) as { version: string }).version;

async function main(): Promise<void> {
  loadDotEnv();
  const { env } = withDevDefaults(process.env, dataDirOf(process.env));
  const config = loadBackendConfig(env);
  const logger = createLogger({ service: 'backend', ...config.log });

  const db = createDatabase({ url: config.databaseUrl, poolSize: config.databasePoolSize, applicationName: 'klaxon-backend' });
  await retryWhileDatabaseStarts(() => migrate({ databaseUrl: config.databaseUrl, logger }), logger);

  const services = createBackendServices({ db, logger, config });
  const worker = await startNotificationWorker({
    databaseUrl: config.databaseUrl,
    db,
    logger,
    notifier: createPhoneNotifier(config, logger),
    poster: new SlackChannelPoster({ botToken: config.slack.botToken, apiUrl: config.slack.apiUrl, logger }),
    policy: config.notify,
    recipientLimit: { perRecipient: config.pagingLimits.perRecipient, windowMs: config.pagingLimits.windowMs },
    ...failpointsFrom(process.env, config.nodeEnv, logger),
  });
  const app = createApp({ db, logger, metrics: createBackendMetrics(), serviceKeys: config.serviceKeys, version, pagingLimits: config.pagingLimits, ...services });
  const server = app.listen(config.port, config.host);
  server.keepAliveTimeout = BACKEND_KEEP_ALIVE_MS;
  server.headersTimeout = BACKEND_HEADERS_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  logger.info('backend listening', {
    url: `http://${config.host}:${config.port}`,
    notifier: config.twilio ? 'twilio' : 'log (no Twilio credentials)',
    nodeEnv: config.nodeEnv,
  });

  onShutdown(async (signal) => {
    logger.info('backend stopping', { signal });
    await closeServer(server);
    await worker.stop();
    await closeDatabase(db);
  });
}

// In docker-compose the backend may start before PostgreSQL accepts connections.
async function retryWhileDatabaseStarts<T>(work: () => Promise<T>, logger: Logger, deadlineMs = 60_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isDatabaseConnectionError(error) || Date.now() > deadline) throw error;
      logger.warn('database not reachable yet, retrying', { attempt, error });
      await new Promise((resolve) => setTimeout(resolve, Math.min(500 * attempt, 5000)));
    }
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

function onShutdown(stop: (signal: string) => Promise<void>): void {
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      stop(signal).then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    for (const problem of error.problems) console.error(`backend: config error: ${problem}`);
  } else {
    console.error('backend: failed to start:', error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
