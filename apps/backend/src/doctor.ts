import fs from 'node:fs';
import { Client } from 'pg';
import { ConfigError, dataDirOf, embeddedDatabaseUrl, embeddedPostgresPort, loadBackendConfig, loadDotEnv, withDevDefaults, type BackendConfig } from '@klaxon/config';
import { redactString } from '@klaxon/logger';
import { MIGRATIONS_DIR } from './db/migrate';
import { createSmtpTransport } from './email/email.channel';
import { createTwilioClient } from './twilio/twilio-client';
import { createSlackWebClient, slackPlatformError } from './slack/web-client';

/** One finding: `ok` checks passed; `problem` lines say what to fix; `note` lines are worth knowing, not wrong. */
export interface DoctorLine {
  level: 'ok' | 'problem' | 'note';
  text: string;
}

const TIMEOUT_MS = 5_000;

export interface DoctorOptions {
  /**
   * DATABASE_URL was unset, so `databaseUrl` is `npm start`'s embedded database (the launcher's defaults):
   * a refused connection then means npm start is not running, which is what the line must say.
   */
  embeddedDatabase?: { port: number };
}

/**
 * Checks a configuration before the first real page, against the real services (the same SDKs the backend
 * pages with): PostgreSQL reachable and migrated, the Slack token, the Twilio credentials and senders, SMTP.
 * Never throws; every failure is a line saying what to fix. Secrets never appear in a line.
 */
export async function runDoctor(config: BackendConfig, options: DoctorOptions = {}): Promise<DoctorLine[]> {
  const lines = await Promise.all([checkDatabase(config, options), checkSlack(config), checkTwilio(config), checkEmail(config)]);
  return lines.flat();
}

