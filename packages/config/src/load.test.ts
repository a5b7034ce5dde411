import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from './config-error';
import { MIN_NOTIFY_LEASE_MS, RECORD_RETRY_BUDGET_MS, TWILIO_TIMEOUT_MS } from './delivery-timing';
import { loadBackendConfig, loadGatewayConfig } from './load';
import { ALL_VARIABLES, parseMailbox } from './schema';

const SECRET = '0123456789abcdef0123456789abcdef';
const KEY = 'k'.repeat(32);
const gatewayEnv = { SLACK_SIGNING_SECRET: SECRET, SLACK_BOT_TOKEN: 'xoxb-1-2-abc', INTERNAL_SERVICE_KEYS: KEY };
const backendEnv = { DATABASE_URL: 'postgres://u:p@db:5432/klaxon', INTERNAL_SERVICE_KEYS: KEY, SLACK_BOT_TOKEN: 'xoxb-1-2-abc' };

function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadGatewayConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadGatewayConfig(gatewayEnv);
    expect(config).toMatchObject({ port: 3000, host: '0.0.0.0', backendUrl: 'http://127.0.0.1:5002', serviceKey: KEY, inlineAnswerMs: 2000 });
    expect(loadGatewayConfig({ ...gatewayEnv, SLACK_INLINE_ANSWER_MS: '0' }).inlineAnswerMs).toBe(0);
    expect(config.log).toEqual({ level: 'info', format: 'pretty' });
  });

  it('reads PUBLIC_BASE_URL (without a trailing slash) and the Twilio auth token that verifies /twilio/*', () => {
    expect(loadGatewayConfig(gatewayEnv)).toMatchObject({ publicBaseUrl: 'http://127.0.0.1:3000', twilio: null });
    const config = loadGatewayConfig({ ...gatewayEnv, PUBLIC_BASE_URL: 'https://pager.example.com/', TWILIO_AUTH_TOKEN: 't'.repeat(32) });
    expect(config).toMatchObject({ publicBaseUrl: 'https://pager.example.com', twilio: { authToken: 't'.repeat(32) } });
    expect(loadBackendConfig({ ...backendEnv, PUBLIC_BASE_URL: 'https://pager.example.com' }).publicBaseUrl).toBe('https://pager.example.com');
    expect(problemsOf(() => loadGatewayConfig({ ...gatewayEnv, PUBLIC_BASE_URL: 'pager.example.com' }))[0]).toMatch(/^PUBLIC_BASE_URL: /);
  });

  it('names every missing production variable, one line each', () => {
    const problems = problemsOf(() => loadGatewayConfig({ NODE_ENV: 'production' }));
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['INTERNAL_SERVICE_KEYS', 'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET']);
  });

  it.each([
    ['SLACK_SIGNING_SECRET', 'has spaces in it!'],
    ['SLACK_BOT_TOKEN', 'xoxp-user-token'],
    ['INTERNAL_SERVICE_KEYS', 'short'],
    ['INTERNAL_SERVICE_KEYS', `${KEY},`],
    ['GATEWAY_PORT', '70000'],
    ['BACKEND_URL', 'ftp://backend'],
    ['LOG_LEVEL', 'loud'],
    // Past Slack's 3 s the ack itself would be dropped.
    ['SLACK_INLINE_ANSWER_MS', '3000'],
  ])('rejects a malformed %s and names it', (name, value) => {
    const problems = problemsOf(() => loadGatewayConfig({ ...gatewayEnv, [name]: value }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name}: `));
  });

  it('never echoes a secret in a problem', () => {
    const leaked = 'xoxp-should-not-appear-anywhere';
    const problems = problemsOf(() => loadGatewayConfig({ ...gatewayEnv, SLACK_BOT_TOKEN: leaked }));
    expect(problems.join('\n')).not.toContain(leaked);
  });

  it('needs a key not bound to a tenant, because it serves every team', () => {
    const problems = problemsOf(() => loadGatewayConfig({ ...gatewayEnv, INTERNAL_SERVICE_KEYS: `${KEY}@acme` }));
    expect(problems[0]).toMatch(/^INTERNAL_SERVICE_KEYS: the gateway serves every Slack team/);
  });

  it('treats an empty value as unset', () => {
    expect(problemsOf(() => loadGatewayConfig({ ...gatewayEnv, SLACK_SIGNING_SECRET: '' }))[0]).toMatch(/^SLACK_SIGNING_SECRET: is required/);
  });
});

describe('loadBackendConfig', () => {
  it('binds to loopback on 5002 by default', () => {
    expect(loadBackendConfig(backendEnv)).toMatchObject({ host: '127.0.0.1', port: 5002, twilio: null, defaultPhoneRegion: 'US' });
  });

  it('parses bound and unbound service keys', () => {
    const config = loadBackendConfig({ ...backendEnv, INTERNAL_SERVICE_KEYS: `${KEY}, ${'a'.repeat(20)}@acme` });
    expect(config.serviceKeys).toEqual([
      { key: KEY, tenantId: null },
      { key: 'a'.repeat(20), tenantId: 'acme' },
    ]);
  });

  it('reads the Slack channels granted to keys bound to a tenant, and names a malformed entry', () => {
    expect(loadBackendConfig(backendEnv).tenantSlackChannels).toEqual([]);
    expect(loadBackendConfig({ ...backendEnv, TENANT_SLACK_CHANNELS: 'T024BE7LD:C024BE91L, billing.eu:G0PRIV' }).tenantSlackChannels).toEqual([
      { tenantId: 'T024BE7LD', channelId: 'C024BE91L' },
      { tenantId: 'billing.eu', channelId: 'G0PRIV' },
    ]);
    for (const bad of ['C024BE91L', 'acme:#ops', 'acme:C0A:C0B', 'acme:C0A,']) {
      expect(problemsOf(() => loadBackendConfig({ ...backendEnv, TENANT_SLACK_CHANNELS: bad }))).toEqual([expect.stringMatching(/^TENANT_SLACK_CHANNELS: entry \d must be tenant:channel/)]);
    }
  });

  it('names every missing production variable', () => {
    const problems = problemsOf(() => loadBackendConfig({ NODE_ENV: 'production' }));
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['DATABASE_URL', 'INTERNAL_SERVICE_KEYS', 'SLACK_BOT_TOKEN']);
  });

  it('rejects a non-PostgreSQL DATABASE_URL', () => {
    expect(problemsOf(() => loadBackendConfig({ ...backendEnv, DATABASE_URL: 'mysql://x/y' }))[0]).toMatch(/^DATABASE_URL: /);
  });

  it('requires a token and a sender with a Twilio account SID', () => {
    const sid = `AC${'0'.repeat(32)}`;
    const problems = problemsOf(() => loadBackendConfig({ ...backendEnv, TWILIO_ACCOUNT_SID: sid }));
    expect(problems).toEqual([
      'TWILIO_AUTH_TOKEN: is required when TWILIO_ACCOUNT_SID is set',
      expect.stringMatching(/^TWILIO_WHATSAPP_FROM: set at least one sender/),
    ]);
    const config = loadBackendConfig({ ...backendEnv, TWILIO_ACCOUNT_SID: sid, TWILIO_AUTH_TOKEN: 't'.repeat(32), TWILIO_WHATSAPP_FROM: 'whatsapp:+14155238886' });
    expect(config.twilio).toMatchObject({ accountSid: sid, whatsappFrom: 'whatsapp:+14155238886' });
  });
});

describe('PUBLIC_BASE_URL in production with Twilio', () => {
  const TOKEN = 't'.repeat(32);
  const production = { NODE_ENV: 'production', PUBLIC_BASE_URL: 'https://pager.example.com' };
  const gatewayTwilio = { ...gatewayEnv, ...production, TWILIO_AUTH_TOKEN: TOKEN };
  const backendTwilio = { ...backendEnv, ...production, TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`, TWILIO_AUTH_TOKEN: TOKEN, TWILIO_SMS_FROM: '+14155550100' };

  it('takes a public https origin', () => {
    expect(loadGatewayConfig(gatewayTwilio).publicBaseUrl).toBe('https://pager.example.com');
    expect(loadBackendConfig({ ...backendTwilio, PUBLIC_BASE_URL: 'https://203.0.113.7:8443/' }).publicBaseUrl).toBe('https://203.0.113.7:8443');
  });

  it.each([
    ['unset (the development default)', undefined, /^PUBLIC_BASE_URL: is required with Twilio in production/],
    ['http', 'http://pager.example.com', /^PUBLIC_BASE_URL: must start with https:\/\//],
    ['loopback', 'https://127.0.0.1:3000', /^PUBLIC_BASE_URL: https:\/\/127\.0\.0\.1:3000 is loopback/],
    ['loopback written another way', 'https://0x7f000001', /is loopback/],
    ['localhost', 'https://localhost', /is loopback/],
    ['a .localhost name', 'https://klaxon.localhost.', /is loopback/],
    ['IPv6 loopback', 'https://[::1]:3000', /is loopback/],
    ['IPv4-mapped loopback', 'https://[::ffff:127.0.0.1]', /is loopback/],
    ['a private network', 'https://10.0.0.5', /is a private address/],
    ['a private network (172.16/12)', 'https://172.20.1.1', /is a private address/],
    ['a private network (192.168/16)', 'https://192.168.1.10', /is a private address/],
    ['link-local', 'https://169.254.169.254', /is a private address/],
    ['carrier-grade NAT', 'https://100.64.0.1', /is a private address/],
    ['IPv6 unique local', 'https://[fd12::1]', /is a private address/],
    ['the unspecified address', 'https://0.0.0.0', /is a private address/],
    ['a name without a dot', 'https://klaxon', /is not a public DNS name/],
  ])('refuses %s, in one line naming the variable and what to set, for the gateway and the backend', (_what, url, problem) => {
    for (const load of [() => loadGatewayConfig({ ...gatewayTwilio, PUBLIC_BASE_URL: url }), () => loadBackendConfig({ ...backendTwilio, PUBLIC_BASE_URL: url })]) {
      const problems = problemsOf(load);
      expect(problems).toEqual([expect.stringMatching(problem)]);
      expect(problems[0]).toMatch(/set it to the https address Twilio reaches the gateway at/);
      expect(problems[0]).not.toContain('\n');
    }
  });

  it('leaves development, tests and Twilio-less production alone', () => {
    expect(loadGatewayConfig({ ...gatewayEnv, TWILIO_AUTH_TOKEN: TOKEN }).publicBaseUrl).toBe('http://127.0.0.1:3000');
    expect(loadBackendConfig({ ...backendTwilio, NODE_ENV: 'test', PUBLIC_BASE_URL: 'http://127.0.0.1:3000' }).publicBaseUrl).toBe('http://127.0.0.1:3000');
    expect(loadGatewayConfig({ ...gatewayEnv, NODE_ENV: 'production', PUBLIC_BASE_URL: 'http://127.0.0.1:3000' }).twilio).toBeNull();
  });
});

describe('email', () => {
  const smtp = { SMTP_URL: 'smtp://pager:s3cret-pass@smtp.example.com:587', EMAIL_FROM: 'Klaxon <pager@example.com>' };

  it('is off (the log channel stands in) without SMTP_URL', () => {
    expect(loadBackendConfig(backendEnv).email).toBeNull();
  });

  it.each([
    ['smtp://pager:s3cret@smtp.example.com:587', 'pager@example.com'],
    ['smtps://apikey:p%40ss%2Fword@smtp.example.com', 'Klaxon <pager@example.com>'],
    ['SMTP://relay.internal', '"Klaxon, on-call" <pager@example.com>'],
    ['smtp://u:p@127.0.0.1:2525?requireTLS=true', ' pager@example.com '],
  ])('takes SMTP_URL=%s with EMAIL_FROM=%s', (url, from) => {
    expect(loadBackendConfig({ ...backendEnv, SMTP_URL: url, EMAIL_FROM: from }).email).toEqual({ smtpUrl: url, from: from.trim() });
  });

  it.each([
    ['https://smtp.example.com', /^SMTP_URL: must start with smtp:\/\/ .* or smtps:\/\//],
    ['smtp.example.com:587', /^SMTP_URL: must start with smtp:\/\//],
    ['smtp://', /^SMTP_URL: a URL such as smtp:\/\/user:password@smtp\.example\.com:587/],
    ['smtp://pager:p@ss@smtp.example.com', /^SMTP_URL: percent-encode @ .* as %40/],
  ])('refuses SMTP_URL=%s, naming it', (url, problem) => {
    expect(problemsOf(() => loadBackendConfig({ ...backendEnv, ...smtp, SMTP_URL: url }))).toEqual([expect.stringMatching(problem)]);
  });

  it('never echoes the SMTP password in a problem', () => {
    const problems = problemsOf(() => loadBackendConfig({ ...backendEnv, ...smtp, SMTP_URL: 'smtp://pager:hunter2-leak@@smtp.example.com' }));
    expect(problems).toHaveLength(1);
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it.each([
    'pager',
    'pager@localhost',
    'Klaxon pager@example.com',
    'Klaxon <pager@example.com',
    'Klaxon, Ops <pager@example.com>',
    'Klaxon <pager@example.com>, other@example.com',
    'Klaxon\r\nBcc: x@example.com <pager@example.com>',
  ])('refuses EMAIL_FROM=%j, naming it', (from) => {
    expect(problemsOf(() => loadBackendConfig({ ...backendEnv, ...smtp, EMAIL_FROM: from }))).toEqual([expect.stringMatching(/^EMAIL_FROM: an address such as pager@example\.com/)]);
  });

  it('needs EMAIL_FROM with SMTP_URL, and SMTP_URL with EMAIL_FROM', () => {
    expect(problemsOf(() => loadBackendConfig({ ...backendEnv, SMTP_URL: smtp.SMTP_URL }))).toEqual(['EMAIL_FROM: is required when SMTP_URL is set (the address pages are sent from)']);
    expect(problemsOf(() => loadBackendConfig({ ...backendEnv, EMAIL_FROM: smtp.EMAIL_FROM }))).toEqual([expect.stringMatching(/^SMTP_URL: is required when EMAIL_FROM is set/)]);
  });

  it.each([
    ['pager@example.com', { name: null, address: 'pager@example.com' }],
    ['Klaxon <pager@example.com>', { name: 'Klaxon', address: 'pager@example.com' }],
    ['"Klaxon, on-call" <pager@example.com>', { name: 'Klaxon, on-call', address: 'pager@example.com' }],
    ['<pager@example.com>', { name: null, address: 'pager@example.com' }],
  ])('parseMailbox(%j)', (value, mailbox) => {
    expect(parseMailbox(value)).toEqual(mailbox);
  });
});

describe('paging policy durations', () => {
  it('defaults to DESIGN\'s policy: escalate after 5 minutes, 3 rounds', () => {
    expect(loadBackendConfig(backendEnv).notify).toEqual({ escalateAfterMs: 300_000, escalationRounds: 3, maxAttempts: 6, retryBaseMs: 2000, leaseMs: 120_000, concurrency: 10 });
    expect(loadBackendConfig(backendEnv).pagingLimits).toEqual({ perUser: 20, perTenant: 300, perRecipient: 30, globalPerMinute: 1000, windowMs: 60_000 });
  });

  it('caps verification codes at 100 an hour for the installation unless PHONE_CODE_LIMIT_GLOBAL says otherwise', () => {
    expect(loadBackendConfig(backendEnv).phoneCodeLimitGlobal).toBe(100);
    expect(loadBackendConfig({ ...backendEnv, PHONE_CODE_LIMIT_GLOBAL: '2000' }).phoneCodeLimitGlobal).toBe(2000);
  });

  it('reads the per-recipient and global limits', () => {
    const config = loadBackendConfig({ ...backendEnv, PAGE_LIMIT_PER_RECIPIENT: '5', PAGE_LIMIT_GLOBAL: '200', PAGE_LIMIT_WINDOW: '2s' });
    expect(config.pagingLimits).toMatchObject({ perRecipient: 5, globalPerMinute: 200, windowMs: 2000 });
  });

  it.each([
    ['PAGE_LIMIT_PER_RECIPIENT', '0'],
    ['PAGE_LIMIT_PER_RECIPIENT', 'many'],
    ['PAGE_LIMIT_GLOBAL', '0'],
    ['PAGE_LIMIT_GLOBAL', '2.5'],
    ['PHONE_CODE_LIMIT_GLOBAL', '0'],
    ['PHONE_CODE_LIMIT_GLOBAL', 'lots'],
  ])('refuses %s=%s, naming it', (name, value) => {
    expect(problemsOf(() => loadBackendConfig({ ...backendEnv, [name]: value }))).toEqual([expect.stringMatching(new RegExp(`^${name}: `))]);
  });

  it.each([
    ['90', 90_000],
    ['90s', 90_000],
    ['5m', 300_000],
    ['1500ms', 1500],
    ['1h', 3_600_000],
  ])('reads ESCALATE_AFTER=%s as %i ms', (value, ms) => {
    expect(loadBackendConfig({ ...backendEnv, ESCALATE_AFTER: value }).notify.escalateAfterMs).toBe(ms);
  });

  it.each([
    ['5 minutes', /^ESCALATE_AFTER: a duration such as 30s, 5m or 1500ms/],
    ['500ms', /^ESCALATE_AFTER: at least 1s/],
    ['2d', /^ESCALATE_AFTER: a duration/],
  ])('refuses ESCALATE_AFTER=%s, naming it', (value, problem) => {
    expect(problemsOf(() => loadBackendConfig({ ...backendEnv, ESCALATE_AFTER: value }))).toEqual([expect.stringMatching(problem)]);
  });
});

describe('NOTIFY_LEASE', () => {
  it('must outlive Twilio\'s timeout plus the retries recording a sent page, so a page in flight is never swept and resent', () => {
    expect(MIN_NOTIFY_LEASE_MS).toBe(TWILIO_TIMEOUT_MS + RECORD_RETRY_BUDGET_MS);
    expect(loadBackendConfig({ ...backendEnv, NOTIFY_LEASE: '36s' }).notify.leaseMs).toBe(36_000);
    expect(loadBackendConfig({ ...backendEnv, NOTIFY_LEASE: `${MIN_NOTIFY_LEASE_MS}ms` }).notify.leaseMs).toBe(MIN_NOTIFY_LEASE_MS);
  });

  it.each(['2s', '17s', `${MIN_NOTIFY_LEASE_MS - 1}ms`])('refuses NOTIFY_LEASE=%s, naming the variable and the minimum', (value) => {
    expect(problemsOf(() => loadBackendConfig({ ...backendEnv, NOTIFY_LEASE: value }))).toEqual([
      "NOTIFY_LEASE: at least 35.5s: a claimed page must outlive Twilio's 10s timeout and up to 25.5s of retries recording it, or the sweeper would send it again",
    ]);
  });
});

describe('.env.example', () => {
  it('documents every variable the services read', () => {
    const example = fs.readFileSync(path.resolve(__dirname, '../../../.env.example'), 'utf8');
    const documented = new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    expect(ALL_VARIABLES.filter((name) => !documented.has(name))).toEqual([]);
  });

  it('ships production mode, so a deployment copied from it refuses to start without its secrets', () => {
    const example = fs.readFileSync(path.resolve(__dirname, '../../../.env.example'), 'utf8');
    const active = Object.fromEntries([...example.matchAll(/^([A-Z][A-Z0-9_]+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
    expect(active.NODE_ENV).toBe('production');
    const missing = problemsOf(() => loadBackendConfig(active));
    expect(missing).toEqual(expect.arrayContaining([expect.stringMatching(/^DATABASE_URL: is required/), expect.stringMatching(/^INTERNAL_SERVICE_KEYS: is required/)]));
  });
});
