import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { signSlackRequest, slashCommandBody } from '@klaxon/testing';
import { epochMs, requestTag, type LoadResult, type LoadSpec, type RequestRecipe, type SentRequest } from './load';
import { percentile } from './stats';
import { serveRpc } from './worker-rpc';

// A request that takes this long is a failure, so a wedged server ends a round instead of the bench.
const REQUEST_TIMEOUT_MS = 10_000;
// The gateway's page retry budget (10 s) plus its response_url post: past it, an outcome is not coming.
const OUTCOME_TIMEOUT_MS = 15_000;
// How the gateway's messages begin: "🚨 #n … raised" when an alert exists, "❌ Nothing was paged…" otherwise.
const RAISED_MARK = '🚨';
const NOT_PAGED_MARK = '❌';
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
  const outcomes = spec.recipe.kind === 'slash' && spec.recipe.awaitOutcome ? await OutcomeServer.start() : null;
  const recipe = outcomes && spec.recipe.kind === 'slash' ? { ...spec.recipe, responseUrl: outcomes.baseUrl } : spec.recipe;
  const latencies: number[] = [];
  const failures = new Set<string>();
  let failed = 0;
  let sequence = 0;

  const started = performance.now();
  const deadline = started + spec.durationMs;
  const client = async () => {
    while (performance.now() < deadline && (spec.maxRequests === undefined || sequence < spec.maxRequests)) {
      const current = sequence++;
      const request = prepare(recipe, current);
      const sent = performance.now();
      const outcome = outcomes ? await sendAndAwaitOutcome(agent, url, request, outcomes, current) : await send(agent, url, method, request);
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
  await outcomes?.close();

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
    // A slash command's ack is read: "❌ Nothing was paged…" there is an outcome already told.
    const readAck = spec.recipe.kind === 'slash';
    answers.push(
      send(agent, url, method, request, readAck).then((outcome) => {
        if (outcome === null || outcome.startsWith('ack:')) {
          record.ok = true;
          record.refusedInAck = outcome?.startsWith(`ack:${NOT_PAGED_MARK}`) ?? false;
          record.raisedInAck = outcome?.startsWith(`ack:${RAISED_MARK}`) ?? false;
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
      const tenant = sequence % recipe.tenantIds.length;
      const body = JSON.stringify({
        tenant_id: recipe.tenantIds[tenant],
        message: recipe.tagPrefix === undefined ? `bench alert ${sequence}` : `bench alert [${requestTag(recipe.tagPrefix, sequence)}]`,
        severity: 'high',
        ...(recipe.service === undefined ? { targets: [{ slack_user_id: recipe.slackUserId }] } : { service: recipe.service }),
        ...(recipe.raisedBy === undefined ? {} : { slack: { channel_id: 'C0BENCH', user_id: `${recipe.raisedBy}${tenant}` } }),
      });
      return { body, headers: { 'x-service-key': recipe.serviceKey, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } };
    }
    case 'health':
      return { body: '', headers: {} };
  }
}

/** The response_url of `awaitOutcome` runs: request `i` posts its outcome to `<baseUrl>-i`. */
class OutcomeServer {
  private readonly waiting = new Map<string, (text: string) => void>();
  private readonly server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      this.arrived(request.url ?? '', textOf(Buffer.concat(chunks).toString('utf8')));
    });
  });
  baseUrl = '';

  static async start(): Promise<OutcomeServer> {
    const outcomes = new OutcomeServer();
    await new Promise<void>((resolve) => outcomes.server.listen(0, '127.0.0.1', resolve));
    const { port } = outcomes.server.address() as { port: number };
    outcomes.baseUrl = `http://127.0.0.1:${port}/outcome`;
    return outcomes;
  }

  /** The text posted for request `sequence`, or null when none came within the timeout. */
  wait(sequence: number): Promise<string | null> {
    const path = `/outcome-${sequence}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(path);
        resolve(null);
      }, OUTCOME_TIMEOUT_MS);
      this.waiting.set(path, (text) => {
        clearTimeout(timer);
        resolve(text);
      });
    });
  }

  /** Stops waiting for request `sequence`'s outcome: its ack carried it. */
  forget(sequence: number): void {
    this.arrived(`/outcome-${sequence}`, '');
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private arrived(path: string, text: string): void {
    const waiter = this.waiting.get(path);
    this.waiting.delete(path);
    waiter?.(text);
  }
}

function textOf(body: string): string {
  try {
    const text = (JSON.parse(body) as { text?: unknown }).text;
    return typeof text === 'string' ? text : '';
  } catch {
    return '';
  }
}

/** A slash command, then its outcome at the response_url: null once an alert was reported raised. */
async function sendAndAwaitOutcome(agent: http.Agent, url: URL, request: Prepared, outcomes: OutcomeServer, sequence: number): Promise<string | null> {
  // Waiting starts before the command leaves: the outcome may arrive before the ack is read.
  const outcome = outcomes.wait(sequence);
  const ack = await send(agent, url, 'POST', request, true);
  // An answer in time is the ack itself (SLACK_INLINE_ANSWER_MS), and then nothing comes to the response_url.
  if (ack?.startsWith(`ack:${RAISED_MARK}`) || ack?.startsWith(`ack:${NOT_PAGED_MARK}`)) outcomes.forget(sequence);
  if (ack !== null && !ack.startsWith('ack:')) return ack;
  if (ack?.startsWith(`ack:${NOT_PAGED_MARK}`)) return `told in the ack: ${ack.slice(4, 124)}`;
  if (ack?.startsWith(`ack:${RAISED_MARK}`)) return null;
  const text = await outcome;
  if (text === null) return `no outcome at the response_url within ${OUTCOME_TIMEOUT_MS / 1000} s`;
  return text.startsWith(RAISED_MARK) ? null : `outcome: ${text.slice(0, 120)}`;
}

/**
 * Resolves null for a 2xx answer, else a short description of what went wrong (never rejects). With
 * `readAck`, a 2xx answer resolves `ack:<its text>` instead, for the caller to judge.
 */
function send(agent: http.Agent, url: URL, method: string, { body, headers }: Prepared, readAck = false): Promise<string | null> {
  return new Promise((resolve) => {
    const request = http.request(
      { agent, host: url.hostname, port: url.port, path: url.pathname, method, headers, timeout: REQUEST_TIMEOUT_MS },
      (response) => {
        const status = response.statusCode ?? 0;
        const chunks: Buffer[] = [];
        // The answer is read to the end either way, so the keep-alive socket can carry the next request.
        response.on('data', (chunk: Buffer) => {
          if (status >= 300 || readAck) chunks.push(chunk);
        });
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (status >= 200 && status < 300) resolve(readAck ? `ack:${textOf(text)}` : null);
          else resolve(`${method} ${url.pathname} → ${status} ${text.slice(0, 160)}`);
        });
        response.on('error', (error) => resolve(`${method} ${url.pathname}: ${error.message}`));
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    request.on('error', (error) => resolve(`${method} ${url.pathname}: ${error.message}`));
    request.end(body);
  });
}
