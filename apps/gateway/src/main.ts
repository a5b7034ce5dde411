import { ConfigError, dataDirOf, loadDotEnv, loadGatewayConfig, withDevDefaults } from '@klaxon/config';
import fs from 'node:fs';
import path from 'node:path';
import { createLogger } from '@klaxon/logger';
import { BackendClient } from './backend-client';
import { createGatewayMetrics } from './metrics';

const version = (JSON.parse(fs.readFileSync(path.join(__dirname, '../package.json'), 'utf8')) as { version: string }).version;
// Metrics and the detailed health check are for the operator's own Prometheus on this host, never for the internet.
const METRICS_HOST = '127.0.0.1';

async function main(): Promise<void> {
  loadDotEnv();
  const { env } = withDevDefaults(process.env, dataDirOf(process.env));
  const config = loadGatewayConfig(env);
  // Loaded after the configuration is checked, so a bad one exits in a fraction of a second: supervisord
  // counts quick exits towards FATAL (startsecs), and a slow one would look like a program that started.
  const { createGateway } = await import('./app.js');
  const logger = createLogger({ service: 'gateway', ...config.log });
  // Bolt's HTTPReceiver reads a signed body of `null` in a promise nobody awaits (it rejects). The gateway
  // holds no state, so one broken request must not take the public edge down for everyone: logged, ignored.
  process.on('unhandledRejection', (reason) => logger.error('unhandled rejection in request handling; carrying on', { error: reason }));
  const metrics = createGatewayMetrics();
  const backend = new BackendClient({ baseUrl: config.backendUrl, serviceKey: config.serviceKey, timeoutMs: config.backendTimeoutMs, logger, recorder: metrics.recorder });
  const gateway = await createGateway({ config, logger, backend, metrics, version, forwardLimits: config.forwards, inlineAnswerMs: config.inlineAnswerMs });
  const { server, metricsServer } = gateway;

  metricsServer.listen(config.metricsPort, METRICS_HOST);
  await new Promise<void>((resolve, reject) => metricsServer.once('listening', resolve).once('error', reject));

  server.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  logger.info('gateway listening', { url: `http://${config.host}:${config.port}/slack/events`, backend: config.backendUrl, metrics: `http://${METRICS_HOST}:${config.metricsPort}/metrics` });

  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      // New connections are refused; every command already acknowledged finishes its forward and tells its
      // author how it went (bounded by drainTimeoutMs; supervisord's stopwaitsecs is longer).
      logger.info('gateway stopping', { signal, inFlight: gateway.inFlight.size, drainTimeoutMs: gateway.drainTimeoutMs });
      void gateway.stop().then((drained) => {
        backend.close();
        logger.info('gateway page outcomes', gateway.stats());
        if (drained) {
          logger.info('gateway stopped: every acknowledged command finished');
          process.exit(0);
        }
        logger.error('gateway stopped with commands unfinished: their authors may not have been told the outcome', { inFlight: gateway.inFlight.size });
        process.exit(1);
      });
    });
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    for (const problem of error.problems) console.error(`gateway: config error: ${problem}`);
  } else {
    console.error('gateway: failed to start:', error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
