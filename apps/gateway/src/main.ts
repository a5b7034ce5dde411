import { ConfigError, dataDirOf, loadDotEnv, loadGatewayConfig, withDevDefaults } from '@klaxon/config';
import { createLogger } from '@klaxon/logger';
import { BackendClient } from './backend-client';

async function main(): Promise<void> {
  loadDotEnv();
  const { env } = withDevDefaults(process.env, dataDirOf(process.env));
  const config = loadGatewayConfig(env);
  // Loaded after the configuration is checked, so a bad one exits in a fraction of a second: supervisord
  // counts quick exits towards FATAL (startsecs), and a slow one would look like a program that started.
  const { createGateway } = await import('./app.js');
  const logger = createLogger({ service: 'gateway', ...config.log });
  const backend = new BackendClient({ baseUrl: config.backendUrl, serviceKey: config.serviceKey, timeoutMs: config.backendTimeoutMs, logger });
  const gateway = await createGateway({ config, logger, backend });
  const { server } = gateway;

  server.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  logger.info('gateway listening', { url: `http://${config.host}:${config.port}/slack/events`, backend: config.backendUrl });

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
