import fs from 'node:fs';
import type http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Logger } from '@klaxon/logger';

// The bench drives the apps' built code, but this project (rootDir src, composite) may not pull their
// sources into its program, and apps are not packages. So the bench states here the little it calls,
// loads the apps' dist at run time, and bench.test.ts checks (under `npm run typecheck`, which sees
// every source) that the real modules still fit these shapes.

/** Opaque handles: the bench only passes them back to the module that made them. */
export interface BackendClientHandle {
  close(): void;
}
export interface DatabaseHandle {
  any<T>(query: string): Promise<T[]>;
}
export type MetricsHandle = object;

export interface GatewayAppModule {
  createGateway(dependencies: {
    config: { slack: { signingSecret: string; botToken: string; apiUrl?: string; botId?: string; botUserId?: string } };
    logger: Logger;
    backend: BackendClientHandle;
  }): Promise<{ server: http.Server }>;
}

export interface GatewayBackendClientModule {
  BackendClient: new (options: { baseUrl: string; serviceKey: string; timeoutMs: number; logger: Logger }) => BackendClientHandle;
}

/** What createBackendServices returns, passed on to createApp as is. */
export interface ServicesHandle {
  alerts: object;
  contacts: { setOwnPhone(tenantId: string, slackUserId: string, rawPhone: string): Promise<unknown> };
}

// Methods, so the opaque handles fit (parameters of methods are compared bivariantly). That also means a
// new required dependency of the real function is not caught here: keep these lists complete by hand.
export interface BackendAppModule {
  createApp(dependencies: {
    db: DatabaseHandle;
    logger: Logger;
    metrics: MetricsHandle;
    serviceKeys: ReadonlyArray<{ key: string; tenantId: string | null }>;
    version: string;
    alerts: ServicesHandle['alerts'];
    contacts: ServicesHandle['contacts'];
    pagingLimits: { perUser: number; perTenant: number; globalPerMinute: number; windowMs: number };
  }): http.RequestListener;
}

export interface BackendServicesModule {
  createBackendServices(dependencies: {
    db: DatabaseHandle;
    logger: Logger;
    config: {
      defaultPhoneRegion: string;
      contactCacheTtlMs: number;
      slack: { botToken: string; apiUrl?: string };
      notify: { escalateAfterMs: number; escalationRounds: number; maxAttempts: number; retryBaseMs: number; leaseMs: number; concurrency: number };
    };
  }): ServicesHandle;
}

export interface BackendDatabaseModule {
  createDatabase(options: { url: string; poolSize: number; applicationName: string }): DatabaseHandle;
  closeDatabase(db: DatabaseHandle): Promise<void>;
}

export interface BackendMigrateModule {
  migrate(options: { databaseUrl: string; logger: Logger }): Promise<string[]>;
}

export interface BackendMetricsModule {
  createBackendMetrics(): MetricsHandle;
}

export const ROOT = path.resolve(__dirname, '../../..');
const loadModule = createRequire(__filename);

/** Loads `apps/<file>` as built by `tsc -b`; a missing build is named, not a bare MODULE_NOT_FOUND. */
export function loadBuiltApp<T>(file: string): T {
  const resolved = path.join(ROOT, 'apps', file);
  if (!fs.existsSync(resolved)) throw new Error(`${path.relative(ROOT, resolved)} is missing: build the apps first (npm run build)`);
  return loadModule(resolved) as T;
}
