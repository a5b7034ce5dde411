import type { BackendRole } from '@klaxon/config';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DeliveryOutcome, DeliveryRecorder } from '../notify/delivery-recorder';

/** What a scrape reads from PostgreSQL; null when the database did not answer. */
export interface ScrapeProbe {
  /** The database answered the probe. */
  databaseUp: boolean;
  /** Jobs waiting or running (permanently failed ones excluded); null when unknown. */
  jobDepth: number | null;
  /** Seconds since the oldest due, unclaimed job became due; 0 when none is due; null when unknown. */
  oldestDueJobAgeSeconds: number | null;
}

/** The pool's counts as pg reports them (pg-promise's `db.$pool`). */
export interface PoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

export const RATE_LIMITS = ['per_user', 'per_tenant', 'global'] as const;
export type RateLimitName = (typeof RATE_LIMITS)[number];

export interface BackendMetrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status_class'>;
  httpDuration: Histogram<'method' | 'route'>;
  alertsRaised: Counter<'severity' | 'origin'>;
  alertTransitions: Counter<'action'>;
  deliveries: Counter<'channel' | 'outcome'>;
  firstPageSeconds: Histogram;
  providerAlarms: Counter<'provider' | 'code'>;
  rateLimited: Counter<'limit'>;
  /** The recorder the delivery service writes to; it never sees prom-client. */
  recorder: DeliveryRecorder;
  /**
   * Reads, at scrape time, what only the database knows (queue depth and age, reachability) and what the pool
   * reports. Set by the composition root once the database exists; unset, those gauges stay empty.
   */
  observe(sources: { probe: () => Promise<ScrapeProbe>; pool: () => PoolCounts }): void;
}

// Seconds from an alert's creation to the provider accepting its first page: a healthy page takes well
// under a second; a held or retried one minutes.
const FIRST_PAGE_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600];

/**
 * One registry per app; labels are bounded sets (route templates, classes), never ids or phone numbers. Every
 * series carries the process's `role` (api, worker, all): with several backends, a sum by role says where the
 * work went, and a worker's job figures are not mistaken for an API's.
 */
export function createBackendMetrics({ role = 'all' }: { role?: BackendRole } = {}): BackendMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ role });
  collectDefaultMetrics({ register: registry, prefix: 'klaxon_backend_' });
  const registers = [registry];

  const deliveries = new Counter({
    name: 'klaxon_backend_deliveries_total',
    help: 'Delivery outcomes, by channel and outcome (sent: the provider accepted it; fallen_back: failed and retried on its fallback channel).',
    labelNames: ['channel', 'outcome'],
    registers,
  });
  const firstPageSeconds = new Histogram({
    name: 'klaxon_backend_first_page_seconds',
    help: "Time from an alert's creation to the provider accepting the first page to a person.",
    buckets: FIRST_PAGE_BUCKETS,
    registers,
  });
  const providerAlarms = new Counter({
    name: 'klaxon_backend_provider_alarms_total',
    // `code` comes only from the providers' tables of alarm codes (twilio-errors.ts, smtp-errors.ts): a closed set.
    help: "Provider errors that mean Klaxon's own setup is broken (Twilio 20003: authentication), by provider and code.",
    labelNames: ['provider', 'code'],
    registers,
  });
  const rateLimited = new Counter({
    name: 'klaxon_backend_rate_limited_total',
    help: 'Raises refused by a paging limit, by limit (per_user, per_tenant, global).',
    labelNames: ['limit'],
    registers,
  });

  let sources: { probe: () => Promise<ScrapeProbe>; pool: () => PoolCounts } | null = null;
  // Every gauge below collects from one probe per scrape (prom-client collects metrics concurrently).
  let pending: Promise<ScrapeProbe> | null = null;
  const probeOnce = (): Promise<ScrapeProbe> => {
    if (!sources) return Promise.resolve({ databaseUp: false, jobDepth: null, oldestDueJobAgeSeconds: null });
    pending ??= sources.probe().finally(() => setImmediate(() => (pending = null)));
    return pending;
  };
  const known = (value: number | null): number => value ?? Number.NaN;
  // Registered before the probe's gauges: collected first, the pool is read before the probe's own query waits in it.
  new Gauge({
    name: 'klaxon_backend_db_pool_connections',
    help: 'The database pool: connections open (total), idle, and requests waiting for one.',
    labelNames: ['state'],
    registers,
    collect() {
      if (!sources) return;
      const pool = sources.pool();
      this.set({ state: 'total' }, pool.totalCount);
      this.set({ state: 'idle' }, pool.idleCount);
      this.set({ state: 'waiting' }, pool.waitingCount);
    },
  });

  new Gauge({
    name: 'klaxon_backend_database_up',
    help: 'Whether PostgreSQL answered at the last scrape (1) or not (0).',
    registers,
    async collect() {
      this.set((await probeOnce()).databaseUp ? 1 : 0);
    },
  });
  new Gauge({
    name: 'klaxon_backend_job_queue_depth',
    help: 'Jobs waiting or running in graphile-worker (deliveries, escalations, channel messages); NaN when the database is down.',
    registers,
    async collect() {
      this.set(known((await probeOnce()).jobDepth));
    },
  });
  new Gauge({
    name: 'klaxon_backend_job_oldest_due_age_seconds',
    help: 'Seconds the oldest due, unclaimed job has waited past its run time (0: none waiting); NaN when the database is down.',
    registers,
    async collect() {
      this.set(known((await probeOnce()).oldestDueJobAgeSeconds));
    },
  });
  const recorder: DeliveryRecorder = {
    outcome: (channel: string, outcome: DeliveryOutcome) => deliveries.inc({ channel, outcome }),
    firstPageAccepted: (seconds: number) => firstPageSeconds.observe(Math.max(0, seconds)),
    providerAlarm: (provider: string, code: string) => providerAlarms.inc({ provider, code }),
  };

  return {
    registry,
    httpRequests: new Counter({
      name: 'klaxon_backend_http_requests_total',
      help: 'HTTP requests answered, by route template and status class.',
      labelNames: ['method', 'route', 'status_class'],
      registers,
    }),
    httpDuration: new Histogram({
      name: 'klaxon_backend_http_request_duration_seconds',
      help: 'Time to answer an HTTP request.',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    alertsRaised: new Counter({
      name: 'klaxon_backend_alerts_raised_total',
      // `origin`, a closed set; never the caller's free-text `source`, which would grow the series without bound.
      help: 'Alerts created (replays and dedup hits excluded), by severity and how Klaxon received them.',
      labelNames: ['severity', 'origin'],
      registers,
    }),
    alertTransitions: new Counter({
      name: 'klaxon_backend_alert_transitions_total',
      help: 'Alerts acknowledged or resolved (refused moves excluded).',
      labelNames: ['action'],
      registers,
    }),
    deliveries,
    firstPageSeconds,
    providerAlarms,
    rateLimited,
    recorder,
    observe: (given) => {
      sources = given;
    },
  };
}
