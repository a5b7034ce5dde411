import path from 'node:path';
import fs from 'node:fs';
import fc from 'fast-check';
import { createTestDatabase, signSlackRequest, spawnService, startFakeSlackApi, startFakeTwilio, type FakeSlackApi, type FakeTwilio, type ServiceProcess, type TestDatabase } from '@klaxon/testing';
import { HTTP_METHODS, openApiDocument } from '../../apps/backend/src/http/openapi';
import { faultBackend, migrated, SERVICE_KEY } from './fault-stack';

// Property-based fuzzing of every route of both built services, in their own processes: random methods'
// bodies, content types, headers, service keys and Slack signatures (valid ones too, over random bodies).
// Whatever arrives, the answer is never a 5xx, the process never dies, and its memory stays bounded.
const FUZZ_MS = Number(process.env.KLAXON_FUZZ_MS ?? 30_000);
const SIGNING_SECRET = 'fuzz0signing0secret0000000000000';

let database: TestDatabase;
let twilio: FakeTwilio;
let slack: FakeSlackApi;
let backend: ServiceProcess;
let gateway: ServiceProcess;

beforeAll(async () => {
  database = await createTestDatabase('klaxon_fuzz');
  await migrated(database.url);
  twilio = await startFakeTwilio({ accountSid: `AC${'d'.repeat(32)}`, authToken: 'paging-test-auth-token' });
  slack = await startFakeSlackApi();
  backend = await faultBackend(database.url, twilio, slack.slackApiUrl);
  gateway = await spawnService({
    name: 'gateway',
    main: path.resolve(__dirname, '../../apps/gateway/dist/main.js'),
    env: (port) => ({
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_PORT: String(port),
      BACKEND_URL: backend.url,
      INTERNAL_SERVICE_KEYS: SERVICE_KEY,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_BOT_TOKEN: 'xoxb-fuzz',
      SLACK_API_URL: slack.slackApiUrl,
      SLACK_BOT_ID: 'BFUZZ',
      SLACK_BOT_USER_ID: 'UFUZZ',
      LOG_LEVEL: 'warn',
    }),
    ready: (url) => fetch(`${url}/healthz`).then((r) => r.ok, () => false),
  });
});
afterAll(async () => {
  await gateway?.stop();
  await backend?.stop();
  await twilio?.close();
  await slack?.close();
  await database?.drop();
});

