import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What became of one call to the backend. `backend_error`: it answered 5xx; `backend_unavailable`: no answer (refused, timed out). */
export type ForwardOutcome = 'ok' | 'rejected' | 'rate_limited' | 'backend_error' | 'backend_unavailable';
/** The backend call, by purpose (a closed set: never a path, which carries alert numbers and user ids). */
export type ForwardOperation = 'raise' | 'list' | 'get' | 'events' | 'transition' | 'set_contact' | 'find_contact' | 'own_phone' | 'request_phone_code' | 'verify_phone' | 'test_pages' | 'twilio_webhook' | 'oncall' | 'maintenance' | 'calendar';

/** Where BackendClient reports its calls; it knows nothing of Prometheus. */
export interface ForwardRecorder {
  forward(operation: ForwardOperation, outcome: ForwardOutcome, seconds: number): void;
}

export interface GatewayMetrics {
  registry: Registry;
  /** Time from a Slack request's arrival to the end of our answer (Slack gives 3 s), by status class. */
  slackAck: Histogram<'status_class'>;
  httpRequests: Counter<'route' | 'status_class'>;
  forwards: Counter<'operation' | 'outcome'>;
  forwardSeconds: Histogram<'operation'>;
  recorder: ForwardRecorder;
  /** Reads the work in flight at scrape time. */
  observeInFlight(size: () => number): void;
}

/** The gateway's own registry; labels are closed sets, never ids, team names or numbers. */
export function createGatewayMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'klaxon_gateway_' });
  const registers = [registry];
  const forwards = new Counter({
    name: 'klaxon_gateway_forwards_total',
    help: 'Calls to the backend, by operation and outcome (ok, rejected, rate_limited, backend_error, backend_unavailable).',
    labelNames: ['operation', 'outcome'],
    registers,
  });
  const forwardSeconds = new Histogram({
    name: 'klaxon_gateway_forward_duration_seconds',
    help: 'Time a call to the backend took, answered or not.',
    labelNames: ['operation'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  let inFlight: () => number = () => 0;
  new Gauge({
    name: 'klaxon_gateway_in_flight',
    help: 'Commands and clicks acknowledged to Slack whose forward and outcome message are still under way.',
    registers,
    collect() {
      this.set(inFlight());
    },
  });
  return {
    registry,
    slackAck: new Histogram({
      name: 'klaxon_gateway_slack_ack_seconds',
      help: 'Time from a Slack request reaching the gateway to its answer (the ack); Slack gives up after 3 s.',
      labelNames: ['status_class'],
      // 2.5: an ack waits up to SLACK_INLINE_ANSWER_MS (2 s) for the answer, so acks at that deadline are normal
      // under a slow backend; past 2.5 s Slack's 3 s is in danger (the KlaxonSlowSlackAcks rule).
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 2.5, 3, 5],
      registers,
    }),
    httpRequests: new Counter({
      name: 'klaxon_gateway_http_requests_total',
      help: 'Requests on the public port, by route (/slack/events, /healthz, unmatched) and status class.',
      labelNames: ['route', 'status_class'],
      registers,
    }),
    forwards,
    forwardSeconds,
    recorder: {
      forward: (operation, outcome, seconds) => {
        forwards.inc({ operation, outcome });
        forwardSeconds.observe({ operation }, seconds);
      },
    },
    observeInFlight: (size) => {
      inFlight = size;
    },
  };
}
