import fs from 'node:fs';
import type http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { BackendConfig } from '@klaxon/config';
import type { Logger } from '@klaxon/logger';

// The bench drives the apps' built code, but this project (rootDir src, composite) may not pull their
// sources into its program, and apps are not packages. So the bench states here the little it calls,
// loads the apps' dist at run time, and bench.test.ts checks (under `npm run typecheck`, which sees
// every source) that the real modules still fit these shapes.

/** Opaque handles: the bench only passes them back to the module that made them. */
export interface BackendClientHandle {
  close(): void;
}

export interface GatewayAppModule {
  createGateway(dependencies: {
    config: { slack: { signingSecret: string; botToken: string; apiUrl?: string; botId?: string; botUserId?: string } };
    logger: Logger;
    backend: BackendClientHandle;
    inlineAnswerMs?: number;
  }): Promise<{ server: http.Server }>;
}

export interface GatewayBackendClientModule {
  BackendClient: new (options: { baseUrl: string; serviceKey: string; timeoutMs: number; logger: Logger }) => BackendClientHandle;
}

export interface DatabaseHandle {
  any<T>(query: string): Promise<T[]>;
}

/** The little of Express a bench limiter touches (apps/backend http/paging-rate-limit.ts PagingLimiter). */
export interface BenchResponse {
  locals: Record<string, unknown>;
  statusCode: number;
  once(event: 'finish', listener: () => void): unknown;
  setHeader(name: string, value: string): unknown;
}
export type BenchRequestHandler = (req: unknown, res: BenchResponse, next: (error?: unknown) => void) => void;
export type PagingLimitName = 'per_user' | 'per_tenant' | 'global';
export interface BenchPagingLimits {
  perUser: number;
  perTenant: number;
  globalPerMinute: number;
  windowMs: number;
}

/** Another way of counting the paging limits, put in place of Klaxon's own (BackendOverrides.pagingLimiter). */
export interface BenchPagingLimiter {
  middleware: BenchRequestHandler[];
  budgetOf(res: BenchResponse): Promise<null>;
  refusal(error: unknown, res: BenchResponse): unknown;
  charge(tenantId: string, pages: number): Promise<void>;
}
export type BenchPagingLimiterFactory = (options: {
  service: { limits: BenchPagingLimits };
  /** pg-promise's database: its `$pool` is the pg Pool the backend queries through. */
  db: { $pool: unknown };
  onRefused(limit: PagingLimitName): void;
}) => BenchPagingLimiter;

// Methods, so the opaque handles fit (parameters of methods are compared bivariantly).
export interface BackendModule {
  createBackend(
    config: BackendConfig,
    logger: Logger,
    overrides?: { version?: string; pagingLimiter?: BenchPagingLimiterFactory },
  ): {
    app: http.RequestListener;
    db: DatabaseHandle;
    contacts: { update(tenantId: string, slackUserId: string, changes: { phone: string }): Promise<unknown> };
    /** The job runner, and the checks that run beside it (missed heartbeats). */
    startWorker(): Promise<unknown>;
    close(): Promise<void>;
  };
}

/** How a bench limiter refuses: the backend's own 429 (apps/backend common/errors.ts). */
export interface BackendErrorsModule {
  RateLimitedError: new (detail: string, retryAfterSeconds?: number | null) => Error;
}

export interface BackendMigrateModule {
  migrate(options: { databaseUrl: string; logger: Logger }): Promise<string[]>;
}

/** A page as the bench queues it for a backlog (apps/backend notify/delivery.repository NewDelivery). */
export interface BenchDelivery {
  id: string;
  alertId: string;
  tenantId: string;
  channel: 'whatsapp';
  slackUserId: null;
  address: string;
  round: number;
}

/** How the priority phase queues a backlog exactly as the backend queues pages: the rows, then their jobs. */
export interface BackendDeliveryRepositoryModule {
  insertDeliveriesQuery(deliveries: readonly BenchDelivery[], now: Date): string;
}

export interface BackendDeliveryQueueModule {
  graphileDeliveryQueue: { jobs(deliveries: ReadonlyArray<{ deliveryId: string; severity: 'medium' }>): unknown[] };
}

export interface BackendJobQueueModule {
  addJobsQuery(specs: readonly unknown[]): string;
}

export const ROOT = path.resolve(__dirname, '../../..');
const loadModule = createRequire(__filename);

/** Loads `apps/<file>` as built by `tsc -b`; a missing build is named, not a bare MODULE_NOT_FOUND. */
export function loadBuiltApp<T>(file: string): T {
  const resolved = path.join(ROOT, 'apps', file);
  if (!fs.existsSync(resolved)) throw new Error(`${path.relative(ROOT, resolved)} is missing: build the apps first (npm run build)`);
  return loadModule(resolved) as T;
}
