import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { BACKEND_USAGE, ConfigError, dataDirOf, dutiesOf, listenPortOf, loadBackendConfig, loadDotEnv, parseBackendArgs, withBackendArgs, withDevDefaults } from '@klaxon/config';
import { BACKEND_HEADERS_TIMEOUT_MS, BACKEND_KEEP_ALIVE_MS } from '@klaxon/contracts';
import { createLogger, type Logger } from '@klaxon/logger';
import { isDatabaseConnectionError } from './common/errors';
import { failpointsFrom } from './common/failpoints';
import { packageVersion } from './common/package-version';


// supervisord's stopwaitsecs for the backend is 15 s; this leaves time to close the pool and exit.
const SHUTDOWN_JOBS_BOUND_MS = 10_000;

async function main(): Promise<void> {
  const args = parseBackendArgs(process.argv.slice(2));
  if (args.help) {
    console.log(BACKEND_USAGE);
    return;
  }
  loadDotEnv();
  const { env } = withDevDefaults(process.env, dataDirOf(process.env));
  const config = loadBackendConfig(withBackendArgs(env, args));
  const runs = dutiesOf(config.role);
  const port = listenPortOf(config, args);
  // Loaded after the configuration is checked, so a bad one exits in a fraction of a second: supervisord
  // counts quick exits towards FATAL (startsecs), and a slow one would look like a program that started.
  const [{ createBackend }, { migrate }] = await Promise.all([import('./backend.js'), import('./db/migrate.js')]);
  const logger = createLogger({ service: 'backend', ...config.log });
  survivesLostDatabase(logger);

  // Every role migrates: the blocking advisory lock in migrate() lets any number of processes start together
  // (the first applies, the others wait and find nothing to do), and a worker started alone finds its schema.
  await retryWhileDatabaseStarts(() => migrate({ databaseUrl: config.databaseUrl, logger }), logger);
  const backend = createBackend(config, logger, { version: packageVersion, failpoints: failpointsFrom(process.env, config.nodeEnv, logger) });
  if (runs.includes('jobs')) await backend.startWorker();
  // An `api` process queues jobs in its raise transactions and leaves them to the workers.
  const server = (runs.includes('api') ? backend.app : backend.probeApp).listen(port, config.host);
  server.keepAliveTimeout = BACKEND_KEEP_ALIVE_MS;
  server.headersTimeout = BACKEND_HEADERS_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  logger.info('backend listening', {
    url: `http://${config.host}:${port}`,
    role: config.role,
    runs,
    notifier: config.twilio ? 'twilio' : 'log (no Twilio credentials)',
    nodeEnv: config.nodeEnv,
  });

  onShutdown(async (signal) => {
    // New connections are refused at once; requests already in flight finish (an alert acknowledged with a
    // 201 is committed with its jobs). Then running jobs finish, within a bound below supervisord's
    // stopwaitsecs: a job cut off by the bound keeps its leased delivery, which the next start sweeps up.
    logger.info('backend stopping', { signal, jobsBoundMs: SHUTDOWN_JOBS_BOUND_MS });
    await closeServer(server);
    const closed = await Promise.race([backend.close().then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), SHUTDOWN_JOBS_BOUND_MS).unref())]);
    if (closed) logger.info('backend stopped: requests answered, jobs finished, database closed');
    else logger.warn('backend stopped with jobs still running after the bound; their deliveries resume after the restart', { jobsBoundMs: SHUTDOWN_JOBS_BOUND_MS });
  });
}

/**
 * PostgreSQL going away (a restart, a failover: 57P01, ECONNREFUSED) can reject a promise inside the job
 * runner or the pg pool that nothing awaits. Klaxon already copes with such a loss where it matters (503s,
 * leases, the sweeper, retries), so it must not kill the process and cut off every request in flight; it is
 * logged and the backend carries on. Any other unhandled rejection is a bug: logged, and the process exits
 * so supervisord starts a clean one.
 */
function survivesLostDatabase(logger: Logger): void {
  process.on('unhandledRejection', (reason) => {
    if (isDatabaseConnectionError(reason)) {
      logger.error('a database connection was lost in background work; carrying on', { error: reason });
      return;
    }
    logger.error('unhandled rejection: exiting so the supervisor starts a clean process', { error: reason });
    process.exit(1);
  });
}

// In docker-compose the backend may start before PostgreSQL accepts connections.
async function retryWhileDatabaseStarts<T>(work: () => Promise<T>, logger: Logger, deadlineMs = 60_000): Promise<T> {
  const deadline = performance.now() + deadlineMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isDatabaseConnectionError(error) || performance.now() > deadline) throw error;
      logger.warn('database not reachable yet, retrying', { attempt, error });
      await new Promise((resolve) => setTimeout(resolve, Math.min(500 * attempt, 5000)));
    }
  }
}

/**
 * Stops taking requests. close() refuses new connections, but a kept-alive one would carry request after
 * request for as long as its client keeps sending: from now on every answer says `Connection: close`. And
 * close() ends only the connections idle at that moment; one whose answer was still being written goes
 * idle later and would hold the exit for the keep-alive timeout, so idle ones are closed until none is left.
 */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
      res.shouldKeepAlive = false;
    });
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    server.close(() => {
      clearInterval(sweep);
      resolve();
    });
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
