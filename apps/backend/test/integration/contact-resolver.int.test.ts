import { createServer } from 'node:http';
import request from 'supertest';
import { closeNow, listenOnLoopback, startFakeSlackApi, type FakeSlackApi } from '@klaxon/testing';
import { ContactResolver } from '../../src/contacts/contact-resolver';
import { findContact, upsertContact } from '../../src/contacts/contact.repository';
import { createSlackDirectory } from '../../src/slack/slack-directory';
import { SERVICE_KEY, startBackendHarness, type BackendHarness } from './helpers';

const TOKEN = 'xoxb-test-token';
const HOUR = 60 * 60 * 1000;

let backend: BackendHarness;
let slack: FakeSlackApi;
let clockOffsetMs = 0;
let tenantSequence = 0;
let tenant: string;

function resolver(apiUrl = slack.slackApiUrl, budgetMs?: number): ContactResolver {
  const directory = createSlackDirectory({ botToken: TOKEN, apiUrl, logger: backend.logger, ...(budgetMs === undefined ? {} : { budgetMs }) });
  return new ContactResolver({
    db: backend.db,
    directory,
    defaultRegion: 'US',
    channels: backend.backend.registry,
    logger: backend.logger,
    now: () => new Date(Date.now() + clockOffsetMs),
  });
}

beforeAll(async () => {
  backend = await startBackendHarness();
  slack = await startFakeSlackApi({ token: TOKEN });
});
afterAll(async () => {
  await slack.close();
  await backend.close();
});
beforeEach(() => {
  slack.reset();
  clockOffsetMs = 0;
  tenantSequence += 1;
  tenant = `T-RESOLVE-${tenantSequence}`;
});

