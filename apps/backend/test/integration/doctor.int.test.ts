import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { PassThrough } from 'node:stream';
import os from 'node:os';
import path from 'node:path';
import type { BackendConfig } from '@klaxon/config';
import { createLogger } from '@klaxon/logger';
import {
  createTestDatabase,
  freePort,
  startFakeSlackApi,
  startFakeSmtpServer,
  startFakeTwilio,
  type FakeSlackApi,
  type FakeSmtp,
  type FakeTwilio,
  type TestDatabase,
} from '@klaxon/testing';
import { migrate } from '../../src/db/migrate';
import { runDoctor } from '../../src/doctor';
import { testConfig } from './helpers';
import { TWILIO } from './paging-harness';

// `npm run doctor` against the fake Slack, Twilio and SMTP servers through the real SDKs, and a real PostgreSQL.
let migrated: TestDatabase;
let empty: TestDatabase;
let slack: FakeSlackApi;
let twilio: FakeTwilio;
let smtp: FakeSmtp;
const SLACK_TOKEN = 'xoxb-doctor-token';

beforeAll(async () => {
  migrated = await createTestDatabase();
  await migrate({ databaseUrl: migrated.url, logger: createLogger({ service: 'test', stream: new PassThrough() }) });
  empty = await createTestDatabase();
  slack = await startFakeSlackApi({ token: SLACK_TOKEN });
  twilio = await startFakeTwilio({ accountSid: TWILIO.accountSid, authToken: TWILIO.authToken });
  smtp = await startFakeSmtpServer({ user: 'pager', password: 'smtp-secret' });
});
afterAll(async () => {
  await slack.close();
  await twilio.close();
  await smtp.close();
  await migrated.drop();
  await empty.drop();
});

const goodConfig = (): BackendConfig => ({
  ...testConfig({ slackApiUrl: slack.slackApiUrl, databaseUrl: migrated.url, twilio: { ...TWILIO, apiBaseUrl: twilio.url }, email: { smtpUrl: smtp.url, from: 'pager@example.com' } }),
  slack: { botToken: SLACK_TOKEN, apiUrl: slack.slackApiUrl },
});

const problems = (lines: Awaited<ReturnType<typeof runDoctor>>) => lines.filter((line) => line.level === 'problem').map((line) => line.text);

describe('runDoctor', () => {
  it('finds nothing to fix in a good configuration, and says what it checked', async () => {
    const lines = await runDoctor(goodConfig());
    expect(problems(lines)).toEqual([]);
    expect(lines.map((line) => line.text)).toEqual([
      expect.stringMatching(/^database: reachable, all \d+ migrations applied$/),
      expect.stringMatching(/^slack: the bot token works/),
      expect.stringMatching(/^twilio: credentials accepted \(account .*, active\)$/),
      'twilio: WhatsApp, voice and SMS senders set',
      'email: the SMTP server accepts a connection and the login',
    ]);
    // The Twilio check really fetched the account through the SDK.
    expect(twilio.requests.some((r) => r.method === 'GET' && r.path === `/2010-04-01/Accounts/${TWILIO.accountSid}.json`)).toBe(true);
  });

  it('says what to fix, one line each, and never prints a secret', async () => {
    const base = goodConfig();
    const config: BackendConfig = {
      ...base,
      databaseUrl: empty.url,
      slack: { ...base.slack, botToken: 'xoxb-revoked' },
      twilio: { ...base.twilio!, authToken: 'wrong-auth-token', smsFrom: undefined },
      email: { smtpUrl: smtp.url.replace('smtp-secret', 'wrong-password'), from: 'pager@example.com' },
    };
    const found = problems(await runDoctor(config));
    expect(found).toEqual([
      expect.stringMatching(/^database: \d+ of \d+ migrations not applied \(first: \d{14}_[a-z-]+\); start the backend once/),
      expect.stringMatching(/^SLACK_BOT_TOKEN: Slack refused it \(invalid_auth\)/),
      expect.stringMatching(/^TWILIO_AUTH_TOKEN: Twilio refused the credentials \(20003\)/),
      expect.stringMatching(/^twilio: TWILIO_SMS_FROM not set/),
      expect.stringMatching(/^SMTP_URL: the SMTP server did not accept a connection or the login/),
    ]);
    const text = found.join('\n');
    for (const secret of ['wrong-auth-token', 'wrong-password', 'xoxb-revoked']) expect(text).not.toContain(secret);
  });

  it('names an unreachable database and SMTP server', async () => {
    const base = goodConfig();
    const [dbPort, smtpPort] = [await freePort(), await freePort()];
    const found = problems(
      await runDoctor({ ...base, databaseUrl: `postgres://postgres:pg-secret@127.0.0.1:${dbPort}/klaxon`, email: { smtpUrl: `smtp://u:p@127.0.0.1:${smtpPort}`, from: 'pager@example.com' } }),
    );
    expect(found).toEqual([expect.stringMatching(/^DATABASE_URL: cannot connect to PostgreSQL \(.*ECONNREFUSED.*\)/), expect.stringMatching(/^SMTP_URL: /)]);
    expect(found.join('\n')).not.toContain('pg-secret');
  });
});

