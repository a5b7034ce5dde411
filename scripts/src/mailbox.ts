import { parseArgs } from 'node:util';
import { startFakeSmtpServer, type FakeSmtpMail } from '@klaxon/testing';

const HELP = `npm run mailbox [-- --port 2525] — a local SMTP server that prints every email Klaxon sends.

  Start it, then start Klaxon with its address so email pages go to it instead of the log:
    npm run mailbox
    SMTP_URL=smtp://klaxon:klaxon@127.0.0.1:2525 EMAIL_FROM="Klaxon <pager@klaxon.local>" npm start

  Then give yourself an address and accept email:
    npm run slash -- "email you@example.com"
    npm run slash -- "prefs channels whatsapp,email"
    npm run slash -- "<@U0DEV> medium replication lag"

  Options:
    --port <n>   loopback port to listen on (default 2525)

  Listens on 127.0.0.1 only, takes AUTH PLAIN/LOGIN as klaxon/klaxon, keeps nothing on disk. Ctrl-C stops it.`;

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '2525' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    console.error(`mailbox: --port must be a port number from 1 to 65535, not ${values.port}`);
    return 2;
  }
  const mailbox = await startFakeSmtpServer({ user: 'klaxon', password: 'klaxon', port, onMail: print });
  console.log(`mailbox: listening on 127.0.0.1:${mailbox.port}`);
  console.log(`mailbox: start Klaxon with SMTP_URL=smtp://klaxon:klaxon@127.0.0.1:${mailbox.port} EMAIL_FROM="Klaxon <pager@klaxon.local>"`);
  await new Promise<void>((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
  await mailbox.close();
  return 0;
}

function print(mail: FakeSmtpMail): void {
  console.log(`\n── mail ${mail.receivedAt.toISOString()} ─────────────────────────────`);
  console.log(`From:       ${mail.from ?? ''}`);
  console.log(`To:         ${mail.to.join(', ')}`);
  console.log(`Subject:    ${mail.subject ?? ''}`);
  console.log(`Message-ID: ${mail.messageId ?? ''}`);
  console.log('');
  console.log((mail.text ?? '').trimEnd());
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`mailbox: ${message.includes('EADDRINUSE') ? 'that port is taken; pick another with --port' : message}`);
    process.exit(1);
  },
);
