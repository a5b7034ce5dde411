import { parsePrometheusText } from '@klaxon/testing';
import { alertAnswer, sendSlashCommand, startGatewayStack, type GatewayStack } from './harness';

const scrape = async (url: string) => parsePrometheusText(await (await fetch(`${url}/metrics`)).text());

describe('gateway metrics, on their own loopback listener', () => {
  let stack: GatewayStack;
  beforeAll(async () => {
    stack = await startGatewayStack();
  });
  afterAll(() => stack.close());

  it('never serves /metrics on the public port', async () => {
    const res = await fetch(`${stack.gateway.url}/metrics`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('klaxon_gateway_');
  });

  it('counts acks and forwards by outcome: ok, rejected, rate_limited, backend_error', async () => {
    const { backend, slack, gateway } = stack;
    const outcomes = [
      { status: 201, body: alertAnswer(1, ['U123']) },
      { status: 422, body: { error: 'invalid_field', detail: 'message: too long' } },
      { status: 429, body: { error: 'rate_limited', detail: 'wait' }, headers: { 'retry-after': '30' } },
    ];
    let next = 0;
    backend.on('POST', '/slack/alert', () => outcomes[next++] ?? { status: 503, body: { error: 'database_unavailable', detail: 'down' } });
    for (let i = 0; i < outcomes.length; i++) {
      const ack = await sendSlashCommand(gateway.url, { text: '<@U123|jane> critical disk', response_url: slack.responseUrl(`m${i}`), trigger_id: `metrics-${i}` });
      expect(ack.status).toBe(200);
      await slack.waitForResponse(() => slack.responses(`m${i}`).length > 0, 5000);
    }

    const metrics = await scrape(gateway.metricsUrl);
    expect(metrics.value('klaxon_gateway_forwards_total', { operation: 'raise', outcome: 'ok' })).toBe(1);
    expect(metrics.value('klaxon_gateway_forwards_total', { operation: 'raise', outcome: 'rejected' })).toBe(1);
    expect(metrics.value('klaxon_gateway_forwards_total', { operation: 'raise', outcome: 'rate_limited' })).toBe(1);
    expect(metrics.value('klaxon_gateway_slack_ack_seconds_count', { status_class: '2xx' })).toBe(3);
    expect(metrics.value('klaxon_gateway_http_requests_total', { route: '/slack/events', status_class: '2xx' })).toBe(3);
    expect(metrics.value('klaxon_gateway_forward_duration_seconds_count', { operation: 'raise' })).toBe(3);
    expect(metrics.families).toContain('klaxon_gateway_process_cpu_seconds_total');
    expect(metrics.families).toContain('klaxon_gateway_in_flight');
    // Bounded labels: no team, user, trigger or alert number in any series.
    expect(metrics.samples.flatMap((s) => Object.values(s.labels)).join(' ')).not.toMatch(/U123|T0|metrics-|#1/);
  });

  it('counts a backend that answers 5xx as backend_error', async () => {
    const { backend, slack, gateway } = stack;
    backend.on('GET', '/alerts', { status: 503, body: { error: 'database_unavailable', detail: 'down' } });
    await sendSlashCommand(gateway.url, { text: 'list', response_url: slack.responseUrl('list') });
    await slack.waitForResponse(() => slack.responses('list').length > 0, 5000);
    // `list` asks for triggered and acknowledged alerts: two calls, both answered 503.
    expect((await scrape(gateway.metricsUrl)).value('klaxon_gateway_forwards_total', { operation: 'list', outcome: 'backend_error' })).toBe(2);
  });

  it("answers a detailed /healthz on the metrics listener: the backend's health and the work in flight", async () => {
    stack.backend.on('GET', '/health', { status: 200, body: { status: 'healthy' } });
    const healthy = await fetch(`${stack.gateway.metricsUrl}/healthz`);
    expect(healthy.status).toBe(200);
    expect(await healthy.json()).toEqual({ status: 'ok', backend: 'healthy', backend_status: 200, in_flight: 0, uptime_s: expect.any(Number), version: 'test' });

    stack.backend.on('GET', '/health', { status: 503, body: { status: 'unhealthy' } });
    const unhealthy = await fetch(`${stack.gateway.metricsUrl}/healthz`);
    expect(unhealthy.status).toBe(503);
    expect(await unhealthy.json()).toMatchObject({ status: 'degraded', backend: 'unhealthy', backend_status: 503 });

    // The public /healthz stays minimal: it says the gateway answers, nothing about the backend.
    expect(await (await fetch(`${stack.gateway.url}/healthz`)).json()).toEqual({ status: 'ok' });
  });

  it('says backend unreachable when nothing answers', async () => {
    const lone = await startGatewayStack();
    await lone.backend.close();
    try {
      const res = await fetch(`${lone.gateway.metricsUrl}/healthz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: 'degraded', backend: 'unreachable', backend_status: null });
      await sendSlashCommand(lone.gateway.url, { text: 'list', response_url: lone.slack.responseUrl('down') });
      await lone.slack.waitForResponse(() => lone.slack.responses('down').length > 0, 5000);
      expect((await scrape(lone.gateway.metricsUrl)).value('klaxon_gateway_forwards_total', { operation: 'list', outcome: 'backend_unavailable' })).toBe(2);
    } finally {
      await lone.gateway.close();
      await lone.slack.close();
    }
  });
});
