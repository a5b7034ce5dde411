import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { dataDirOf, loadDotEnv, withDevDefaults } from '@klaxon/config';
import { readStandInState, type StandInPage } from './twilio-stand-in';

const HELP = `npm run twilio -- <command> [options] — send a signed Twilio webhook to a running gateway, as Twilio would.

  Commands:
    status <status>     a StatusCallback for the latest WhatsApp/SMS page (sent, delivered, read, undelivered,
                        failed), or with --call for the latest call (ringing, in-progress, completed, busy, no-answer)
    machine             the latest call was answered by a voicemail box (AnsweredBy=machine_start)
    press <digit>       a key pressed on the latest call: 1 acknowledges, 2 passes the alert on
    reply "<text>"      an SMS (or --whatsapp) to Klaxon's number: "ack 42-K7" (as the page says), "ack 42", "ack",
                        "resolve 42-K7", HELP
    replay              the last webhook this command sent, again, byte for byte (same SID, same signature), as
                        Twilio retries one or as anyone who saw it could: Klaxon answers as the first time and
                        does nothing

  Options:
    --call              status: the latest call rather than the latest message
    --error <code>      status: Twilio's ErrorCode (e.g. 63016 with undelivered)
    --from <number>     reply: who sends it (default: the number of the latest page)
    --whatsapp          reply: as a WhatsApp message
    --url <origin>      the gateway (default http://127.0.0.1:$GATEWAY_PORT)

  Against npm start -- --twilio-stand-in (no Twilio account), the pages come from its local Twilio stand-in (.data/twilio-stand-in.json)
  and requests are signed with the stand-in's token. With a real account, TWILIO_AUTH_TOKEN signs them; the
  signed URL is PUBLIC_BASE_URL + the path, as Twilio signs it.`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      call: { type: 'boolean' },
      error: { type: 'string' },
      from: { type: 'string' },
      whatsapp: { type: 'boolean' },
      url: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, argument] = positionals;
  if (values.help || !command) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  loadDotEnv();
  const dataDir = dataDirOf(process.env);
  const { env } = withDevDefaults(process.env, dataDir);
  const gateway = (values.url ?? `http://127.0.0.1:${env.GATEWAY_PORT ?? 3000}`).replace(/\/+$/, '');
  const lastFile = path.join(dataDir, LAST_WEBHOOK_FILE);
  if (command === 'replay') {
    if (!fs.existsSync(lastFile)) throw new Error('nothing to replay yet: send one first (e.g. npm run twilio -- reply "ack")');
    return send(gateway, JSON.parse(fs.readFileSync(lastFile, 'utf8')) as SentWebhook);
  }
  const standIn = readStandInState(dataDir);
  const authToken = env.TWILIO_AUTH_TOKEN ?? standIn?.authToken;
  if (!authToken) throw new Error('no TWILIO_AUTH_TOKEN: set it, or run npm start -- --twilio-stand-in (its Twilio stand-in writes one)');
  const publicBaseUrl = (env.PUBLIC_BASE_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
  const latest = (kind: StandInPage['kind']): StandInPage => {
    const page = [...(standIn?.pages ?? [])].reverse().find((p) => p.kind === kind);
    if (!page) throw new Error(`no ${kind} page yet: page yourself first (npm run slash -- "<@U0DEV> critical disk full")`);
    return page;
  };

  let url: string;
  let fields: Record<string, string>;
  switch (command) {
    case 'status': {
      if (!argument) throw new Error('say which status, e.g. npm run twilio -- status read');
      const page = latest(values.call ? 'call' : 'message');
      url = need(page.statusCallback, 'StatusCallback');
      fields = values.call ? { CallSid: page.sid, CallStatus: argument, To: page.to } : { MessageSid: page.sid, MessageStatus: argument, To: page.to };
      if (values.error) fields.ErrorCode = values.error;
      break;
    }
    case 'machine': {
      const page = latest('call');
      url = need(page.statusCallback, 'StatusCallback');
      fields = { CallSid: page.sid, AnsweredBy: 'machine_start', To: page.to };
      break;
    }
    case 'press': {
      const page = latest('call');
      url = need(page.keypress, 'keypress URL');
      fields = { CallSid: page.sid, Digits: argument ?? '1', To: page.to };
      break;
    }
    case 'reply': {
      const from = values.from ?? latest('message').to;
      url = `${publicBaseUrl}/twilio/inbound`;
      fields = { MessageSid: `SM${Date.now().toString(16).padStart(32, '0')}`, From: values.whatsapp ? `whatsapp:${from}` : from, Body: argument ?? '' };
      break;
    }
    default:
      console.error(`unknown command ${command}\n\n${HELP}`);
      return 2;
  }

  // Twilio signs the public URL it calls; the request goes to the local gateway under the same path.
  const webhookPath = url.slice(url.indexOf('/twilio/'));
  const webhook: SentWebhook = { path: webhookPath, fields, signature: getExpectedTwilioSignature(authToken, `${publicBaseUrl}${webhookPath}`, fields) };
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(lastFile, `${JSON.stringify(webhook, null, 2)}\n`, { mode: 0o600 });
  return send(gateway, webhook);
}

/** A signed webhook as sent, kept for `replay`. */
interface SentWebhook {
  path: string;
  fields: Record<string, string>;
  signature: string;
}

const LAST_WEBHOOK_FILE = 'twilio-last-webhook.json';

async function send(gateway: string, { path: webhookPath, fields, signature }: SentWebhook): Promise<number> {
  const response = await fetch(`${gateway}${webhookPath}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    body: new URLSearchParams(fields).toString(),
  }).catch((error: unknown) => {
    throw new Error(`cannot reach the gateway at ${gateway} (${(error as Error).cause ?? error}); is npm start running?`);
  });
  const body = await response.text();
  console.log(`POST ${webhookPath} → ${response.status}${body ? `\n${body}` : ''}`);
  return response.ok ? 0 : 1;
}

function need(value: string | null, what: string): string {
  if (!value) throw new Error(`the latest page carries no ${what}: was it sent before two-way paging, or to real Twilio?`);
  return value;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`npm run twilio failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
