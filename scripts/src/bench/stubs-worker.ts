import http from 'node:http';
import { BACKEND_HEADERS_TIMEOUT_MS, BACKEND_KEEP_ALIVE_MS, type AlertDto } from '@klaxon/contracts';
import { listenOnLoopback, readBody } from '@klaxon/testing';
import type { StubCounts } from './stubs';
import { serveRpc } from './worker-rpc';

// One canned AlertDto: the gateway only needs a well-formed answer to tell the caller about, and building
// a different one per request would charge the stub's work to the gateway's measurement.
const CANNED_ALERT = JSON.stringify({
  id: '00000000-0000-4000-8000-000000000001',
  tenant_id: 'T0001',
  number: 1,
  status: 'triggered',
  severity: 'high',
  message: 'bench alert',
  rule_name: null,
  source: null,
  origin: 'slack',
  dedup_key: null,
  covered_by: null,
  targets: [{ slack_user_id: 'U0BENCH1', name: 'bench', phone: '+1 ******0100', email: null, status: 'paging', channels: ['whatsapp'], reason: null, held: null, receipts: [] }],
  slack: { channel_id: 'C0001', user_id: 'U0001' },
  created_at: new Date(0).toISOString(),
  acknowledged_at: null,
  acknowledged_by: null,
  resolved_at: null,
  resolved_by: null,
} satisfies AlertDto);

const counts = { forwards: 0 };

const backend = http.createServer((req, res) => {
  void readBody(req).then(() => {
    if (req.method === 'POST' && req.url === '/slack/alert') {
      counts.forwards++;
      res.writeHead(201, { 'content-type': 'application/json' }).end(CANNED_ALERT);
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found","detail":"bench stub"}');
    }
  });
});

// Same keep-alive window as the real backend, so the gateway's agent never meets a socket the stub dropped.
backend.keepAliveTimeout = BACKEND_KEEP_ALIVE_MS;
backend.headersTimeout = BACKEND_HEADERS_TIMEOUT_MS;
const listening = listenOnLoopback(backend);

serveRpc<'counts', StubCounts>(async () => {
  const backendUrl = await listening;
  return { backendUrl, ...counts };
});
