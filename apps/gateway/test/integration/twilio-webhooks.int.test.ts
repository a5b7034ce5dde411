// The gateway's side of Twilio's webhooks against a scripted backend: what it refuses never reaches the
// backend, and what it forwards is the backend's to answer. (test/e2e/twilio-two-way covers the real backend.)
import net from 'node:net';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { startGatewayStack, type GatewayStack } from './harness';

const AUTH_TOKEN = 'gateway-twilio-token-0123456789';
const PUBLIC = 'https://pager.example.com';
const DELIVERY = '6f1c2b7e-0000-4000-8000-00000000abcd';

let stack: GatewayStack;
let unconfigured: GatewayStack;
beforeAll(async () => {
  stack = await startGatewayStack({ twilio: { authToken: AUTH_TOKEN, publicBaseUrl: PUBLIC } });
  unconfigured = await startGatewayStack();
});
afterAll(async () => {
  await stack.close();
  await unconfigured.close();
});

async function post(on: GatewayStack, path: string, fields: Record<string, string>, signature: string | null = getExpectedTwilioSignature(AUTH_TOKEN, `${PUBLIC}${path}`, fields)) {
  const response = await fetch(`${on.gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(signature ? { 'x-twilio-signature': signature } : {}) },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: response.status, body: await response.text(), type: response.headers.get('content-type') };
}

/**
 * Sends the request line and headers exactly as written (fetch and http.request would resolve `..` first),
 * declaring a body of a gigabyte that never comes, and resolves with the gateway's status line: only a
 * gateway that answers without reading the body can answer at all.
 */
function rawPostWithoutBody(on: GatewayStack, rawPath: string): Promise<string> {
  const { port } = new URL(on.gateway.url);
  const signature = getExpectedTwilioSignature(AUTH_TOKEN, `${PUBLIC}${rawPath}`, { Body: 'ack' });
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8');
      if (received.includes('\r\n')) {
        socket.destroy();
        resolve(received.slice(0, received.indexOf('\r\n')));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
    socket.write(
      `POST ${rawPath} HTTP/1.1\r\nHost: pager.example.com\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
        `Content-Length: 1000000000\r\nX-Twilio-Signature: ${signature}\r\n\r\n`,
    );
  });
}

