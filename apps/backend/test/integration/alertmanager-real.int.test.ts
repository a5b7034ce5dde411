import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { freePort } from '@klaxon/testing';
import type { AlertDto } from '@klaxon/contracts';
import { listen, SERVICE_KEY } from './helpers';
import { startPagingHarness, succeeded, type PagingHarness } from './paging-harness';

// The real Prometheus Alertmanager (Debian's package) sends its webhook to a backend on a loopback port:
// Klaxon raises and pages, ignores the repeats, and resolves when the alert ends.

const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';
const TENANT = 'T-AM-REAL';
const JANE = 'U0AMJANE';
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
  const listening = await listen(paging.app);
  server = listening.server;

  dir = await mkdtemp(join(tmpdir(), 'klaxon-am-'));
  // group_interval 1s and repeat_interval 2s make Alertmanager send the still-firing alert again within
  // seconds, as repeat_interval does in production over hours.
  const config = [
    'route:',
    '  receiver: klaxon',
    "  group_by: ['alertname']",
    '  group_wait: 1s',
    '  group_interval: 1s',
    '  repeat_interval: 2s',
    'receivers:',
    '  - name: klaxon',
    '    webhook_configs:',
    `      - url: '${listening.url}/integrations/alertmanager?tenant_id=${TENANT}'`,
    '        send_resolved: true',
    '        http_config:',
    '          authorization:',
    '            type: Bearer',
    `            credentials: '${SERVICE_KEY}'`,
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