describe('npm run doctor (the built entry point)', () => {
  it('prints one line per finding and exits non-zero when something is wrong', async () => {
    const main = path.resolve(__dirname, '../../dist/doctor.js');
    // Asynchronously: the fake Slack API answering it lives in this process.
    const run = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, [main], {
        cwd: os.tmpdir(),
        encoding: 'utf8',
        timeout: 60_000,
        env: {
          PATH: process.env.PATH ?? '',
          NODE_ENV: 'production',
          DATABASE_URL: migrated.url,
          INTERNAL_SERVICE_KEYS: 'doctor-test-key-0000000000000000',
          SLACK_BOT_TOKEN: 'xoxb-revoked',
          SLACK_API_URL: slack.slackApiUrl,
          KLAXON_DATA_DIR: path.join(os.tmpdir(), 'klaxon-doctor-test'),
        },
      }, (_error, stdout, stderr) => resolve({ status: child.exitCode, stdout, stderr }));
    });
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^✓ database: reachable, all \d+ migrations applied$/m);
    expect(run.stdout).toMatch(/^✗ SLACK_BOT_TOKEN: Slack refused it \(invalid_auth\)/m);
    // Production without Twilio cannot page anyone.
    expect(run.stdout).toMatch(/^✗ twilio: no TWILIO_ACCOUNT_SID/m);
    expect(run.stdout).toMatch(/^· email: no SMTP_URL/m);
    expect(run.stdout).toMatch(/2 things to fix before the first real page\.$/m);
    expect(run.status).toBe(1);
  });

  it('without DATABASE_URL in development, looks for npm start\'s embedded database and says to start it', async () => {
    const port = await freePort();
    // Development generates its secrets into the data directory: a fresh one, removed afterwards.
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'klaxon-doctor-dev-'));
    const run = await new Promise<{ status: number | null; stdout: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        [path.resolve(__dirname, '../../dist/doctor.js')],
        { cwd: os.tmpdir(), encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH ?? '', KLAXON_DATA_DIR: dataDir, KLAXON_EMBEDDED_PG_PORT: String(port) } },
        (_error, stdout) => resolve({ status: child.exitCode, stdout }),
      );
    });
    fs.rmSync(dataDir, { recursive: true, force: true });
    expect(run.stdout).toMatch(
      new RegExp(`^✗ DATABASE_URL: not set, and npm start's embedded PostgreSQL does not answer on 127\\.0\\.0\\.1:${port} \\(.*ECONNREFUSED.*\\); run npm start in this folder first, or set DATABASE_URL$`, 'm'),
    );
    expect(run.stdout).not.toMatch(/is required/);
    expect(run.status).toBe(1);
  });
});