describe('POST /twilio/* on the gateway', () => {
  const fields = { MessageSid: 'SM0123', MessageStatus: 'delivered' };
  const path = `/twilio/status/${DELIVERY}`;

  it('forwards a signed callback as JSON with an id made of its SID and status, and relays the answer', async () => {
    stack.backend.on('POST', path, { status: 204 });
    const answer = await post(stack, path, fields);
    expect(answer).toMatchObject({ status: 204, body: '' });
    const [forwarded] = stack.backend.requestsTo('POST', path);
    expect(forwarded!.body).toEqual(fields);
    expect(forwarded!.headers['x-request-id']).toBe('twilio-status-SM0123-delivered');
  });

  it('logs each forwarded webhook by its kind, and who sent it (masked) only for a reply from a person', async () => {
    stack.backend.on('POST', path, { status: 204 });
    stack.backend.on('POST', '/twilio/inbound', () => ({ status: 200, body: '<Response/>' }));
    const before = stack.gateway.logLines().length;
    // A message's status callback carries Klaxon's own sender as From; that says nothing about anyone.
    await post(stack, path, { MessageSid: 'SM0456', MessageStatus: 'read', From: 'whatsapp:+14155238886' });
    await post(stack, '/twilio/inbound', { MessageSid: 'SM0789', From: 'whatsapp:+14155550101', Body: 'ack 42' });
    const logged = stack.gateway
      .logLines()
      .slice(before)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.message === 'twilio webhook');
    expect(logged).toEqual([
      expect.objectContaining({ kind: 'status', path }),
      expect.objectContaining({ kind: 'inbound', path: '/twilio/inbound', from: '+1 ******0101' }),
    ]);
    expect(logged[0]).not.toHaveProperty('from');
  });

  it('checks the signature over the query string too, as Twilio signs it', async () => {
    stack.backend.on('POST', '/twilio/inbound', () => ({ status: 200, body: '<Response/>' }));
    const withQuery = '/twilio/inbound?tenant=acme';
    expect((await post(stack, withQuery, { From: '+1', Body: 'ack' })).status).toBe(200);
    expect((await post(stack, withQuery, { From: '+1', Body: 'ack' }, getExpectedTwilioSignature(AUTH_TOKEN, `${PUBLIC}/twilio/inbound`, { From: '+1', Body: 'ack' }))).status).toBe(403);
  });

  it('refuses a missing or wrong signature, and a gateway without TWILIO_AUTH_TOKEN refuses all, with 403 and nothing forwarded', async () => {
    const before = stack.backend.requests.length;
    const missing = await post(stack, path, fields, null);
    const wrong = await post(stack, path, fields, getExpectedTwilioSignature('another-token-0123456789', `${PUBLIC}${path}`, fields));
    const otherHost = await post(stack, path, fields, getExpectedTwilioSignature(AUTH_TOKEN, `http://127.0.0.1:3000${path}`, fields));
    for (const answer of [missing, wrong, otherHost]) {
      expect(answer.status).toBe(403);
      expect(JSON.parse(answer.body)).toEqual({ error: 'forbidden', detail: expect.stringContaining('X-Twilio-Signature') });
    }
    expect(stack.backend.requests.length).toBe(before);
    const noToken = await post(unconfigured, path, fields);
    expect(noToken.status).toBe(403);
    expect(JSON.parse(noToken.body).detail).toMatch(/TWILIO_AUTH_TOKEN/);
    expect(unconfigured.backend.requests).toHaveLength(0);
  });

  it.each([
    '/twilio/../test-pages',
    '/twilio/%2e%2e/test-pages',
    '/twilio/%2E%2E/alert',
    `/twilio/status/../../test-pages`,
    `/twilio/status/${DELIVERY}/../../../test-pages`,
    '/twilio/inbound/..',
    '/twilio/./inbound',
    '/twilio//inbound',
    '/twilio/inbound/',
    '/twilio/status/not-a-delivery',
    `/twilio/status/${DELIVERY}/more`,
    `/twilio/keypress/${DELIVERY}%2F..%2F..%2Ftest-pages`,
    '/twilio/test-pages',
  ])('answers 404 to %s before reading its body or its signature, and forwards nothing', async (rawPath) => {
    const before = stack.backend.requests.length;
    expect(await rawPostWithoutBody(stack, rawPath)).toBe('HTTP/1.1 404 Not Found');
    expect(stack.backend.requests.length).toBe(before);
  });

  it('never relays a signed /twilio/../test-pages with its body to the backend\'s POST /test-pages', async () => {
    stack.backend.on('POST', '/test-pages', { status: 200, body: { results: [] } });
    const { port } = new URL(stack.gateway.url);
    const body = new URLSearchParams({ tenant_id: 'T1', slack_user_id: 'U1' }).toString();
    const signature = getExpectedTwilioSignature(AUTH_TOKEN, `${PUBLIC}/twilio/../test-pages`, { tenant_id: 'T1', slack_user_id: 'U1' });
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), '127.0.0.1');
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
      socket.on('error', reject);
      socket.on('close', () => resolve(received));
      socket.write(
        `POST /twilio/../test-pages HTTP/1.1\r\nHost: pager.example.com\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nX-Twilio-Signature: ${signature}\r\n\r\n${body}`,
      );
    });
    expect(answer).toMatch(/^HTTP\/1\.1 404 /);
    expect(stack.backend.requestsTo('POST', '/test-pages')).toEqual([]);
  });

  it('serves exactly the backend\'s Twilio routes: status and keypress of a delivery, inbound', async () => {
    const routes = [
      { path: `/twilio/status/${DELIVERY}`, forwardedTo: `/twilio/status/${DELIVERY}` },
      { path: `/twilio/keypress/${DELIVERY.toUpperCase()}`, forwardedTo: `/twilio/keypress/${DELIVERY}` },
      { path: '/twilio/inbound', forwardedTo: '/twilio/inbound' },
    ];
    for (const { path, forwardedTo } of routes) {
      stack.backend.on('POST', forwardedTo, { status: 204 });
      const before = stack.backend.requestsTo('POST', forwardedTo).length;
      expect((await post(stack, path, fields)).status).toBe(204);
      expect(stack.backend.requestsTo('POST', forwardedTo)).toHaveLength(before + 1);
    }
  });

  it('answers 405 to a GET, 413 to a body over 64 KiB, relays the backend’s 404, and 503 when the backend is down', async () => {
    expect((await fetch(`${stack.gateway.url}${path}`)).status).toBe(405);
    expect((await post(stack, path, { Body: 'x'.repeat(70_000) })).status).toBe(413);
    stack.backend.on('POST', path, { status: 404, body: { error: 'not_found', detail: `no delivery ${DELIVERY}` } });
    expect(await post(stack, path, fields)).toMatchObject({ status: 404, body: JSON.stringify({ error: 'not_found', detail: `no delivery ${DELIVERY}` }) });
    const orphan = await startGatewayStack({ twilio: { authToken: AUTH_TOKEN, publicBaseUrl: PUBLIC } });
    await orphan.backend.close();
    const down = await post(orphan, path, fields);
    await orphan.gateway.close();
    await orphan.slack.close();
    expect(down.status).toBe(503);
    expect(JSON.parse(down.body)).toEqual({ error: 'backend_unavailable', detail: expect.any(String) });
  });
});
