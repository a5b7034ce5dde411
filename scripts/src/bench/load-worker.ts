import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { signSlackRequest, slashCommandBody } from '@klaxon/testing';
import { epochMs, requestTag, type LoadResult, type LoadSpec, type RequestRecipe, type SentRequest } from './load';
import { percentile } from './stats';
import { serveRpc } from './worker-rpc';

// A request that takes this long is a failure, so a wedged server ends a round instead of the bench.
const REQUEST_TIMEOUT_MS = 10_000;
const MAX_FAILURE_SAMPLES = 5;

interface Prepared {
  body: string;
  headers: Record<string, string | number>;
}

serveRpc<LoadSpec, LoadResult>(runLoad);

async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const url = new URL(spec.path, spec.baseUrl);
  if (url.hostname !== '127.0.0.1') throw new Error(`refusing to load ${url.hostname}: the bench only drives loopback servers`);
  if (spec.ratePerSecond !== undefined) return runOpenLoop(spec, url);
  // A fresh agent per run: sockets left idle between rounds could be closed by the server under us
  // and show up as spurious failures; opening N loopback connections costs nothing measurable.
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.connections });
  const method = spec.recipe.kind === 'health' ? 'GET' : 'POST';
  const latencies: number[] = [];
  const failures = new Set<string>();
  let failed = 0;
  let sequence = 0;

  const started = performance.now();
  const deadline = started + spec.durationMs;
  const client = async () => {
    while (performance.now() < deadline && (spec.maxRequests === undefined || sequence < spec.maxRequests)) {
      const request = prepare(spec.recipe, sequence++);
      const sent = performance.now();
      const outcome = await send(agent, url, method, request);
      if (outcome === null) {
        latencies.push(performance.now() - sent);
      } else {
        failed++;
        if (failures.size < MAX_FAILURE_SAMPLES) failures.add(outcome);
      }
    }
  };
  await Promise.all(Array.from({ length: spec.connections }, client));
  const elapsedMs = performance.now() - started;
  agent.destroy();

  return summary(latencies, failed, failures, elapsedMs);
}

function summary(latencies: number[], failed: number, failures: Set<string>, elapsedMs: number, sent?: SentRequest[]): LoadResult {
  latencies.sort((a, b) => a - b);
  return {
    ok: latencies.length,
    failed,
    failures: [...failures],
    elapsedMs,
    perSecond: latencies.length / (elapsedMs / 1000),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    sent,
  };
}

/**
 * Open loop: request i leaves at start + i/rate, answered or not (a late timer catches up at once, so the
 * offered count is exact). Sockets are not capped: a slow server gets more connections, as from Slack.
 */
async function runOpenLoop(spec: LoadSpec, url: URL): Promise<LoadResult> {
  const rate = spec.ratePerSecond ?? 1;
  const total = Math.max(1, Math.round((rate * spec.durationMs) / 1000));
  const agent = new http.Agent({ keepAlive: true });
  const method = spec.recipe.kind === 'health' ? 'GET' : 'POST';
  const latencies: number[] = [];
  const failures = new Set<string>();
  const sent: SentRequest[] = [];
  const answers: Array<Promise<void>> = [];
  let failed = 0;
  const started = performance.now();
  for (let sequence = 0; sequence < total; sequence++) {
    const due = started + (sequence * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const request = prepare(spec.recipe, sequence);
    const record: SentRequest = { sequence, sentAtMs: epochMs(), ok: false };
    sent.push(record);
    const leftAt = performance.now();
    answers.push(
      send(agent, url, method, request).then((outcome) => {
        if (outcome === null) {
          record.ok = true;
          latencies.push(performance.now() - leftAt);
        } else {
          failed++;
          if (failures.size < MAX_FAILURE_SAMPLES) failures.add(outcome);
        }
      }),
    );
  }
  const offeredMs = performance.now() - started;
  await Promise.all(answers);
  agent.destroy();
  return summary(latencies, failed, failures, offeredMs, sent);
}

/** Builds one request; the signing is part of the client's work, like Slack's, not of the server's. */
function prepare(recipe: RequestRecipe, sequence: number): Prepared {
  switch (recipe.kind) {
    case 'slash': {
      const text = recipe.text.replace('{tag}', requestTag(recipe.tagPrefix ?? '', sequence));
      const teamId = recipe.teamIds?.[sequence % recipe.teamIds.length];
      const body = slashCommandBody({ text, response_url: `${recipe.responseUrl}-${sequence}`, ...(teamId ? { team_id: teamId } : {}) });
      const signature = signSlackRequest({ signingSecret: recipe.signingSecret, body });
      return { body, headers: { ...signature, 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } };
    }
    case 'alert': {
      const body = JSON.stringify({
        tenant_id: recipe.tenantIds[sequence % recipe.tenantIds.length],
        message: recipe.tagPrefix === undefined ? `bench alert ${sequence}` : `bench alert [${requestTag(recipe.tagPrefix, sequence)}]`,
        severity: 'high',
        targets: [{ slack_user_id: recipe.slackUserId }],
      });
      return { body, headers: { 'x-service-key': recipe.serviceKey, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } };
    }
    case 'health':
      return { body: '', headers: {} };
  }
}

/** Resolves null for a 2xx answer, else a short description of what went wrong (never rejects). */
function send(agent: http.Agent, url: URL, method: string, { body, headers }: Prepared): Promise<string | null> {
  return new Promise((resolve) => {
    const request = http.request(
      { agent, host: url.hostname, port: url.port, path: url.pathname, method, headers, timeout: REQUEST_TIMEOUT_MS },
      (response) => {
        const status = response.statusCode ?? 0;
        const chunks: Buffer[] = [];
        // The answer is read to the end either way, so the keep-alive socket can carry the next request.
        response.on('data', (chunk: Buffer) => {
          if (status >= 300) chunks.push(chunk);
        });
        response.on('end', () =>
          resolve(status >= 200 && status < 300 ? null : `${method} ${url.pathname} → ${status} ${Buffer.concat(chunks).toString('utf8').slice(0, 160)}`),
        );
        response.on('error', (error) => resolve(`${method} ${url.pathname}: ${error.message}`));
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    request.on('error', (error) => resolve(`${method} ${url.pathname}: ${error.message}`));
    request.end(body);
  });
}