describe('ContactResolver', () => {
  it('normalises the Slack profile phone, pages it, and caches it as a slack contact', async () => {
    slack.setUser('U0JANE', { real_name: 'Jane Doe', profile: { phone: '(415) 555-0101', display_name: 'jane' } });

    const [target] = await resolver().resolve(tenant, [{ slackUserId: 'U0JANE' }]);

    expect(target).toEqual({
      slackUserId: 'U0JANE',
      name: 'jane',
      phone: '+14155550101',
      email: null,
      status: 'paging',
      channels: ['whatsapp', 'voice', 'sms'],
      accepts: ['whatsapp', 'voice', 'sms'],
      quietHours: null,
      reason: null,
    });
    expect(slack.callsTo('users.info').map((c) => c.args.user)).toEqual(['U0JANE']);
    expect(await findContact(backend.db, tenant, 'U0JANE')).toMatchObject({ phone: '+14155550101', source: 'slack', name: 'jane' });
  });

  it('prefers a number the person set themselves over the Slack profile, without asking Slack', async () => {
    slack.setUser('U0SELF', { real_name: 'Sam', profile: { phone: '+1 415 555 0199' } });
    await upsertContact(backend.db, { tenantId: tenant, slackUserId: 'U0SELF', name: 'Sam S', phone: '+447911123456', channels: ['whatsapp'], source: 'self' });

    const [target] = await resolver().resolve(tenant, [{ slackUserId: 'U0SELF' }]);

    expect(target).toMatchObject({ phone: '+447911123456', name: 'Sam S', channels: ['whatsapp'], status: 'paging' });
    expect(slack.callsTo('users.info')).toHaveLength(0);
  });

  it('never lets a Slack cache write replace a self or import contact', async () => {
    await upsertContact(backend.db, { tenantId: tenant, slackUserId: 'U0KEEP', name: 'Kim', phone: '+447911123456', source: 'import' });

    const stored = await upsertContact(backend.db, { tenantId: tenant, slackUserId: 'U0KEEP', name: 'k', phone: '+14155550101', source: 'slack' });

    expect(stored).toMatchObject({ phone: '+447911123456', source: 'import', name: 'Kim' });
  });

  it('uses a fresh Slack cache, and asks Slack again once the cache is older than the TTL', async () => {
    slack.setUser('U0TTL', { profile: { phone: '+1 415 555 0101', real_name: 'Tess' } });
    const subject = resolver();

    await subject.resolve(tenant, [{ slackUserId: 'U0TTL' }]);
    clockOffsetMs = 23 * HOUR;
    await subject.resolve(tenant, [{ slackUserId: 'U0TTL' }]);
    expect(slack.callsTo('users.info')).toHaveLength(1);

    slack.setUser('U0TTL', { profile: { phone: '+1 415 555 0102' } });
    clockOffsetMs = 25 * HOUR;
    const [target] = await subject.resolve(tenant, [{ slackUserId: 'U0TTL' }]);

    expect(slack.callsTo('users.info')).toHaveLength(2);
    expect(target).toMatchObject({ phone: '+14155550102', status: 'paging' });
    expect(await findContact(backend.db, tenant, 'U0TTL')).toMatchObject({ phone: '+14155550102', source: 'slack' });
  });

  it('reports an unknown Slack user as unreachable', async () => {
    const [target] = await resolver().resolve(tenant, [{ slackUserId: 'U0NOBODY' }]);

    expect(target).toEqual({
      slackUserId: 'U0NOBODY',
      name: null,
      phone: null,
      email: null,
      status: 'unreachable',
      channels: [],
      accepts: [],
      quietHours: null,
      reason: 'U0NOBODY is not an active user of this Slack workspace',
    });
  });

  it('says what to do when there is no number anywhere', async () => {
    slack.setUser('U0NOPHONE', { real_name: 'Noah' });

    const [target] = await resolver().resolve(tenant, [{ slackUserId: 'U0NOPHONE' }]);

    expect(target).toMatchObject({
      status: 'unreachable',
      name: 'Noah',
      reason: 'no phone number in Klaxon or in their Slack profile — ask them to run `/alert phone <number>`',
    });
    expect(await findContact(backend.db, tenant, 'U0NOPHONE')).toBeNull();
  });

  it('says the profile number is invalid, with the same advice, and caches nothing', async () => {
    slack.setUser('U0BADPHONE', { real_name: 'Bea', profile: { phone: 'call me maybe' } });

    const [target] = await resolver().resolve(tenant, [{ slackUserId: 'U0BADPHONE' }]);

    expect(target?.status).toBe('unreachable');
    expect(target?.reason).toMatch(/^the phone number in their Slack profile is invalid \(the number contains letters.*\) — ask them to run `\/alert phone <number>`$/);
    expect(await findContact(backend.db, tenant, 'U0BADPHONE')).toBeNull();
  });

  it('pages a stale cached number when Slack is down, and reports Slack down when nothing is cached', async () => {
    slack.setUser('U0STALE', { profile: { phone: '+1 415 555 0101' } });
    const subject = resolver();
    await subject.resolve(tenant, [{ slackUserId: 'U0STALE' }]);
    clockOffsetMs = 48 * HOUR;
    slack.failMethod('users.info', 'internal_error');

    const [stale, missing] = await subject.resolve(tenant, [{ slackUserId: 'U0STALE' }, { slackUserId: 'U0UNCACHED' }]);

    expect(stale).toMatchObject({ phone: '+14155550101', status: 'paging' });
    expect(missing).toMatchObject({ status: 'unreachable', phone: null });
    expect(missing?.reason).toBe('Slack could not be reached to look up their phone number; try again, or ask them to run `/alert phone <number>`');
    const log = backend.logLines().join('\n');
    expect(log).toContain('slack unreachable, paging the cached profile number');
    expect(log).toContain('+1 ******0101');
    expect(log).not.toContain('+14155550101');
  });

  it('reports Slack unreachable at the network level without waiting long', async () => {
    const closed = await startFakeSlackApi({ token: TOKEN });
    const deadUrl = closed.slackApiUrl;
    await closed.close();

    const started = Date.now();
    const [target] = await resolver(deadUrl).resolve(tenant, [{ slackUserId: 'U0DOWN' }]);

    expect(target).toMatchObject({ status: 'unreachable', reason: expect.stringMatching(/^Slack could not be reached/) });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('asks Slack again after the Retry-After of a 429, and pages the person', async () => {
    slack.setUser('U0THROTTLED', { profile: { phone: '+1 415 555 0131', real_name: 'Theo' } });
    slack.failMethodWithStatus('users.info', 429, { retryAfterSec: 1, times: 1 });

    const [target] = await resolver().resolve(tenant, [{ slackUserId: 'U0THROTTLED' }]);

    expect(target).toMatchObject({ status: 'paging', phone: '+14155550131', reason: null });
    const [first, second] = slack.callsTo('users.info');
    expect(slack.callsTo('users.info')).toHaveLength(2);
    // Retry-After is honoured: the second ask is not sent before the second Slack named (timer slack allowed).
    expect(second!.receivedAt.getTime() - first!.receivedAt.getTime()).toBeGreaterThanOrEqual(950);
  });

  it('asks Slack again after a 5xx (the client retries it), and pages the person', async () => {
    slack.setUser('U0FLAKY', { profile: { phone: '+1 415 555 0132' } });
    slack.failMethodWithStatus('users.info', 503, { times: 1 });

    const [target] = await resolver().resolve(tenant, [{ slackUserId: 'U0FLAKY' }]);

    expect(target).toMatchObject({ status: 'paging', phone: '+14155550132' });
    expect(slack.callsTo('users.info')).toHaveLength(2);
  });

  it('does not wait out a Retry-After longer than the lookup budget: the person reads "could not look up (Slack rate limit)"', async () => {
    slack.setUser('U0LIMITED', { profile: { phone: '+1 415 555 0133' } });
    slack.failMethodWithStatus('users.info', 429, { retryAfterSec: 30 });

    const [target] = await resolver().resolve(tenant, [{ slackUserId: 'U0LIMITED' }]);

    expect(target).toMatchObject({
      status: 'unreachable',
      phone: null,
      reason: 'could not look up (Slack rate limit); try again, or ask them to run `/alert phone <number>`',
    });
    expect(slack.callsTo('users.info')).toHaveLength(1);
  });

  it('gives up when Slack keeps answering 429 past the budget, and still pages a cached number', async () => {
    slack.setUser('U0CACHED', { profile: { phone: '+1 415 555 0134' } });
    const subject = resolver(slack.slackApiUrl, 1_500);
    await subject.resolve(tenant, [{ slackUserId: 'U0CACHED' }]);
    clockOffsetMs = 48 * HOUR;
    slack.reset();
    slack.failMethodWithStatus('users.info', 429, { retryAfterSec: 1 });

    const [cached, limited] = await subject.resolve(tenant, [{ slackUserId: 'U0CACHED' }, { slackUserId: 'U0NEVERSEEN' }]);

    expect(cached).toMatchObject({ status: 'paging', phone: '+14155550134' });
    expect(limited).toMatchObject({ status: 'unreachable', reason: expect.stringMatching(/^could not look up \(Slack rate limit\); /) });
    // Each was asked, waited 1 s, asked again, and then had no budget left for a third wait.
    expect(slack.callsTo('users.info').filter((c) => c.args.user === 'U0NEVERSEEN')).toHaveLength(2);
  });

  it('gives up on a Slack that never answers when the budget is spent: "could not look up (Slack did not answer in time)"', async () => {
    const silent = createServer(() => undefined);
    const silentUrl = `${await listenOnLoopback(silent)}/api/`;
    try {
      const [target] = await resolver(silentUrl, 1_500).resolve(tenant, [{ slackUserId: 'U0SILENT' }]);

      expect(target).toMatchObject({ status: 'unreachable', reason: expect.stringMatching(/^could not look up \(Slack did not answer in time\); /) });
    } finally {
      await closeNow(silent);
    }
  });

  it('says what is wrong with an invalid typed or profile number without repeating it', async () => {
    slack.setUser('U0BADNUMBER', { real_name: 'Bo', profile: { phone: '+1 555 555 0100' } });
    const typed = ['+1 555 555 0100', '(415) 555-01011234', '415.555.010'];

    const targets = await resolver().resolve(tenant, [...typed.map((phone) => ({ phone })), { slackUserId: 'U0BADNUMBER' }]);

    expect(targets.map((t) => t.status)).toEqual(['unreachable', 'unreachable', 'unreachable', 'unreachable']);
    expect(targets.map((t) => t.reason)).toEqual([
      expect.stringMatching(/^the number is not a valid phone number/),
      expect.stringMatching(/^the number is too long for a US number/),
      expect.stringMatching(/^the number is too short to be a phone number/),
      expect.stringMatching(/^the phone number in their Slack profile is invalid \(the number is not a valid phone number/),
    ]);
    [...typed, '+1 555 555 0100'].forEach((raw, i) => {
      const reason = targets[i]?.reason ?? '';
      expect(reason).not.toContain(raw);
      expect(reason.replace(/\D/g, '')).not.toContain(raw.replace(/\D/g, ''));
    });
  });

  it('resolves raw phone targets with the default channels, and one bad target never fails the others', async () => {
    slack.setUser('U0OK', { profile: { phone: '+44 7911 123456' } });

    const targets = await resolver().resolve(tenant, [{ phone: '12' }, { slackUserId: 'U0OK' }, { phone: '(415) 555-0101' }]);

    expect(targets.map((t) => [t.status, t.phone])).toEqual([
      ['unreachable', '12'], // as given: the alert must name whom it could not page
      ['paging', '+447911123456'],
      ['paging', '+14155550101'],
    ]);
    expect(targets[0]?.reason).toMatch(/^the number is too short to be a phone number/);
    expect(targets[2]).toMatchObject({ channels: ['whatsapp', 'voice', 'sms'], accepts: ['whatsapp', 'voice', 'sms'], email: null, quietHours: null });
  });
});

describe('ContactResolver with email and preferences', () => {
  it('carries the email, what the person accepts and their quiet hours into the target', async () => {
    await upsertContact(backend.db, {
      tenantId: tenant,
      slackUserId: 'U0PREFS',
      phone: '+447911123456',
      email: 'pat@example.com',
      channels: ['voice', 'email'],
      timeZone: 'Europe/London',
      quietHours: { start: '22:00', end: '07:00' },
      source: 'self',
    });

    const [target] = await resolver().resolve(tenant, [{ slackUserId: 'U0PREFS' }]);

    expect(target).toMatchObject({
      phone: '+447911123456',
      email: 'pat@example.com',
      status: 'paging',
      channels: ['voice', 'email'],
      accepts: ['voice', 'email'],
      quietHours: { start: '22:00', end: '07:00', timeZone: 'Europe/London' },
    });
  });

  it('pages a contact with an email but no phone on email, without asking Slack', async () => {
    slack.setUser('U0MAIL', { profile: { phone: '+1 415 555 0140' } });
    await upsertContact(backend.db, { tenantId: tenant, slackUserId: 'U0MAIL', email: 'mo@example.com', channels: ['email'], source: 'self' });

    const [target] = await resolver().resolve(tenant, [{ slackUserId: 'U0MAIL' }]);

    expect(target).toMatchObject({ status: 'paging', phone: null, email: 'mo@example.com', channels: ['email'], accepts: ['email'] });
    expect(slack.callsTo('users.info')).toHaveLength(0);
  });

  it('treats a contact with no phone and no email as none: the Slack profile number is used, the preferences kept', async () => {
    slack.setUser('U0TZONLY', { profile: { phone: '+1 415 555 0141' } });
    await upsertContact(backend.db, { tenantId: tenant, slackUserId: 'U0TZONLY', timeZone: 'Asia/Tokyo', quietHours: { start: '23:00', end: '06:00' }, source: 'self' });

    const [target] = await resolver().resolve(tenant, [{ slackUserId: 'U0TZONLY' }]);

    expect(target).toMatchObject({ status: 'paging', phone: '+14155550141', quietHours: { start: '23:00', end: '06:00', timeZone: 'Asia/Tokyo' } });
    expect(await findContact(backend.db, tenant, 'U0TZONLY')).toMatchObject({ phone: '+14155550141', source: 'slack', timeZone: 'Asia/Tokyo' });
  });

  it('forgets a profile number Slack no longer has but keeps, and pages, the email the person set', async () => {
    slack.setUser('U0GONE', { profile: { phone: '+1 415 555 0142' } });
    await resolver().resolve(tenant, [{ slackUserId: 'U0GONE' }]);
    await upsertContact(backend.db, { tenantId: tenant, slackUserId: 'U0GONE', email: 'gone@example.com', channels: ['whatsapp', 'email'], source: 'self' });
    slack.setUser('U0GONE', { profile: { phone: '' } });
    clockOffsetMs = 25 * HOUR;

    const [target] = await resolver().resolve(tenant, [{ slackUserId: 'U0GONE' }]);

    expect(target).toMatchObject({ status: 'paging', phone: null, email: 'gone@example.com', channels: ['email'], accepts: ['whatsapp', 'email'] });
    expect(await findContact(backend.db, tenant, 'U0GONE')).toMatchObject({ phone: null, email: 'gone@example.com', channels: ['whatsapp', 'email'] });
  });
});

describe('POST /alert while Slack throttles one lookup', () => {
  it('answers 201, pages the others, and says the throttled person could not be looked up', async () => {
    backend.slack.setUser('U0RAISEOK', { profile: { phone: '+1 415 555 0141', display_name: 'ok' } });
    backend.slack.setUser('U0RAISELIMITED', { profile: { phone: '+1 415 555 0142', display_name: 'limited' } });
    backend.slack.failMethodWithStatus('users.info', 429, { retryAfterSec: 30, when: (args) => args.user === 'U0RAISELIMITED' });
    try {
      const res = await request(backend.app)
        .post('/alert')
        .set('x-service-key', SERVICE_KEY)
        .send({ tenant_id: tenant, message: 'api down', severity: 'high', targets: [{ slack_user_id: 'U0RAISEOK' }, { slack_user_id: 'U0RAISELIMITED' }, { phone: '+14155550143' }] })
        .expect(201);

      expect(res.body.targets).toEqual([
        expect.objectContaining({ slack_user_id: 'U0RAISEOK', status: 'paging', phone: '+1 ******0141' }),
        expect.objectContaining({
          slack_user_id: 'U0RAISELIMITED',
          status: 'unreachable',
          phone: null,
          reason: 'could not look up (Slack rate limit); try again, or ask them to run `/alert phone <number>`',
        }),
        expect.objectContaining({ slack_user_id: null, status: 'paging', phone: '+1 ******0143' }),
      ]);
    } finally {
      backend.slack.reset();
    }
  });
});
