import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import { freePort, spawnService, startFakeSlackApi, startFakeTwilio, type FakeSlackApi, type FakeTwilio, type ServiceProcess } from '@klaxon/testing';
import { ROOT } from './apps';
import { PAGED_PHONE, PAGED_USER, step, type BenchContext } from './context';
import { freshDatabase } from './databases';

// The whole of Klaxon as it is deployed: the built backend and gateway (apps/*/dist/main.js, as supervisord
// runs them), each in its own process, against one PostgreSQL database, the fake Twilio and the fake Slack.

export const BENCH_TWILIO = {
  accountSid: `AC${'b'.repeat(32)}`,
  authToken: 'klaxon-bench-twilio-token',
  whatsappFrom: 'whatsapp:+14155238886',
  smsFrom: '+14155550100',
  voiceFrom: '+14155550199',
};

export interface StackSecrets {
  signingSecret: string;
  serviceKey: string;
  botToken: string;
}

export interface StackOptions {
  databaseUrl: string;
  twilio: FakeTwilio;
  slack: FakeSlackApi;
  secrets: StackSecrets;
}

/** A running Klaxon: its database (and a small pool of the bench's own on it), the fakes, both services. */
export interface Stack {
  databaseUrl: string;
  pool: Pool;
  twilio: FakeTwilio;
  slack: FakeSlackApi;
  /** Replaced when the startup phase restarts the services. */
  backend: ServiceProcess;
  gateway: ServiceProcess;
}

/** A fresh database, fake Twilio and fake Slack, then the built backend and gateway; all stopped at cleanup. */
export async function startStack(context: Pick<BenchContext, 'database' | 'cleanup' | 'secrets'>, label: string): Promise<Stack> {
  const { cleanup, secrets } = context;
  const databaseUrl = await freshDatabase(context, label);
  const twilio = await startFakeTwilio({ accountSid: BENCH_TWILIO.accountSid, authToken: BENCH_TWILIO.authToken });
  cleanup.add(`${label}: fake Twilio`, () => twilio.close());
  const slack = await startFakeSlackApi({ token: secrets.botToken });
  cleanup.add(`${label}: fake Slack`, () => slack.close());
  // Found in Slack the first time, then from the contacts table.
  slack.setUser(PAGED_USER, { real_name: 'Bench Person', profile: { phone: PAGED_PHONE, display_name: 'bench' } });
  const pool = new Pool({ connectionString: databaseUrl, max: 2 });
  cleanup.add(`${label}: bench pool`, () => pool.end());
  step(`${label}: starting the built backend and gateway in their own processes`);
  const backend = await spawnBenchBackend({ databaseUrl, twilio, slack, secrets });
  const stack: Stack = { databaseUrl, pool, twilio, slack, backend, gateway: backend };
  // Through `stack`, not the local: the startup phase replaces the processes, and cleanup must stop the last ones.
  cleanup.add(`${label}: backend process`, () => stack.backend.stop());
  stack.gateway = await spawnBenchGateway(backend.url, { slack, secrets });
  cleanup.add(`${label}: gateway process`, () => stack.gateway.stop());
  return stack;
}

/** Stops the gateway, then the backend (cleanup stops them again harmlessly); the database and fakes stay. */
export async function stopServices(stack: Stack): Promise<void> {
  await stack.gateway.stop();
  await stack.backend.stop();
}

/** The limits a bench must not meet (it offers thousands of pages to one person on purpose). */
const NO_LIMITS = {
  PAGE_LIMIT_PER_USER: '10000',
  PAGE_LIMIT_PER_TENANT: '100000',
  PAGE_LIMIT_GLOBAL: '1000000',
  PAGE_LIMIT_PER_RECIPIENT: '10000',
  // The highest limits the configuration takes, over the shortest window: 10,000 pages to one phone in 10 s.
  PAGE_LIMIT_WINDOW: '10s',
  // One page per alert: no escalation round adds calls while the bench runs.
  ESCALATE_AFTER: '1h',
};

