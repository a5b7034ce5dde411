import http from 'node:http';
import { parseArgs } from 'node:util';
import { dataDirOf, loadDotEnv, withDevDefaults } from '@klaxon/config';
import { signSlackRequest, slashCommandBody } from '@klaxon/testing';
import { renderSlackText } from './slack-text';

const HELP = `npm run slash -- "<text>" [options] — send a correctly signed /alert to a running gateway, as Slack would.

  Examples:
    npm run slash -- "<@U123> critical disk full"
    npm run slash -- "<@U123> <@U456|bob> checkout is down" --user U999
    npm run slash -- "ack 42 looking"      (also: resolve 42 [note], list [resolved], status 42, phone, phone +44 20 7946 0958, phone verify 123456, help)

  Options:
    --url <url>       gateway endpoint (default http://127.0.0.1:$GATEWAY_PORT/slack/events)
    --team <id>       Slack team id, the tenant (default T0DEV)
    --user <id>       who runs the command (default U0DEV)
    --channel <id>    where it is run (default C0DEV)
    --wait <seconds>  how long to wait for the outcome message on response_url (default 10)

  Signs with SLACK_SIGNING_SECRET from the environment, .env, or .data/dev-secrets.json (what npm start generated).
  The outcome Klaxon posts to response_url is received here and printed.`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      team: { type: 'string', default: 'T0DEV' },
      user: { type: 'string', default: 'U0DEV' },
      channel: { type: 'string', default: 'C0DEV' },
      wait: { type: 'string', default: '10' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals.length === 0) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  loadDotEnv();
  const { env } = withDevDefaults(process.env, dataDirOf(process.env));
  const signingSecret = env.SLACK_SIGNING_SECRET;
  if (!signingSecret) throw new Error('no SLACK_SIGNING_SECRET: set it, or run npm start once to generate dev secrets');
  const url = values.url ?? `http://127.0.0.1:${env.GATEWAY_PORT ?? 3000}/slack/events`;

  const outcomes = await listenForResponses();
  const body = slashCommandBody({
    text: positionals.join(' '),
    team_id: values.team,
    user_id: values.user,
    channel_id: values.channel,
    response_url: outcomes.url,
  });
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest({ signingSecret, body }) },
    body,
  }).catch((error: unknown) => {
    throw new Error(`cannot reach the gateway at ${url} (${(error as Error).cause ?? error}); is npm start running?`);
  });
  const ackMs = performance.now() - started;
  const text = await response.text();
  console.log(`ack: HTTP ${response.status} in ${ackMs.toFixed(0)} ms${text ? `\n  ${renderSlackText(ackText(text))}` : ''}`);
  if (!response.ok) {
    outcomes.close();
    return 1;
  }
  // Help (and a command it cannot read) is answered in the ack itself; only a "⏳ …" ack has an outcome to come.
  if (!ackText(text).startsWith('⏳')) {
    outcomes.close();
    return 0;
  }
  const message = await outcomes.next(Number(values.wait) * 1000);
  console.log(message ? `outcome (response_url):\n  ${renderSlackText(message)}` : `no outcome message within ${values.wait} s`);
  outcomes.close();
  return message ? 0 : 1;
}

function ackText(raw: string): string {
  try {
    return (JSON.parse(raw) as { text?: string }).text ?? raw;
  } catch {
    return raw;
  }
}

/** A local stand-in for Slack's response_url, so the outcome of the command is visible here. */
async function listenForResponses(): Promise<{ url: string; next(timeoutMs: number): Promise<string | null>; close(): void }> {
  const received: string[] = [];
  let wake: (() => void) | null = null;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      received.push(ackText(raw));
      res.end('ok');
      wake?.();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}/response`,
    next: async (timeoutMs) => {
      if (received.length === 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, timeoutMs).unref();
        });
      }
      return received.shift() ?? null;
    },
    close: () => server.close(),
  };
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`slash: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