function rssMb(pid: number | undefined): number {
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

/** Every route of the backend's OpenAPI document, path parameters left as `{name}` for the fuzzer to fill. */
const backendRoutes = Object.entries(openApiDocument.paths).flatMap(([route, item]) =>
  HTTP_METHODS.filter((method) => item[method] !== undefined).map((method) => ({ method: method.toUpperCase(), route })),
);
const gatewayRoutes = [
  { method: 'POST', route: '/slack/events' },
  { method: 'GET', route: '/healthz' },
  { method: 'GET', route: '/{anything}' },
];

const text = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('', 'T0001', 'U0001', '1', '-1', '999999999999', '%00', '..%2F..', 'null', '🚨'));
const jsonValue = fc.jsonValue({ maxDepth: 3 });
/** Bodies that look like ours (alerts, commands) as often as pure noise. */
const body = fc.oneof(
  jsonValue.map((v) => JSON.stringify(v)),
  fc.record({ tenant_id: text, message: text, severity: fc.constantFrom('critical', 'high', 'medium', 'low', 'x'), targets: fc.array(fc.record({ slack_user_id: text, phone: text }, { requiredKeys: [] }), { maxLength: 3 }) }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  fc.dictionary(fc.constantFrom('command', 'text', 'team_id', 'user_id', 'channel_id', 'response_url', 'trigger_id', 'payload', 'ssl_check', 'type'), text).map((v) => new URLSearchParams(v).toString()),
  fc.string({ maxLength: 300 }),
);
// A validly signed JSON body of exactly `null`: Bolt's HTTPReceiver reads `body.ssl_check` of the parsed body
// inside a promise nobody awaits (HTTPReceiver.js, handleIncomingEvent). Found by this fuzzer; it used to end
// the gateway, which now logs the rejection and carries on, but Bolt never answers such a request (it waits
// for the request timeout), so it is left out here rather than hold sockets. Only a holder of the signing
// secret can send it (Slack never does). Every other body is fuzzed.
// Bolt parses every body that is not form-encoded as JSON, whatever the content type says.
const crashesBolt = (r: { body: string; signature: string; contentType: string }) =>
  r.signature === 'valid' && !r.contentType.startsWith('application/x-www-form-urlencoded') && /^\s*null\s*$/.test(r.body);
const request = fc.record({
  route: text,
  body,
  contentType: fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain', '', 'application/json; charset=utf-16'),
  serviceKey: fc.constantFrom(SERVICE_KEY, '', 'wrong-key'),
  signature: fc.constantFrom('valid', 'none', 'wrong', 'stale'),
  extraHeader: fc.tuple(fc.constantFrom('x-slack-retry-num', 'x-request-id', 'accept', 'x-forwarded-for'), text),
}).filter((r) => !crashesBolt(r));

async function fuzz(url: string, routes: Array<{ method: string; route: string }>, durationMs: number): Promise<{ runs: number; statuses: Map<number, number> }> {
  const statuses = new Map<number, number>();
  let runs = 0;
  const deadline = Date.now() + durationMs;
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...routes), request, async ({ method, route }, r) => {
      if (Date.now() > deadline) return;
      runs++;
      const target = route.replace(/\{[^}]+\}/g, () => encodeURIComponent(r.route));
      const headers: Record<string, string> = { [r.extraHeader[0]]: r.extraHeader[1].replace(/[^\x20-\x7e]/g, '') };
      if (r.contentType) headers['content-type'] = r.contentType;
      if (r.serviceKey) headers['x-service-key'] = r.serviceKey;
      if (r.signature !== 'none') {
        const timestamp = r.signature === 'stale' ? Math.floor(Date.now() / 1000) - 3600 : undefined;
        Object.assign(headers, signSlackRequest({ signingSecret: r.signature === 'wrong' ? 'f'.repeat(32) : SIGNING_SECRET, body: r.body, timestamp }));
      }
      const response = await fetch(`${url}${target}`, { method, headers, body: method === 'GET' ? undefined : r.body, signal: AbortSignal.timeout(10_000) });
      await response.arrayBuffer();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (response.status >= 500 && response.status !== 503) throw new Error(`${method} ${target} answered ${response.status}`);
    }),
    { numRuns: 1_000_000, interruptAfterTimeLimit: durationMs, markInterruptAsFailure: false, endOnFailure: true },
  );
  return { runs, statuses };
}

describe('random requests to every route of both services', () => {
  it('never get a 5xx (503 only when the database is away), never crash a process, and leave memory bounded', async () => {
    const before = { backend: rssMb(backend.child.pid), gateway: rssMb(gateway.child.pid) };
    const backendRun = await fuzz(backend.url, backendRoutes, FUZZ_MS * 0.6);
    const gatewayRun = await fuzz(gateway.url, gatewayRoutes, FUZZ_MS * 0.4);
    expect(backend.child.exitCode).toBeNull();
    expect(gateway.child.exitCode).toBeNull();
    // The database is up all along, so no 503 either.
    expect(backendRun.statuses.get(503) ?? 0).toBe(0);
    expect(await fetch(`${backend.url}/health`).then((r) => r.status)).toBe(200);
    expect(await fetch(`${gateway.url}/healthz`).then((r) => r.status)).toBe(200);
    const after = { backend: rssMb(backend.child.pid), gateway: rssMb(gateway.child.pid) };
    // Generous: a leak of a few kB per request over thousands of requests would still cross it.
    expect(after.backend - before.backend).toBeLessThan(150);
    expect(after.gateway - before.gateway).toBeLessThan(150);
    console.info(
      `fuzz (${FUZZ_MS / 1000} s): backend ${backendRun.runs} requests ${JSON.stringify(Object.fromEntries(backendRun.statuses))}, ` +
        `gateway ${gatewayRun.runs} requests ${JSON.stringify(Object.fromEntries(gatewayRun.statuses))}; ` +
        `RSS backend ${before.backend.toFixed(0)} → ${after.backend.toFixed(0)} MB, gateway ${before.gateway.toFixed(0)} → ${after.gateway.toFixed(0)} MB`,
    );
  });
});
