import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import {
  ConfigError,
  dataDirOf,
  EMBEDDED_DATABASE_NAME,
  EMBEDDED_PG_DEFAULT_PORT,
  embeddedPostgresPort,
  loadBackendConfig,
  loadDotEnv,
  loadGatewayConfig,
  withDevDefaults,
} from '@klaxon/config';
import { ensureDatabase, startFakeSlackApi, type FakeSlackApi, type FakeSlackCall, type FakeTwilio } from '@klaxon/testing';
import { startDevPostgres, type DevPostgres } from './dev-postgres';
import { acquireLauncherLock, describeLockHolder } from './launcher-lock';
import { renderSlackText } from './slack-text';
import { startTwilioStandIn } from './twilio-stand-in';
import { backendClient, DEV_TENANT } from './backend-call';
import { EXAMPLE_FILE, loadOnCallExample } from './oncall-example';

const ROOT = path.resolve(__dirname, '../..');
const HELP = `npm start — run Klaxon locally: the backend, the gateway and (without DATABASE_URL) an embedded PostgreSQL.

  Reads .env when present. Outside production it generates dev secrets once into .data/dev-secrets.json
  and keeps the embedded database in .data/postgres across restarts. Ctrl-C stops everything.

  Without Twilio credentials the backend's log notifier prints each page. --twilio-stand-in starts a local
  stand-in of Twilio instead: pages go through the real SDK with their status callbacks, are printed as
  "twilio ▸", and \`npm run twilio\` can answer them as Twilio would (status, keypress, reply).

  Options:
    --twilio-stand-in   a local Twilio stand-in instead of the log notifier (two-way paging)
    -h, --help          this text

  One npm start per data directory: a second one refuses and names the running one.

  Environment: see .env.example. KLAXON_EMBEDDED_PG_PORT picks the embedded database's port (${EMBEDDED_PG_DEFAULT_PORT}).
  With NODE_ENV=production nothing is generated and every missing variable is reported.`;

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(HELP);
    return;
  }
  process.chdir(ROOT);
  loadDotEnv();
  const dataDir = dataDirOf(process.env);
  // Before anything is generated or started: a second launcher here would stop the first one's database.
  const locked = acquireLauncherLock(dataDir);
  if (!locked.ok) {
    console.error(describeLockHolder(locked.holder, shownPath(dataDir)));
    process.exit(1);
  }
  const lock = locked.lock;
  process.on('exit', () => lock.release());
  const { env, secretsFile } = withDevDefaults(process.env, dataDir);
  const production = env.NODE_ENV === 'production';

  let database: DevPostgres | null = null;
  if (!env.DATABASE_URL && !production) {
    const port = embeddedPostgresPort(env);
    step(`starting embedded PostgreSQL on 127.0.0.1:${port} (data in ${path.relative(ROOT, path.join(dataDir, 'postgres'))}/)`);
    database = await startDevPostgres(path.join(dataDir, 'postgres'), port);
    env.DATABASE_URL = await ensureDatabase(database.url, EMBEDDED_DATABASE_NAME);
  }

  // With the generated dev token there is no Slack workspace to talk to: a local stand-in of the Web API
  // answers users.info and chat.*, and prints the channel messages Klaxon would post.
  let slackStandIn: FakeSlackApi | null = null;
  if (!production && !env.SLACK_API_URL && env.SLACK_BOT_TOKEN?.startsWith('xoxb-dev-')) {
    slackStandIn = await startFakeSlackApi({ onCall: printSlackCall });
    env.SLACK_API_URL = slackStandIn.slackApiUrl;
    step(`no Slack app configured: a local stand-in of the Slack Web API answers at ${slackStandIn.url}`);
  }

  // Without Twilio credentials the backend's log notifier prints the pages. Asked for, a local stand-in of
  // Twilio receives them instead (printed as "twilio ▸"), and `npm run twilio` answers them as Twilio would:
  // status callbacks, a keypress, a reply.
  let twilioStandIn: FakeTwilio | null = null;
  if (process.argv.includes('--twilio-stand-in') && !production && !env.TWILIO_ACCOUNT_SID && !env.TWILIO_AUTH_TOKEN) {
    const started = await startTwilioStandIn(dataDir, (line) => console.log(line));
    twilioStandIn = started.standIn;
    Object.assign(env, started.env);
    step(`no Twilio account configured: a local stand-in of Twilio answers at ${twilioStandIn.url}`);
  }

  // Both configurations are checked before anything starts, so every problem is listed at once.
  const problems = [...configProblems(() => loadBackendConfig(env)), ...configProblems(() => loadGatewayConfig(env))];
  if (problems.length > 0) {
    for (const problem of [...new Set(problems)]) console.error(`config error: ${problem}`);
    await database?.stop();
    process.exit(1);
  }
  const backendConfig = loadBackendConfig(env);
  const gatewayConfig = loadGatewayConfig(env);

  const children: ChildProcess[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    step('stopping…');
    // Services first, then the database they use: stopped the other way round, the backend's connections
    // are cut under it (57P01) while it still finishes its jobs.
    await Promise.all(children.map((child) => stopChild(child)));
    await slackStandIn?.close();
    await twilioStandIn?.close();
    await database?.stop();
    step('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  const backendUrl = `http://${backendConfig.host}:${backendConfig.port}`;
  step('starting backend…');
  // A service that exits on its own (crash, bad config) takes the others down with a non-zero code.
  const onExit = (name: string) => (how: string) => {
    if (stopping) return;
    console.error(`${name} exited (${how}); stopping Klaxon`);
    void stopAll(1);
  };
  children.push(run('apps/backend/dist/main.js', env, onExit('backend')));
  await waitForHealthy(`${backendUrl}/health`, 'backend');
  // The dev tenant's first /alert oncall shows a rotation; a setup the tenant already has is left as it is.
  const oncall = production
    ? null
    : await loadOnCallExample(backendClient(env, DEV_TENANT, backendUrl)).catch((error: unknown) => `${EXAMPLE_FILE} not loaded: ${error instanceof Error ? error.message : String(error)}`);
  step('starting gateway…');
  children.push(run('apps/gateway/dist/main.js', env, onExit('gateway')));
  const gatewayUrl = `http://127.0.0.1:${gatewayConfig.port}`;
  await waitForHealthy(`${gatewayUrl}/healthz`, 'gateway');
  lock.update({ gateway: `${gatewayUrl}/slack/events`, backend: backendUrl, database: database ? `embedded PostgreSQL on port ${database.port}` : 'DATABASE_URL' });

  const keyCommand = secretsFile
    ? `$(node -p "require('./${path.relative(ROOT, secretsFile)}').INTERNAL_SERVICE_KEYS.split(',')[0]")`
    : '<one of INTERNAL_SERVICE_KEYS>';
  console.log(`
  Klaxon is running.
    gateway   ${gatewayUrl}/slack/events   (public: Slack's one URL)
    backend   ${backendUrl}             (private, loopback only: /health, /metrics)
    metrics   http://127.0.0.1:${gatewayConfig.metricsPort}/metrics   (the gateway's, loopback only; /healthz there is detailed)
    database  ${database ? `embedded PostgreSQL on port ${database.port}, data in .data/postgres` : 'DATABASE_URL'}
    notifier  ${twilioStandIn ? 'local Twilio stand-in (pages are printed here as "twilio ▸", nobody is called)' : backendConfig.twilio ? 'Twilio' : 'log (no Twilio credentials: notifications are printed, not sent)'}
    secrets   ${secretsFile ? `${path.relative(ROOT, secretsFile)} (generated for development)` : 'from the environment'}
    slack     ${slackStandIn ? 'local stand-in (channel messages are printed here as "slack ▸")' : 'the Slack Web API'}
${oncall ? `    on call   ${oncall}\n` : ''}
  Page yourself, as Slack would send it (signed):
    npm run slash -- "phone +1 415 555 0101"          give your number (you are U0DEV in team T0DEV): a code goes to it, ${twilioStandIn ? 'printed as "twilio ▸"' : 'printed by the log notifier'}
    npm run slash -- "phone verify <code>"            confirm the number with that code: pages use it from now on
    npm run slash -- "<@U0DEV> critical disk full"     page yourself: WhatsApp + call, ${twilioStandIn ? 'printed as "twilio ▸"' : 'printed by the log notifier'}
${twilioStandIn ? `    npm run twilio -- status read                      Twilio says the WhatsApp was read
    npm run twilio -- press 1                          acknowledge from the call (or: npm run twilio -- reply "ack <n>")
` : ''}    npm run slash -- "ack <n> looking"                 acknowledge it from Slack: <n> is the number the page answered (#<n>)
    npm run slash -- help                              every form
${oncall ? `    npm run slash -- oncall                            /alert oncall: who is on call now, until when, who is next
    npm run oncall -- export                           the on-call setup as YAML: edit it, then npm run oncall -- apply <file>
` : ''}${twilioStandIn ? '' : '\n  Answer from your phone as Twilio would: restart with npm start -- --twilio-stand-in, then npm run twilio.\n'}
  See the stored alerts:
    curl -s -H "x-service-key: ${keyCommand}" "${backendUrl}/alerts?tenant_id=T0DEV"

  Ctrl-C stops everything.
`);
}

function printSlackCall(call: FakeSlackCall): void {
  if (call.method !== 'chat.postMessage' && call.method !== 'chat.update' && call.method !== 'chat.postEphemeral') return;
  const verb = call.method === 'chat.update' ? 'updated' : 'posted';
  console.log(`slack ▸ ${verb} in ${String(call.args.channel)}: ${renderSlackText(String(call.args.text))}`);
  // The people paged, and what reached them (Twilio's receipts), as the message's blocks show them.
  const blocks = Array.isArray(call.args.blocks) ? (call.args.blocks as { type?: string; text?: { text?: string } }[]) : [];
  const people = blocks.find((b) => b.type === 'section' && b.text?.text?.startsWith('• '))?.text?.text;
  if (people) console.log(renderSlackText(people).replace(/^/gm, '        '));
}

function configProblems(load: () => unknown): string[] {
  try {
    load();
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
}

function run(script: string, env: NodeJS.ProcessEnv, onExit: (how: string) => void): ChildProcess {
  const child = spawn(process.execPath, [script], { env, stdio: 'inherit' });
  child.on('exit', (code, signal) => onExit(signal ?? `code ${code}`));
  return child;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function waitForHealthy(url: string, name: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url).then((res) => res.ok, () => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${name} did not become healthy at ${url} within ${timeoutMs / 1000} s (see its log above)`);
}

/** A path inside the checkout as the developer would type it (`.data`), any other in full. */
function shownPath(file: string): string {
  const relative = path.relative(ROOT, file);
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

function step(message: string): void {
  console.log(`▸ ${message}`);
}

main().catch((error: unknown) => {
  console.error(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
