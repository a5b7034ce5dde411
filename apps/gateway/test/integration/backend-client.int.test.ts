import { createLogger } from '@klaxon/logger';
import { PassThrough } from 'node:stream';
import { BackendClient } from '../../src/backend-client';
import { BackendRejectedError } from '../../src/errors';
import { alertAnswer, startStubBackend } from './harness';

const logger = createLogger({ service: 'gateway', format: 'json', stream: new PassThrough() });
const body = { tenant_id: 'T1', message: 'm', targets: [{ slack_user_id: 'U1' }], slack: { channel_id: 'C1', user_id: 'U2' } };

describe('BackendClient', () => {
  it('retries once, with the same request id, when a kept-alive socket was closed under it', async () => {
    let onSocket = 0;
    let dropped = false;
    const backend = await startStubBackend((_req, { req, res }) => {
      // The first try of the second request finds its connection closed, as when the backend's keep-alive
      // timer fires just as the gateway reuses the socket (which socket undici's pool picks is its own business).
      if (req.headers['x-request-id'] === 'req-b' && !dropped) {
        dropped = true;
        req.socket.destroy();
        return;
      }
      onSocket++;
      res.writeHead(201, { 'content-type': 'application/json', connection: 'keep-alive' }).end(JSON.stringify(alertAnswer(onSocket, ['U1'])));
    });
    const client = new BackendClient({ baseUrl: backend.url, serviceKey: 'k'.repeat(20), timeoutMs: 2000, logger });
    try {
      expect((await client.raiseAlert(body, { requestId: 'req-a' })).alert.number).toBe(1);
      const second = await client.raiseAlert(body, { requestId: 'req-b' });
      expect(second.alert.number).toBe(2);
      expect(backend.requests.map((r) => r.headers['x-request-id'])).toEqual(['req-a', 'req-b', 'req-b']);
    } finally {
      client.close();
      await backend.close();
    }
  });

  it('turns an error answer into a BackendRejectedError carrying the detail', async () => {
    const backend = await startStubBackend((_req, { res }) =>
      res.writeHead(422, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_field', detail: 'message: must not be empty' })),
    );
    const client = new BackendClient({ baseUrl: backend.url, serviceKey: 'k'.repeat(20), timeoutMs: 2000, logger });
    try {
      const refusal = client.raiseAlert(body, { requestId: 'req-c' });
      await expect(refusal).rejects.toBeInstanceOf(BackendRejectedError);
      await expect(refusal).rejects.toMatchObject({ status: 422, error: 'invalid_field', detail: 'message: must not be empty' });
      expect(backend.requests).toHaveLength(1);
    } finally {
      client.close();
      await backend.close();
    }
  });
});
