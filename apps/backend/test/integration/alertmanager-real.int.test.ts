import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { freePort, parsePrometheusText, realisticAlertmanagerAlert } from '@klaxon/testing';
import type { AlertDto } from '@klaxon/contracts';
import { listen, SERVICE_KEY } from './helpers';
import { startPagingHarness, succeeded, type PagingHarness } from './paging-harness';

// The real Prometheus Alertmanager (Debian's package) sends its webhook to a backend on a loopback port:
// Klaxon raises and pages, ignores the repeats, and resolves when the alert ends; and it takes whole storms
// (two groups of 1,000 realistic alerts, about 1 MB each) and their end without refusing anything.

const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';
const TENANT = 'T-AM-REAL';
const JANE = 'U0AMJANE';
const STORM_TENANT = 'T-AM-STORM-REAL';
const STORM_ONCALL = 'U0AMSTORM';
const WAIT_MS = 20_000;

let paging: PagingHarness;
let server: Server;
let am: ChildProcess | null = null;
let amUrl: string;
let amOutput = '';
let dir: string;

beforeAll(async () => {
  if (!existsSync(ALERTMANAGER)) {
    throw new Error(
      `${ALERTMANAGER} is missing: this test runs the real Alertmanager. Install Debian's package: ` +
        'sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus-alertmanager (.ci/run does this)',
    );
  }
  paging = await startPagingHarness();
  paging.slack.setUser(JANE, { real_name: 'Jane Doe', profile: { phone: '+14155550161', display_name: 'jane' } });
  paging.slack.setUser(STORM_ONCALL, { real_name: 'Sam Storm', profile: { phone: '+14155550162', display_name: 'sam' } });
  const listening = await listen(paging.app);
  server = listening.server;

  dir = await mkdtemp(join(tmpdir(), 'klaxon-am-'));
  // group_interval 1s and repeat_interval 2s make Alertmanager send the still-firing alert again within
  // seconds, as repeat_interval does in production over hours. The storm's alerts (storm="true") go to a
  // receiver of their own, a group per cluster, whose URL names the on-call person; its repeats wait.
  const receiver = (name: string, query: string) => [
    `  - name: ${name}`,
    '    webhook_configs:',
    `      - url: '${listening.url}/integrations/alertmanager?${query}'`,
    '        send_resolved: true',
    '        http_config:',
    '          authorization:',
    '            type: Bearer',
    `            credentials: '${SERVICE_KEY}'`,
  ];
  const config = [
    'route:',
    '  receiver: klaxon',
    "  group_by: ['alertname']",
    '  group_wait: 1s',
    '  group_interval: 1s',
    '  repeat_interval: 2s',
    '  routes:',
    "    - matchers: ['storm=\"true\"']",
    '      receiver: klaxon-storm',
    "      group_by: ['alertname', 'cluster']",
    // Long enough that Alertmanager has taken in all 1,000 posted alerts of a group before it flushes (the
    // storm, then its end) even on a loaded machine: a flush of three or fewer would page them one by one.
    '      group_wait: 5s',
    '      group_interval: 5s',
    '      repeat_interval: 1h',
    'receivers:',
    ...receiver('klaxon', `tenant_id=${TENANT}`),
    ...receiver('klaxon-storm', `tenant_id=${STORM_TENANT}&page=${STORM_ONCALL}`),
    '',
  ].join('\n');
  await writeFile(join(dir, 'am.yml'), config);
  const port = await freePort();
  amUrl = `http://127.0.0.1:${port}`;
  am = spawn(
    ALERTMANAGER,
    [`--config.file=${join(dir, 'am.yml')}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const keep = (chunk: Buffer) => {
    amOutput = (amOutput + chunk.toString('utf8')).slice(-4000);
  };
  am.stdout!.on('data', keep);
  am.stderr!.on('data', keep);
  await paging.eventually(
    async () => {
      if (am?.exitCode !== null) throw new Error(`Alertmanager exited (${String(am?.exitCode)}): ${amOutput}`);
      return fetch(`${amUrl}/-/ready`).then((r) => r.status, () => 0);
    },
    (status) => status === 200,
    WAIT_MS,
  );
}, 60_000);

afterAll(async () => {
  if (am && am.exitCode === null) {
    const exited = new Promise((resolve) => am!.once('exit', resolve));
    am.kill('SIGTERM');
    const killer = setTimeout(() => am?.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
  }
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  await paging?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const firing = { alertname: 'CheckoutDown', severity: 'critical', page: JANE, job: 'checkout' };

async function postToAlertmanager(endsAt?: Date): Promise<void> {
  const alert = {
    labels: firing,
    annotations: { summary: 'checkout is down for everyone' },
    startsAt: new Date(Date.now() - 60_000).toISOString(),
    ...(endsAt ? { endsAt: endsAt.toISOString() } : {}),
  };
  const res = await fetch(`${amUrl}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([alert]) });
  expect(res.status).toBe(200);
}

const alertsOfTenant = async (): Promise<AlertDto[]> =>
  (await request(paging.app).get(`/alerts?tenant_id=${TENANT}`).set('x-service-key', SERVICE_KEY).expect(200)).body.alerts as AlertDto[];

/** The webhooks the backend handled, as it logged them. */
const webhookLogs = () =>
  paging
    .logLines()
    .map((line) => JSON.parse(line) as { msg?: string; message?: string; tenantId?: string; raised?: number; deduplicated?: number; resolved?: number })
    .filter((entry) => (entry.msg ?? entry.message) === 'alertmanager webhook' && entry.tenantId === TENANT);

describe('the real Alertmanager', () => {
  let alert: AlertDto;

  it('pages the person of the page label by WhatsApp and call when a critical alert fires', async () => {
    await postToAlertmanager();
    const message = await paging.twilio.waitForMessage(undefined, WAIT_MS);
    const call = await paging.twilio.waitForCall(undefined, WAIT_MS);
    expect(message.form).toMatchObject({ To: 'whatsapp:+14155550161', Body: expect.stringContaining('CRITICAL: checkout is down for everyone') });
    expect(call.form).toMatchObject({ To: '+14155550161' });

    const alerts = await alertsOfTenant();
    expect(alerts).toHaveLength(1);
    alert = alerts[0]!;
    expect(alert).toMatchObject({ status: 'triggered', severity: 'critical', origin: 'alertmanager', source: 'checkout', rule_name: 'CheckoutDown', message: 'checkout is down for everyone' });
    // The fingerprint Alertmanager gave it, within the receiver.
    expect(alert.dedup_key).toMatch(/^alertmanager:[0-9a-f]{16}:[0-9a-f]{16}$/);
    expect(alert.targets).toEqual([expect.objectContaining({ slack_user_id: JANE, status: 'paging', channels: ['whatsapp', 'voice'] })]);
    await paging.eventually(() => paging.deliveries(alert.id), (ds) => ds.length === 2 && ds.every((d) => d.status === 'sent'), WAIT_MS);
  }, 60_000);

  it('pages no one when the same alert is sent again (re-posted, and repeated by repeat_interval)', async () => {
    const before = webhookLogs().length;
    await postToAlertmanager();
    // The explicit signal: Alertmanager delivered the firing alert again and Klaxon answered "deduplicated".
    await paging.eventually(async () => webhookLogs().slice(before), (logs) => logs.filter((l) => (l.deduplicated ?? 0) >= 1).length >= 2, WAIT_MS);
    expect(webhookLogs().every((l) => (l.raised ?? 0) <= 1)).toBe(true);
    expect(await alertsOfTenant()).toHaveLength(1);
    expect(succeeded(paging.twilio.messages())).toHaveLength(1);
    expect(succeeded(paging.twilio.calls())).toHaveLength(1);
    expect(await paging.deliveries(alert.id)).toHaveLength(2);
  }, 60_000);

  it('resolves the Klaxon alert as alertmanager when the alert ends', async () => {
    await postToAlertmanager(new Date(Date.now() - 1000));
    const resolved = await paging.eventually(
      async () => (await request(paging.app).get(`/alerts/${alert.id}`).set('x-service-key', SERVICE_KEY).expect(200)).body as AlertDto,
      (a) => a.status === 'resolved',
      WAIT_MS,
    );
    expect(resolved.resolved_by).toBe('alertmanager');
    const events = (await request(paging.app).get(`/alerts/${alert.id}/events`).set('x-service-key', SERVICE_KEY).expect(200)).body.events as { kind: string; actor: string }[];
    expect(events.filter((e) => e.kind === 'resolved')).toEqual([expect.objectContaining({ actor: 'alertmanager' })]);
    expect(succeeded(paging.twilio.messages())).toHaveLength(1);
  }, 60_000);
});

describe('the real Alertmanager in a storm', () => {
  const CLUSTERS = ['prod-eu-1', 'prod-us-1'];
  const PER_GROUP = 1000;
  const storm = CLUSTERS.flatMap((cluster) => Array.from({ length: PER_GROUP }, (_, i) => realisticAlertmanagerAlert(i, { cluster, storm: 'true' })));
  // Set when the storm is first posted: Alertmanager flushes a group at once, whatever its group_wait, when
  // its alerts started longer than group_wait ago — a flush that could come before it took in all 1,000.
  let startsAt = '';

  async function postStorm(endsAt?: Date): Promise<void> {
    startsAt ||= new Date().toISOString();
    for (const cluster of CLUSTERS) {
      const alerts = storm.filter((a) => a.labels.cluster === cluster).map((a) => ({ ...a, startsAt, ...(endsAt ? { endsAt: endsAt.toISOString() } : {}) }));
      const res = await fetch(`${amUrl}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
      expect(res.status).toBe(200);
    }
  }

  const count = async (where: string) => (await paging.db.one<{ n: number }>(`SELECT count(*)::int AS n FROM alerts WHERE tenant_id = $1 AND ${where}`, [STORM_TENANT])).n;
  const stormLogs = () =>
    paging
      .logLines()
      .map((line) => JSON.parse(line) as { message?: string; tenantId?: string; alerts?: number; recorded?: number; summaries?: number; resolved?: number; problems?: number })
      .filter((entry) => entry.message === 'alertmanager webhook' && entry.tenantId === STORM_TENANT);
  const alertmanagerMetrics = async () => parsePrometheusText(await (await fetch(`${amUrl}/metrics`)).text());
  const klaxonAnswers = async () => parsePrometheusText((await request(paging.app).get('/metrics').expect(200)).text);

  it('records every alert of two 1,000-alert groups under one summary each, paging the on-call person once per group', async () => {
    expect(JSON.stringify(storm).length / storm.length).toBeGreaterThan(800);
    await postStorm();
    // The explicit signal: every alert recorded. (Alertmanager may flush a group while it still takes in the
    // posted alerts, and send the rest a second later: the count, not the webhooks, says it is over.)
    await paging.eventually(() => count('covered_by IS NOT NULL'), (n) => n === 2 * PER_GROUP, WAIT_MS);
    // A webhook logs its line after its statement commits: the last line may still be on its way.
    const summarised = await paging.eventually(async () => stormLogs().reduce((n, l) => n + (l.summaries ?? 0), 0), (n) => n >= CLUSTERS.length, WAIT_MS);
    expect(summarised).toBe(CLUSTERS.length);
    const summaries = await paging.db.manyOrNone<{ id: string; message: string }>('SELECT id, message FROM alerts WHERE tenant_id = $1 AND covered_by IS NULL', [STORM_TENANT]);
    // One per group: its message counts the alerts of the group's first webhook.
    expect(summaries.map((s) => s.message.replace(/^[0-9]+ alerts firing for (\S+): .*$/, '$1')).sort()).toEqual(CLUSTERS.map((cluster) => `KubePodCrashLooping/${cluster}`));
    for (const { id } of summaries) {
      await paging.eventually(() => paging.deliveries(id), (ds) => ds.length === 1 && ds[0]!.status === 'sent', WAIT_MS);
    }
    expect(stormLogs().every((l) => l.problems === 0)).toBe(true);
  }, 60_000);

  it('resolves every alert and both summaries when the storm ends, and Alertmanager saw nothing refused', async () => {
    await postStorm(new Date(Date.now() - 1000));
    await paging.eventually(() => count("status <> 'resolved'"), (open) => open === 0, WAIT_MS);
    expect(await count("status = 'resolved' AND resolved_by = 'alertmanager'")).toBe(2 * PER_GROUP + CLUSTERS.length);
    const resolvedLogs = await paging.eventually(async () => stormLogs().filter((l) => l.resolved === PER_GROUP + 1), (logs) => logs.length >= CLUSTERS.length, WAIT_MS);
    expect(resolvedLogs).toHaveLength(CLUSTERS.length);

    // Every webhook answered 2xx, none 4xx or 5xx, and Alertmanager counts no failed notification.
    const answers = await klaxonAnswers();
    const route = { route: '/integrations/alertmanager' };
    expect(answers.value('klaxon_backend_http_requests_total', { ...route, status_class: '2xx' })).toBeGreaterThanOrEqual(4);
    expect(answers.value('klaxon_backend_http_requests_total', { ...route, status_class: '4xx' })).toBe(0);
    expect(answers.value('klaxon_backend_http_requests_total', { ...route, status_class: '5xx' })).toBe(0);
    const metrics = await alertmanagerMetrics();
    expect(metrics.value('alertmanager_notifications_total', { integration: 'webhook' })).toBeGreaterThanOrEqual(4);
    expect(metrics.value('alertmanager_notifications_failed_total', { integration: 'webhook' })).toBe(0);
    expect(amOutput).not.toMatch(/Notify for alerts failed|notify retry canceled/);
  }, 60_000);
});
