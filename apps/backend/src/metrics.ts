import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface BackendMetrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status_class'>;
  httpDuration: Histogram<'method' | 'route'>;
  alertsRaised: Counter<'severity' | 'origin'>;
  alertTransitions: Counter<'action'>;
}

/** One registry per app; labels are bounded sets (route templates, classes), never ids or phone numbers. */
export function createBackendMetrics(): BackendMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'klaxon_backend_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'klaxon_backend_http_requests_total',
      help: 'HTTP requests answered, by route template and status class.',
      labelNames: ['method', 'route', 'status_class'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'klaxon_backend_http_request_duration_seconds',
      help: 'Time to answer an HTTP request.',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    alertsRaised: new Counter({
      name: 'klaxon_backend_alerts_raised_total',
      // `origin`, a closed set; never the caller's free-text `source`, which would grow the series without bound.
      help: 'Alerts created (replays and dedup hits excluded), by severity and how Klaxon received them.',
      labelNames: ['severity', 'origin'],
      registers: [registry],
    }),
    alertTransitions: new Counter({
      name: 'klaxon_backend_alert_transitions_total',
      help: 'Alerts acknowledged or resolved (refused moves excluded).',
      labelNames: ['action'],
      registers: [registry],
    }),
  };
}
