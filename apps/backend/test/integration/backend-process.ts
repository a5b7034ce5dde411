import path from 'node:path';
import { spawnService, type ServiceProcess } from '@klaxon/testing';
import { SERVICE_KEY } from './helpers';

export type BackendProcess = ServiceProcess;

/** The built backend (apps/backend/dist/main.js) in a process of its own, healthy and its worker started. */
export async function spawnBackend(env: Record<string, string>): Promise<BackendProcess> {
  return spawnService({
    name: 'backend',
    main: path.resolve(__dirname, '../../dist/main.js'),
    env: (port) => ({
      BACKEND_HOST: '127.0.0.1',
      BACKEND_PORT: String(port),
      INTERNAL_SERVICE_KEYS: SERVICE_KEY,
      DATABASE_POOL_SIZE: '4',
      NOTIFY_CONCURRENCY: '4',
      ...env,
    }),
    ready: async (url, output) => output.includes('notification worker started') && (await fetch(`${url}/health`).then((r) => r.ok, () => false)),
  });
}