async function checkDatabase(config: BackendConfig, { embeddedDatabase }: DoctorOptions): Promise<DoctorLine[]> {
  const client = new Client({ connectionString: config.databaseUrl, connectionTimeoutMillis: TIMEOUT_MS, application_name: 'klaxon-doctor' });
  try {
    await client.connect();
  } catch (error) {
    if (embeddedDatabase) {
      return [
        problem(
          `DATABASE_URL: not set, and npm start's embedded PostgreSQL does not answer on 127.0.0.1:${embeddedDatabase.port} (${messageOf(error)}); ` +
            'run npm start in this folder first, or set DATABASE_URL',
        ),
      ];
    }
    return [problem(`DATABASE_URL: cannot connect to PostgreSQL (${messageOf(error)}); check the host, port, user and password, and that it runs`)];
  }
  try {
    const shipped = fs.readdirSync(MIGRATIONS_DIR).filter((file) => file.endsWith('.sql')).map((file) => file.replace(/\.sql$/, ''));
    const table = await client.query<{ exists: boolean }>("SELECT to_regclass('public.pgmigrations') IS NOT NULL AS exists");
    const applied = table.rows[0]?.exists ? new Set((await client.query<{ name: string }>('SELECT name FROM pgmigrations')).rows.map((row) => row.name)) : new Set<string>();
    const missing = shipped.filter((name) => !applied.has(name));
    if (missing.length > 0) {
      return [problem(`database: ${missing.length} of ${shipped.length} migrations not applied (first: ${missing[0]}); start the backend once, it migrates before it listens`)];
    }
    return [ok(`database: reachable, all ${shipped.length} migrations applied`)];
  } catch (error) {
    return [problem(`database: connected but could not read the migrations (${messageOf(error)}); may the user read pgmigrations?`)];
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function checkSlack(config: BackendConfig): Promise<DoctorLine[]> {
  // The token npm start generates has no workspace behind it: the launcher answers with a local stand-in.
  if (config.nodeEnv !== 'production' && !config.slack.apiUrl && config.slack.botToken.startsWith('xoxb-dev-')) {
    return [note('slack: the generated development token (npm start answers Slack calls locally); set SLACK_BOT_TOKEN to check a real workspace')];
  }
  const client = createSlackWebClient({ botToken: config.slack.botToken, apiUrl: config.slack.apiUrl, timeoutMs: TIMEOUT_MS });
  try {
    const answer = await client.auth.test();
    return [ok(`slack: the bot token works (team ${answer.team ?? answer.team_id ?? '?'}, bot user ${answer.user_id ?? '?'})`)];
  } catch (error) {
    const code = slackPlatformError(error);
    if (code) return [problem(`SLACK_BOT_TOKEN: Slack refused it (${code}); copy the Bot User OAuth Token (xoxb-…) from your app's "OAuth & Permissions" page`)];
    return [problem(`slack: cannot reach the Slack API at ${config.slack.apiUrl ?? 'https://slack.com/api/'} (${messageOf(error)})`)];
  }
}

async function checkTwilio(config: BackendConfig): Promise<DoctorLine[]> {
  const { twilio } = config;
  if (!twilio) {
    const text = 'twilio: no TWILIO_ACCOUNT_SID: pages are printed to the log, nobody is called; set the Twilio variables to page for real';
    return [config.nodeEnv === 'production' ? problem(text) : note(text)];
  }
  const lines: DoctorLine[] = [];
  const client = createTwilioClient({ accountSid: twilio.accountSid, authToken: twilio.authToken, apiBaseUrl: twilio.apiBaseUrl, timeoutMs: TIMEOUT_MS });
  try {
    const account = await client.api.v2010.accounts(twilio.accountSid).fetch();
    if (account.status === 'active') lines.push(ok(`twilio: credentials accepted (account ${account.friendlyName}, active)`));
    else lines.push(problem(`twilio: the account is ${account.status}, not active: pages would be refused; reactivate it in the Twilio console`));
  } catch (error) {
    const { status, code } = error as { status?: number; code?: number };
    if (status === 401 || code === 20003) lines.push(problem('TWILIO_AUTH_TOKEN: Twilio refused the credentials (20003); copy the Account SID and Auth Token from the Twilio console'));
    else lines.push(problem(`twilio: cannot reach the Twilio API (${messageOf(error)})`));
  }
  const senders: Array<[string, string | undefined]> = [
    ['TWILIO_WHATSAPP_FROM', twilio.whatsappFrom],
    ['TWILIO_VOICE_FROM', twilio.voiceFrom],
    ['TWILIO_SMS_FROM', twilio.smsFrom],
  ];
  const unset = senders.filter(([, value]) => !value).map(([name]) => name);
  if (unset.length === senders.length) lines.push(problem('twilio: no sender set; set TWILIO_WHATSAPP_FROM, TWILIO_VOICE_FROM and TWILIO_SMS_FROM (numbers of your Twilio account)'));
  else if (unset.length > 0) lines.push(problem(`twilio: ${unset.join(', ')} not set: pages on that channel fail (or fall back); set them to numbers of your Twilio account`));
  else lines.push(ok('twilio: WhatsApp, voice and SMS senders set'));
  return lines;
}

async function checkEmail(config: BackendConfig): Promise<DoctorLine[]> {
  if (!config.email) return [note('email: no SMTP_URL: email pages are printed to the log; set SMTP_URL and EMAIL_FROM to send them')];
  const transport = createSmtpTransport({ smtpUrl: config.email.smtpUrl, timeoutMs: TIMEOUT_MS });
  try {
    await transport.verify();
    return [ok('email: the SMTP server accepts a connection and the login')];
  } catch (error) {
    return [problem(`SMTP_URL: the SMTP server did not accept a connection or the login (${messageOf(error)})`)];
  } finally {
    transport.close();
  }
}

const ok = (text: string): DoctorLine => ({ level: 'ok', text });
const problem = (text: string): DoctorLine => ({ level: 'problem', text });
const note = (text: string): DoctorLine => ({ level: 'note', text });

// Provider and driver messages may echo a URL with its password, or a number: never print them raw.
function messageOf(error: unknown): string {
  return redactString(error instanceof Error ? error.message || error.name : String(error));
}

const MARK: Record<DoctorLine['level'], string> = { ok: '✓', problem: '✗', note: '·' };

async function main(): Promise<number> {
  loadDotEnv();
  const { env } = withDevDefaults(process.env, dataDirOf(process.env));
  // As npm start does: without DATABASE_URL outside production, the database is its embedded one.
  const embeddedDatabase = !env.DATABASE_URL && env.NODE_ENV !== 'production' ? { port: embeddedPostgresPort(env) } : undefined;
  if (embeddedDatabase) env.DATABASE_URL = embeddedDatabaseUrl(env);
  let config: BackendConfig;
  try {
    config = loadBackendConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const line of error.problems) console.log(`${MARK.problem} ${line}`);
    return 1;
  }
  const lines = await runDoctor(config, { embeddedDatabase });
  for (const line of lines) console.log(`${MARK[line.level]} ${line.text}`);
  const problems = lines.filter((line) => line.level === 'problem').length;
  console.log(problems === 0 ? '\nReady to page.' : `\n${problems} thing${problems === 1 ? '' : 's'} to fix before the first real page.`);
  return problems === 0 ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`doctor failed: ${messageOf(error)}`);
      process.exit(2);
    },
  );
}
