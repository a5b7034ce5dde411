import { ConfigError, dataDirOf, loadDotEnv, loadGatewayConfig, withDevDefaults } from '@klaxon/config';
import { createLogger } from '@klaxon/logger';
import { createGateway } from './app';
import { BackendClient } from './backend-client';

async function main(): Promise<void> {
  loadDotEnv();
  const { env } = withDevDefaults(process.env, dataDirOf(process.env));
  const config = loadGatewayConfig(env);
  const logger = createLogger({ service: 'gateway', ...config.log });
  const backend = new BackendClient({ baseUrl: config.backendUrl, serviceKey: config.serviceKey, timeoutMs: config.backendTimeoutMs, logger });
  const { server } = await createGateway({ config, logger, backend });

  server.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  logger.info('gateway listening', { url: `http://${config.host}:${config.port}/slack/events`, backend: config.backendUrl });

  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      logger.info('gateway stopping', { signal });
      // In-flight commands finish (their acks are already sent); new connections are refused.
      server.close(() => process.exit(0));
      server.closeIdleConnections();
      backend.close();
      setTimeout(() => process.exit(0), 5000).unref();
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
