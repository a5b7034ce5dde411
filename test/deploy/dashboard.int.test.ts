// The Grafana dashboard against the real services: every metric a panel queries must be one the backend or
// the gateway exposes after a page went through both. A renamed metric fails here, not on an operator's screen.
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { createLogger } from '@klaxon/logger';
import { closeNow, listenOnLoopback, parsePrometheusText, type Scrape } from '@klaxon/testing';
import { listen, SERVICE_KEY } from '../../apps/backend/test/integration/helpers';
import { startPagingHarness, type PagingHarness } from '../../apps/backend/test/integration/paging-harness';
import { createGateway, type Gateway } from '../../apps/gateway/src/app';
import { BackendClient } from '../../apps/gateway/src/backend-client';
import { createGatewayMetrics } from '../../apps/gateway/src/metrics';
import { sendSlashCommand, SIGNING_SECRET } from '../../apps/gateway/test/integration/harness';

const DASHBOARD = path.join(__dirname, '../../deploy/grafana/dashboards/klaxon.json');
// Series Prometheus makes itself, not the services.
const PROMETHEUS_OWN = new Set(['up']);

interface Panel {
  title: string;
  targets?: { expr: string }[];
}

/** The metric names a PromQL expression reads (functions, labels and keywords are not metric names). */
export function metricNamesIn(expr: string): string[] {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const withoutLabels = withoutStrings.replace(/\{[^}]*\}/g, '{}').replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, '');
  const names = withoutLabels.match(/[a-zA-Z_:][a-zA-Z0-9_:]*(?=\s*(\{|\[|\)|$|\s*[<>=!+*/-]))/g) ?? [];
  return [...new Set(names.filter((n) => /^(klaxon_|up$)/.test(n)))];
}

function exposedNames(...scrapes: Scrape[]): Set<string> {
  const names = new Set<string>();
  for (const scrape of scrapes) {
    for (const sample of scrape.samples) names.add(sample.name);
    // A histogram or counter not yet observed has only its # TYPE line; its series names follow from it.
    for (const family of scrape.families) for (const suffix of ['', '_bucket', '_sum', '_count']) names.add(`${family}${suffix}`);
  }
  return names;
}

describe('the Grafana dashboard', () => {
  let paging: PagingHarness;
  let backendServer: Awaited<ReturnType<typeof listen>>;
  let gateway: Gateway;
  let client: BackendClient;
  let gatewayUrl: string;
  let metricsUrl: string;

  beforeAll(async () => {
    paging = await startPagingHarness();
    paging.slack.setUser('U0JANE', { real_name: 'Jane Doe', profile: { phone: '(415) 555-0101', display_name: 'jane' } });
    backendServer = await listen(paging.app);
    // As main.ts wires it: one registry, recorded into by the backend client, served on the metrics listener.
    const logger = createLogger({ service: 'gateway', level: 'error', format: 'json' });
    const metrics = createGatewayMetrics();
    client = new BackendClient({ baseUrl: backendServer.url, serviceKey: SERVICE_KEY, timeoutMs: 2000, logger, recorder: metrics.recorder });
    gateway = await createGateway({
      config: { slack: { signingSecret: SIGNING_SECRET, botToken: 'xoxb-dash', apiUrl: paging.slack.slackApiUrl, botId: 'BDASH', botUserId: 'UDASH' } },
      logger,
      backend: client,
      metrics,
    });
    gatewayUrl = await listenOnLoopback(gateway.server);
    metricsUrl = await listenOnLoopback(gateway.metricsServer);
  });
  afterAll(async () => {
    client.close();
    await closeNow(gateway.server);
    await closeNow(gateway.metricsServer);
    await closeNow(backendServer.server);
    await paging.close();
  });

  it('queries only metrics that the backend and the gateway expose after a page went through both', async () => {
    const ack = await sendSlashCommand(gatewayUrl, { text: '<@U0JANE|jane> critical checkout is down', team_id: 'T0DASH', response_url: paging.slack.responseUrl('dash') });
    expect(ack.status).toBe(200);
    await paging.twilio.waitForMessage(undefined, 10_000);
    const alert = await paging.db.one<{ id: string }>('SELECT id FROM alerts WHERE tenant_id = $1', ['T0DASH']);
    await paging.eventually(() => paging.deliveries(alert.id), (ds) => ds.some((d) => d.status === 'sent'));
    await request(paging.app).put(`/alerts/${alert.id}/acknowledge`).set('x-service-key', SERVICE_KEY).send({ actor: 'slack:U0JANE' }).expect(200);

    const backend = parsePrometheusText((await request(paging.app).get('/metrics').expect(200)).text);
    const gatewayMetrics = parsePrometheusText(await (await fetch(`${metricsUrl}/metrics`)).text());
    // The funnel has something to show: raised → sent → acknowledged (delivered needs the provider's callback).
    expect(backend.value('klaxon_backend_alerts_raised_total', { origin: 'slack' })).toBe(1);
    expect(backend.value('klaxon_backend_deliveries_total', { outcome: 'sent' })).toBeGreaterThanOrEqual(1);
    expect(backend.value('klaxon_backend_alert_transitions_total', { action: 'acknowledge' })).toBe(1);
    expect(gatewayMetrics.value('klaxon_gateway_forwards_total', { operation: 'raise', outcome: 'ok' })).toBe(1);
    expect(gatewayMetrics.value('klaxon_gateway_slack_ack_seconds_count')).toBe(1);

    const dashboard = JSON.parse(fs.readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] };
    const exposed = exposedNames(backend, gatewayMetrics);
    const queried = dashboard.panels.flatMap((panel) => (panel.targets ?? []).flatMap((t) => metricNamesIn(t.expr).map((name) => ({ panel: panel.title, name }))));
    expect(queried.length).toBeGreaterThan(20);
    const unknown = queried.filter(({ name }) => !PROMETHEUS_OWN.has(name) && !exposed.has(name));
    expect(unknown).toEqual([]);
    // The funnel and latency panels exist.
    const titles = dashboard.panels.map((p) => p.title).join('\n');
    expect(titles).toMatch(/raised → sent → delivered → acknowledged/);
    expect(titles).toMatch(/Slack ack latency/);
    expect(titles).toMatch(/first page/);
  });

  it('reads metric names out of PromQL, so the check above cannot pass by finding none', () => {
    expect(metricNamesIn('histogram_quantile(0.95, sum by (le, route) (rate(klaxon_backend_http_request_duration_seconds_bucket[5m])))')).toEqual(['klaxon_backend_http_request_duration_seconds_bucket']);
    expect(metricNamesIn('sum(increase(klaxon_backend_deliveries_total{outcome="sent"}[$__range]))')).toEqual(['klaxon_backend_deliveries_total']);
    expect(metricNamesIn('up{job=~"klaxon-backend|klaxon-gateway"}')).toEqual(['up']);
    expect(metricNamesIn('klaxon_gateway_in_flight')).toEqual(['klaxon_gateway_in_flight']);
  });
});