/** `extraEnv`: more of the backend's environment (NODE_OPTIONS=--cpu-prof for a profile, say). */
export function spawnBenchBackend({ databaseUrl, twilio, slack, secrets }: StackOptions, extraEnv: Record<string, string> = {}): Promise<ServiceProcess> {
  return spawnService({
    name: 'backend',
    main: path.join(ROOT, 'apps/backend/dist/main.js'),
    env: (port) => ({
      BACKEND_HOST: '127.0.0.1',
      BACKEND_PORT: String(port),
      DATABASE_URL: databaseUrl,
      INTERNAL_SERVICE_KEYS: secrets.serviceKey,
      SLACK_BOT_TOKEN: secrets.botToken,
      SLACK_API_URL: slack.slackApiUrl,
      TWILIO_ACCOUNT_SID: BENCH_TWILIO.accountSid,
      TWILIO_AUTH_TOKEN: BENCH_TWILIO.authToken,
      TWILIO_WHATSAPP_FROM: BENCH_TWILIO.whatsappFrom,
      TWILIO_SMS_FROM: BENCH_TWILIO.smsFrom,
      TWILIO_VOICE_FROM: BENCH_TWILIO.voiceFrom,
      TWILIO_API_BASE_URL: twilio.url,
      // A bench that logs every page measures the terminal.
      LOG_LEVEL: 'warn',
      ...NO_LIMITS,
      ...extraEnv,
    }),
    ready: async (url, output) => output.includes('notification worker started') || (await healthy(`${url}/health`)),
  });
}

export async function spawnBenchGateway(backendUrl: string, { slack, secrets }: Pick<StackOptions, 'slack' | 'secrets'>): Promise<ServiceProcess> {
  // Its own metrics port: two stacks' gateways overlap while one stops and the next starts.
  const metricsPort = await freePort();
  return spawnService({
    name: 'gateway',
    main: path.join(ROOT, 'apps/gateway/dist/main.js'),
    env: (port) => ({
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_PORT: String(port),
      GATEWAY_METRICS_PORT: String(metricsPort),
      BACKEND_URL: backendUrl,
      INTERNAL_SERVICE_KEYS: secrets.serviceKey,
      SLACK_SIGNING_SECRET: secrets.signingSecret,
      SLACK_BOT_TOKEN: secrets.botToken,
      SLACK_API_URL: slack.slackApiUrl,
      SLACK_BOT_ID: 'B0BENCH',
      SLACK_BOT_USER_ID: 'U0BENCHBOT',
      LOG_LEVEL: 'warn',
    }),
    ready: (url) => healthy(`${url}/healthz`),
  });
}

/** The bare Bolt app (HTTPReceiver, ack-only /alert) in a process of its own: the gateway's memory baseline. */
export function spawnBareBolt(signingSecret: string): Promise<ServiceProcess> {
  return spawnService({
    name: 'bare-bolt',
    main: path.join(ROOT, 'scripts/dist/bench/bare-bolt.js'),
    env: (port) => ({ BARE_BOLT_PORT: String(port), SLACK_SIGNING_SECRET: signingSecret }),
    ready: (url) => healthy(`${url}/healthz`),
  });
}

export async function healthy(url: string): Promise<boolean> {
  return fetch(url, { signal: AbortSignal.timeout(2000) }).then(
    (response) => response.ok,
    () => false,
  );
}

/** Peak resident set size of a process so far (VmHWM), in MB; NaN when /proc cannot tell (not Linux, exited). */
export function peakRssMb(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
    return kb === undefined ? Number.NaN : Number(kb) / 1024;
  } catch {
    return Number.NaN;
  }
}

/** Polls `done` every `everyMs` until it holds or `timeoutMs` passes; resolves whether it held. */
export async function waitUntil(done: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await done()) return true;
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
