import request from 'supertest';
import { MovableClock, startFakeTwilio, type FakeTwilio } from '@klaxon/testing';
import type { PhoneStatusDto } from '@klaxon/contracts';
import { findContact } from '../../src/contacts/contact.repository';
import { ACME_KEY, SERVICE_KEY, startBackendHarness, type BackendHarness } from './helpers';
import { startPagingHarness, succeeded, TWILIO, type PagingHarness } from './paging-harness';

// `/alert phone +…` then `/alert phone verify 123456`, through the gateway's private routes: the code goes out
// through the real Twilio SDK to the fake Twilio, the pages through the real worker; time is a clock we move.
const clock = new MovableClock(new Date('2026-11-30T03:00:00Z'));
const TENANT = 'T-VERIFY';
const MINUTE = 60_000;
let paging: PagingHarness;

const phonePath = (user: string) => `/slack/contacts/${TENANT}/${user}/phone`;
const setOwn = (user: string, phone: string, key = SERVICE_KEY) => request(paging.app).put(phonePath(user)).set('x-service-key', key).send({ phone });
const verify = (user: string, code: string) => request(paging.app).post(`${phonePath(user)}/verify`).set('x-service-key', SERVICE_KEY).send({ code });
const status = async (user: string) => (await request(paging.app).get(phonePath(user)).set('x-service-key', SERVICE_KEY).expect(200)).body as PhoneStatusDto;
const operatorPut = (user: string, body: object) => request(paging.app).put(`/contacts/${TENANT}/${user}`).set('x-service-key', SERVICE_KEY).send(body).expect(200);

/** The code in the last text the fake Twilio accepted for `to` (E.164, or `whatsapp:` + E.164). */
function lastCodeSentTo(twilio: FakeTwilio, to: string): string {
  const texts = succeeded(twilio.messages()).filter((m) => m.form.To === to && /your code is/.test(m.form.Body ?? ''));
  const body = texts.at(-1)?.form.Body;
  const code = body && /your code is (\d{6})\./.exec(body)?.[1];
  if (!code) throw new Error(`no code was sent to ${to}`);
  return code;
}
const otherThan = (code: string) => (code === '000000' ? '111111' : '000000');

/** Raises a critical page for `user` and waits for its WhatsApp and call: the number they went to. */
async function pagedNumbers(user: string): Promise<string[]> {
  const alert = await paging.raise({ tenant_id: TENANT, message: 'checkout down', severity: 'critical', targets: [{ slack_user_id: user }] });
  const deliveries = await paging.eventually(() => paging.deliveries(alert.id), (ds) => ds.length > 0 && ds.every((d) => d.status === 'sent'));
  await request(paging.app).put(`/alerts/${alert.id}/resolve`).set('x-service-key', SERVICE_KEY).send({ actor: 'test' }).expect(200);
  return [...new Set(deliveries.map((d) => d.address))];
}

// One backend at a time: each harness below starts and stops in its own describe.
describe('with Twilio configured', () => {
  beforeAll(async () => {
    paging = await startPagingHarness({ overrides: { clock } });
  });
  afterAll(() => paging.close());

  describe('a number a person sets for themselves through Slack', () => {
    it('pages nobody until confirmed: the code goes by SMS, pages keep the old number, the right code switches them', async () => {
      await operatorPut('U0OLD', { phone: '+1 415 555 0131' });

      const sent = await setOwn('U0OLD', '+44 20 7946 0958').expect(200);
      expect(sent.body).toEqual({
        tenant_id: TENANT,
        slack_user_id: 'U0OLD',
        phone: '+1 ******0131',
        pending: { phone: '+44 ******0958', channel: 'sms', expires_at: new Date(clock.now().getTime() + 10 * MINUTE).toISOString(), attempts_left: 5, usable: true },
      });
      const [text] = succeeded(paging.twilio.messages()).filter((m) => m.form.To === '+442079460958');
      expect(text?.form.From).toBe(TWILIO.smsFrom);
      expect(text?.form.Body).toMatch(/^Klaxon: your code is \d{6}\. It confirms this number for pages from T-VERIFY\. Expires in 10 minutes\.$/);
      expect(text?.form.StatusCallback).toBeUndefined();
      const code = lastCodeSentTo(paging.twilio, '+442079460958');

      // Only a salted hash is stored, and nothing logged the code (the log channel is not in use here).
      const row = await paging.db.one('SELECT * FROM phone_verifications WHERE tenant_id = $1 AND slack_user_id = $2', [TENANT, 'U0OLD']);
      expect(JSON.stringify(row)).not.toContain(code);
      expect((row.code_hash as Buffer).toString('hex')).not.toContain(code);
      expect(paging.logLines().filter((line) => line.includes(code))).toEqual([]);
      // Not a page: no alert, no delivery.
      expect(await paging.db.one('SELECT (SELECT count(*) FROM deliveries)::int AS n')).toEqual({ n: 0 });

      expect(await pagedNumbers('U0OLD')).toEqual(['+14155550131']);
      expect(await status('U0OLD')).toMatchObject({ phone: '+1 ******0131', pending: { phone: '+44 ******0958' } });
      // An operator looking at the contact sees both: the number pages use and the one waiting.
      const contact = await request(paging.app).get(`/contacts/${TENANT}/U0OLD`).set('x-service-key', SERVICE_KEY).expect(200);
      expect(contact.body).toMatchObject({ phone: '+1 ******0131', pending_phone: { phone: '+44 ******0958', channel: 'sms', usable: true } });

      const confirmed = await verify('U0OLD', code).expect(200);
      expect(confirmed.body).toEqual({ tenant_id: TENANT, slack_user_id: 'U0OLD', phone: '+44 ******0958', pending: null });
      expect(await findContact(paging.db, TENANT, 'U0OLD')).toMatchObject({ phone: '+442079460958', source: 'self' });
      expect(await pagedNumbers('U0OLD')).toEqual(['+442079460958']);
      expect(paging.logLines().filter((line) => line.includes(code))).toEqual([]);
    });

    it('keeps paging the Slack profile number until the code is typed', async () => {
      paging.slack.setUser('U0PROFILE', { real_name: 'Pat', profile: { phone: '+1 415 555 0140' } });
      await setOwn('U0PROFILE', '+1 415 555 0141').expect(200);
      expect(await status('U0PROFILE')).toMatchObject({ phone: null, pending: { phone: '+1 ******0141' } });
      // No contact is stored yet; an operator who looks is told the number waits.
      const none = await request(paging.app).get(`/contacts/${TENANT}/U0PROFILE`).set('x-service-key', SERVICE_KEY).expect(404);
      expect(none.body).toEqual({
        error: 'not_found',
        detail: `nothing is stored for U0PROFILE in tenant ${TENANT} (a number given with /alert phone, +1 ******0141, waits for its code)`,
      });
      expect(await pagedNumbers('U0PROFILE')).toEqual(['+14155550140']);
      // The page stored the profile's number as the contact's; the one given in Slack still waits beside it.
      const contact = await request(paging.app).get(`/contacts/${TENANT}/U0PROFILE`).set('x-service-key', SERVICE_KEY).expect(200);
      expect(contact.body).toMatchObject({ phone: '+1 ******0140', source: 'slack', pending_phone: { phone: '+1 ******0141' } });
    });

    it('refuses a wrong code with the attempts left, and after five wrong ones even the right code', async () => {
      await setOwn('U0GUESS', '+1 415 555 0150').expect(200);
      const code = lastCodeSentTo(paging.twilio, '+14155550150');
      const wrong = otherThan(code);

      const first = await verify('U0GUESS', wrong).expect(409);
      expect(first.body).toEqual({ error: 'verification_failed', detail: 'wrong code for +1 ******0150; 4 attempts left' });
      for (const left of ['3 attempts', '2 attempts', '1 attempt']) expect((await verify('U0GUESS', wrong).expect(409)).body.detail).toContain(`; ${left} left`);
      expect((await verify('U0GUESS', wrong).expect(409)).body.detail).toMatch(/that was the last attempt; ask for a new one with `\/alert phone <number>`$/);
      expect(await status('U0GUESS')).toMatchObject({ pending: { attempts_left: 0, usable: false } });

      const sixth = await verify('U0GUESS', code).expect(409);
      expect(sixth.body.detail).toMatch(/was typed wrong 5 times; ask for a new one/);
      expect(await findContact(paging.db, TENANT, 'U0GUESS')).toBeNull();

      // A new code starts over.
      clock.advance(30_000);
      await setOwn('U0GUESS', '+1 415 555 0150').expect(200);
      await verify('U0GUESS', lastCodeSentTo(paging.twilio, '+14155550150')).expect(200);
      expect(await findContact(paging.db, TENANT, 'U0GUESS')).toMatchObject({ phone: '+14155550150' });
    });

    it('refuses an expired code, even the right one', async () => {
      await setOwn('U0LATE', '+1 415 555 0160').expect(200);
      const code = lastCodeSentTo(paging.twilio, '+14155550160');
      clock.advance(10 * MINUTE);
      const late = await verify('U0LATE', code).expect(409);
      expect(late.body.detail).toBe('the code sent to +1 ******0160 has expired (codes last 10 minutes); ask for a new one with `/alert phone <number>`');
      expect(await status('U0LATE')).toMatchObject({ phone: null, pending: { usable: false } });
    });

    it('sends at most one code every 30 s per person, and a new number replaces the pending one', async () => {
      await setOwn('U0SPAM', '+1 415 555 0170').expect(200);
      const oldCode = lastCodeSentTo(paging.twilio, '+14155550170');
      // The same number again at once: the code just sent stands, and nothing more is sent.
      expect((await setOwn('U0SPAM', '+1 (415) 555-0170').expect(200)).body.pending).toMatchObject({ phone: '+1 ******0170', attempts_left: 5 });
      expect(succeeded(paging.twilio.messages()).filter((m) => m.form.To === '+14155550170')).toHaveLength(1);
      const again = await setOwn('U0SPAM', '+1 415 555 0171').expect(429);
      expect(again.headers['retry-after']).toBe('30');
      expect(again.body).toEqual({ error: 'rate_limited', detail: expect.stringMatching(/a new one can be sent in 30 s/) });
      expect(succeeded(paging.twilio.messages()).filter((m) => m.form.To === '+14155550171')).toEqual([]);

      clock.advance(30_000);
      await setOwn('U0SPAM', '+1 415 555 0171').expect(200);
      expect(await status('U0SPAM')).toMatchObject({ pending: { phone: '+1 ******0171', attempts_left: 5 } });
      const newCode = lastCodeSentTo(paging.twilio, '+14155550171');
      if (oldCode !== newCode) await verify('U0SPAM', oldCode).expect(409);
      await verify('U0SPAM', newCode).expect(200);
      expect(await findContact(paging.db, TENANT, 'U0SPAM')).toMatchObject({ phone: '+14155550171' });
    });

    it('sends at most 5 codes per person an hour', async () => {
      for (let i = 0; i < 5; i++) {
        await setOwn('U0PATIENT', `+1 415 555 018${i}`).expect(200);
        clock.advance(30_000);
      }
      const sixth = await setOwn('U0PATIENT', '+1 415 555 0189').expect(429);
      expect(Number(sixth.headers['retry-after'])).toBe(60 * 60 - 5 * 30);
      clock.advance(60 * MINUTE);
      await setOwn('U0PATIENT', '+1 415 555 0189').expect(200);
    });

    it('needs no code for the number pages already use', async () => {
      await operatorPut('U0SAME', { phone: '+1 415 555 0190' });
      const res = await setOwn('U0SAME', '(415) 555-0190').expect(200);
      expect(res.body).toMatchObject({ phone: '+1 ******0190', pending: null });
      expect(succeeded(paging.twilio.messages()).filter((m) => m.form.To === '+14155550190')).toEqual([]);
      // The Slack profile's number, once paged (a `slack` copy), becomes the person's own when they give it.
      paging.slack.setUser('U0SAMEPROFILE', { real_name: 'Sam', profile: { phone: '+1 415 555 0191' } });
      expect(await pagedNumbers('U0SAMEPROFILE')).toEqual(['+14155550191']);
      expect(await findContact(paging.db, TENANT, 'U0SAMEPROFILE')).toMatchObject({ source: 'slack' });
      expect((await setOwn('U0SAMEPROFILE', '+1 415 555 0191').expect(200)).body).toMatchObject({ phone: '+1 ******0191', pending: null });
      expect(await findContact(paging.db, TENANT, 'U0SAMEPROFILE')).toMatchObject({ phone: '+14155550191', source: 'self' });
    });

    it('reports a failed send and stores nothing, so the person can try again at once', async () => {
      paging.twilio.failNext(1, { status: 400, code: 21211, message: "The 'To' number +14155550199 is not a valid phone number." });
      const res = await setOwn('U0BADNUM', '+1 415 555 0199').expect(502);
      expect(res.body.error).toBe('not_sent');
      expect(res.body.detail).toMatch(/^the code could not be sent by sms to \+1 \*\*\*\*\*\*0199: Twilio 21211/);
      expect(res.body.detail).not.toContain('4155550199');
      expect(await status('U0BADNUM')).toEqual({ tenant_id: TENANT, slack_user_id: 'U0BADNUM', phone: null, pending: null });
      await setOwn('U0BADNUM', '+1 415 555 0199').expect(200);
    });

    it('puts back the number that was waiting when the code for a newer one cannot be sent', async () => {
      await setOwn('U0KEEP', '+1 415 555 0140').expect(200);
      const firstCode = lastCodeSentTo(paging.twilio, '+14155550140');
      clock.advance(30_000);
      paging.twilio.failNext(1, { status: 400, code: 21211, message: "The 'To' number +14155550141 is not a valid phone number." });
      await setOwn('U0KEEP', '+1 415 555 0141').expect(502);
      expect(await status('U0KEEP')).toMatchObject({ pending: { phone: '+1 ******0140', attempts_left: 5, usable: true } });
      await verify('U0KEEP', firstCode).expect(200);
      expect(await findContact(paging.db, TENANT, 'U0KEEP')).toMatchObject({ phone: '+14155550140' });
    });

    it('sends the code after its transaction: while Twilio holds the text, the person’s contact can still be changed', async () => {
      let release!: () => void;
      paging.twilio.holdNext(new Promise<void>((resolve) => (release = resolve)));
      const asked = setOwn('U0SLOW', '+1 415 555 0142').then((res) => res);
      await paging.eventually(async () => paging.twilio.messages().filter((m) => m.form.To === '+14155550142'), (held) => held.length === 1);
      // The code request is still waiting for Twilio; a change to the same person's contact does not wait for it.
      await operatorPut('U0SLOW', { email: 'slow@example.com' });
      release();
      expect((await asked).status).toBe(200);
      expect(await status('U0SLOW')).toMatchObject({ pending: { phone: '+1 ******0142' } });
      expect(await findContact(paging.db, TENANT, 'U0SLOW')).toMatchObject({ email: 'slow@example.com' });
    });

    it('answers a new number and the code typed at the same moment without a deadlock: one of the expected outcomes each, never a 500', async () => {
      const users = Array.from({ length: 10 }, (_, i) => ({ user: `U0RACE${i}`, old: `+1 415 555 03${10 + i}`, pending: `+1 415 555 03${30 + i}`, next: `+1 415 555 03${50 + i}` }));
      for (const { user, old, pending } of users) {
        await operatorPut(user, { phone: old });
        await setOwn(user, pending).expect(200);
      }
      const codes = users.map(({ pending }) => lastCodeSentTo(paging.twilio, `+${pending.replace(/\D/g, '')}`));
      clock.advance(30_000);

      const answers = await Promise.all(users.map(({ user, next }, i) => Promise.all([setOwn(user, next), verify(user, codes[i]!)])));
      expect(answers.flat().filter((res) => res.status >= 500).map((res) => res.body as unknown)).toEqual([]);
      for (const [[asked, confirmed], { user, pending, next }] of answers.map((pair, i) => [pair, users[i]!] as const)) {
        expect(asked.status).toBe(200);
        expect([200, 409]).toContain(confirmed.status);
        const contact = await findContact(paging.db, TENANT, user);
        // The code confirmed the number it was sent to before the new number replaced it; or the new number came
        // first, and the old code no longer matches what waits.
        if (confirmed.status === 200) expect(contact).toMatchObject({ phone: `+${pending.replace(/\D/g, '')}` });
        else expect(confirmed.body).toMatchObject({ error: 'verification_failed', detail: expect.stringMatching(/^wrong code for /) });
        expect(await status(user)).toMatchObject({ pending: { phone: `+1 ******${next.slice(-4)}` } });
      }
    });

    it('answers a clear refusal to a bad number, a malformed code, a code with nothing pending, and a tenant key', async () => {
      expect((await setOwn('U0BAD', '12345').expect(422)).body).toEqual({ error: 'invalid_field', detail: 'phone: the number is too short to be a phone number (5 digits)' });
      expect((await verify('U0BAD', '12ab').expect(422)).body.detail).toBe('code: the six digits of the code Klaxon sent');
      expect((await verify('U0BAD', '123456').expect(409)).body.detail).toMatch(/^no number is waiting for a code/);
      const bound = await setOwn('U0BAD', '+1 415 555 0101', ACME_KEY).expect(401);
      expect(bound.body.detail).toMatch(/gateway's route; a key bound to a tenant sets a number with PUT \/contacts/);
    });
  });

  describe('codes to one number, whoever asks for them', () => {
    const setOwnIn = (tenant: string, user: string, phone: string) =>
      request(paging.app).put(`/slack/contacts/${tenant}/${user}/phone`).set('x-service-key', SERVICE_KEY).send({ phone });
    const codesTo = (to: string) => succeeded(paging.twilio.messages()).filter((m) => m.form.To === to && /your code is/.test(m.form.Body ?? '')).length;

    it('sends a number someone gives at most 3 codes an hour, however `/alert phone <it>` and `/alert phone <mine>` alternate', async () => {
      const victim = '+1 415 555 0400';
      await operatorPut('U0FLOOD', { phone: '+1 415 555 0401' });
      // As fast as they can (the flood sent 8 codes in 0.4 s): setting their own number again used to
      // delete the pending row that held the counters.
      for (let i = 0; i < 10; i++) {
        await setOwn('U0FLOOD', victim);
        await setOwn('U0FLOOD', '+1 415 555 0401').expect(200);
      }
      expect(codesTo('+14155550400')).toBe(1);

      // Patiently, 30 s apart, for all but the last half minute of the hour.
      let refused: request.Response | undefined;
      for (let i = 0; i < 119; i++) {
        clock.advance(30_000);
        const res = await setOwn('U0FLOOD', victim);
        if (res.status === 429) refused = res;
        await setOwn('U0FLOOD', '+1 415 555 0401').expect(200);
      }
      expect(codesTo('+14155550400')).toBe(3);
      // The third code went at +1 min; the first of the three leaves the window 30 s from now.
      expect(refused?.headers['retry-after']).toBe('30');
      expect(refused?.body).toEqual({
        error: 'rate_limited',
        detail: '+1 ******0400 has had too many codes lately (at most 3 an hour and 10 a day, whoever asks); a new one can be sent to it in 30 s',
      });
      // The log of sends keeps no number, only its hash.
      const logged = await paging.db.manyOrNone('SELECT * FROM verification_code_sends');
      expect(logged.length).toBeGreaterThan(0);
      expect(JSON.stringify(logged)).not.toMatch(/4155550400|4155550401/);
    });

    it('counts the codes to a number across people and tenants, and sends it at most 10 a day', async () => {
      const victim = '+1 415 555 0410';
      const askers = [
        ['T-ASK-A', 'U0ASKA'],
        ['T-ASK-B', 'U0ASKB'],
        ['T-ASK-C', 'U0ASKC'],
        ['T-ASK-D', 'U0ASKD'],
      ] as const;
      const sentAfterEachHour: number[] = [];
      let lastRefusal: request.Response | undefined;
      for (let hour = 0; hour < 24; hour++) {
        for (const [tenant, user] of askers) {
          const res = await setOwnIn(tenant, user, victim);
          if (res.status === 429) lastRefusal = res;
        }
        sentAfterEachHour.push(codesTo('+14155550410'));
        clock.advance(60 * MINUTE);
      }
      expect(sentAfterEachHour.slice(0, 5)).toEqual([3, 6, 9, 10, 10]);
      expect(sentAfterEachHour.at(-1)).toBe(10);
      // Nothing about who else asked, or in which workspace.
      expect(lastRefusal?.body.detail).toMatch(/^\+1 \*{6}0410 has had too many codes lately \(at most 3 an hour and 10 a day, whoever asks\); a new one can be sent to it in /);
      for (const [tenant, user] of askers) expect(JSON.stringify(lastRefusal?.body)).not.toMatch(new RegExp(`${tenant}|${user}`));

      // A day after the first codes, there is room again; sends older than a day are pruned meanwhile.
      await setOwnIn('T-ASK-A', 'U0ASKA', victim).expect(200);
      expect(codesTo('+14155550410')).toBe(11);
      const dayAgo = new Date(clock.now().getTime() - 24 * 60 * MINUTE);
      expect(await paging.db.one('SELECT count(*)::int AS n FROM verification_code_sends WHERE sent_at <= $1', [dayAgo])).toEqual({ n: 0 });
    });

    it('sends no more than the limit when many ask for codes to one number at the same moment', async () => {
      clock.advance(24 * 60 * MINUTE);
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => setOwnIn(`T-RUSH-${i}`, 'U0RUSH', '+1 415 555 0420')));
      expect(answers.map((res) => res.status).sort()).toEqual([200, 200, 200, 429, 429, 429, 429, 429, 429, 429]);
      expect(codesTo('+14155550420')).toBe(3);
    });

    it('counts a code whose send got no answer (it may have gone), but not one the provider refused', async () => {
      paging.twilio.dropNext(1);
      await setOwn('U0NOANSWER', '+1 415 555 0430').expect(502);
      const again = await setOwn('U0NOANSWER', '+1 415 555 0430').expect(429);
      expect(again.body.detail).toMatch(/a new one can be sent in 30 s/);
      // Refused outright (the existing failed-send test): nothing went, nothing counts.
      paging.twilio.failNext(1, { status: 400, code: 21211, message: "The 'To' number +14155550431 is not a valid phone number." });
      await setOwn('U0REFUSED', '+1 415 555 0431').expect(502);
      await setOwn('U0REFUSED', '+1 415 555 0431').expect(200);
    });
  });

  describe('numbers an operator sets', () => {
    it('are trusted as given through PUT /contacts, and drop the number waiting for its code', async () => {
      await setOwn('U0OPS', '+1 415 555 0201').expect(200);
      const code = lastCodeSentTo(paging.twilio, '+14155550201');
      const put = await operatorPut('U0OPS', { phone: '+1 415 555 0202' });
      expect(put.body).toMatchObject({ phone: '+1 ******0202', pending_phone: null });
      expect(await status('U0OPS')).toMatchObject({ phone: '+1 ******0202', pending: null });
      expect(succeeded(paging.twilio.messages()).filter((m) => m.form.To === '+14155550202')).toEqual([]);
      await verify('U0OPS', code).expect(409);
      expect(await pagedNumbers('U0OPS')).toEqual(['+14155550202']);
    });

    it('keep a pending number when PUT /contacts changes something else', async () => {
      clock.advance(30_000);
      await setOwn('U0PREFS', '+1 415 555 0211').expect(200);
      const put = await operatorPut('U0PREFS', { channels: ['sms'] });
      expect(put.body).toMatchObject({ channels: ['sms'], pending_phone: { phone: '+1 ******0211' } });
      expect(await status('U0PREFS')).toMatchObject({ pending: { phone: '+1 ******0211' } });
    });

    it('are trusted as given through the CSV import, which drops the pending number', async () => {
      await setOwn('U0CSV', '+1 415 555 0221').expect(200);
      await setOwn('U0CSVNAME', '+1 415 555 0223').expect(200);
      const res = await request(paging.app)
        .post(`/contacts/import?tenant_id=${TENANT}`)
        .set('x-service-key', SERVICE_KEY)
        .set('content-type', 'text/csv')
        .send('slack_user_id,name,phone\nU0CSV,Casey,+1 415 555 0222\nU0CSVNAME,Cam,\n')
        .expect(200);
      expect(res.body).toMatchObject({ imported: 2, errors: [] });
      expect(await status('U0CSV')).toMatchObject({ phone: '+1 ******0222', pending: null });
      // A row without a number leaves the pending one alone.
      expect(await status('U0CSVNAME')).toMatchObject({ phone: null, pending: { phone: '+1 ******0223' } });
    });
  });
});

describe('with a global limit on codes', () => {
  let twilio: FakeTwilio;
  let backend: BackendHarness;
  const limitClock = new MovableClock(new Date('2026-11-30T03:00:00Z'));
  beforeAll(async () => {
    twilio = await startFakeTwilio({ accountSid: TWILIO.accountSid, authToken: TWILIO.authToken });
    backend = await startBackendHarness({ twilio: { ...TWILIO, apiBaseUrl: twilio.url }, phoneCodeLimitGlobal: 4, overrides: { clock: limitClock } });
  });
  afterAll(async () => {
    await backend.close();
    await twilio.close();
  });

  it('sends at most PHONE_CODE_LIMIT_GLOBAL codes an hour from the whole installation, even to requests at the same moment', async () => {
    const ask = (i: number) => request(backend.app).put(`/slack/contacts/T-GLOBAL-${i}/U0G${i}/phone`).set('x-service-key', SERVICE_KEY).send({ phone: `+1 415 555 05${10 + i}` });
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => ask(i)));
    expect(answers.map((res) => res.status).sort()).toEqual([200, 200, 200, 200, 429, 429, 429, 429, 429, 429]);
    expect(succeeded(twilio.messages())).toHaveLength(4);
    const refused = answers.find((res) => res.status === 429)!;
    expect(refused.headers['retry-after']).toBe('3600');
    expect(refused.body).toEqual({
      error: 'rate_limited',
      detail: 'Klaxon has sent 4 codes in the last hour, the most it sends for everyone together (PHONE_CODE_LIMIT_GLOBAL); a new one can be sent in 60 min',
    });
    limitClock.advance(60 * MINUTE);
    await ask(9).expect(200);
  });
});

describe('when SMS is not configured', () => {
  let twilio: FakeTwilio;
  let backend: BackendHarness;
  beforeAll(async () => {
    twilio = await startFakeTwilio({ accountSid: TWILIO.accountSid, authToken: TWILIO.authToken });
    backend = await startBackendHarness({ twilio: { ...TWILIO, smsFrom: undefined, apiBaseUrl: twilio.url } });
  });
  afterAll(async () => {
    await backend.close();
    await twilio.close();
  });

  it('sends the code by WhatsApp', async () => {
    const res = await request(backend.app).put(`/slack/contacts/${TENANT}/U0WA/phone`).set('x-service-key', SERVICE_KEY).send({ phone: '+44 20 7946 0958' }).expect(200);
    expect(res.body.pending).toMatchObject({ phone: '+44 ******0958', channel: 'whatsapp' });
    const [text] = succeeded(twilio.messages());
    expect(text?.form).toMatchObject({ To: 'whatsapp:+442079460958', From: TWILIO.whatsappFrom });
    const code = lastCodeSentTo(twilio, 'whatsapp:+442079460958');
    await request(backend.app).post(`/slack/contacts/${TENANT}/U0WA/phone/verify`).set('x-service-key', SERVICE_KEY).send({ code }).expect(200);
  });
});

describe('when SMS is not configured and WhatsApp has an authentication template', () => {
  const CODE_TEMPLATE = 'HXabcdef0123456789abcdef0123456789';
  let twilio: FakeTwilio;
  let backend: BackendHarness;
  beforeAll(async () => {
    twilio = await startFakeTwilio({ accountSid: TWILIO.accountSid, authToken: TWILIO.authToken });
    backend = await startBackendHarness({ twilio: { ...TWILIO, smsFrom: undefined, whatsappCodeContentSid: CODE_TEMPLATE, apiBaseUrl: twilio.url } });
  });
  afterAll(async () => {
    await backend.close();
    await twilio.close();
  });

  it('sends the code through the template (no free-form body), so it arrives outside the session window', async () => {
    await request(backend.app).put(`/slack/contacts/${TENANT}/U0WATPL/phone`).set('x-service-key', SERVICE_KEY).send({ phone: '+44 20 7946 0959' }).expect(200);
    const [sent] = succeeded(twilio.messages());
    expect(sent?.form).toMatchObject({ To: 'whatsapp:+442079460959', From: TWILIO.whatsappFrom, ContentSid: CODE_TEMPLATE });
    expect(sent?.form.Body).toBeUndefined();
    const { 1: code } = JSON.parse(sent?.form.ContentVariables ?? '{}') as { 1?: string };
    expect(code).toMatch(/^\d{6}$/);
    await request(backend.app).post(`/slack/contacts/${TENANT}/U0WATPL/phone/verify`).set('x-service-key', SERVICE_KEY).send({ code }).expect(200);
  });
});

describe('when no channel can carry a code', () => {
  let backend: BackendHarness;
  beforeAll(async () => {
    backend = await startBackendHarness({ twilio: { ...TWILIO, smsFrom: undefined, whatsappFrom: undefined, apiBaseUrl: 'http://127.0.0.1:9' } });
  });
  afterAll(() => backend.close());

  it('says what an operator must configure, and stores nothing', async () => {
    const res = await request(backend.app).put(`/slack/contacts/${TENANT}/U0NONE/phone`).set('x-service-key', SERVICE_KEY).send({ phone: '+44 20 7946 0958' }).expect(422);
    expect(res.body).toEqual({ error: 'not_sent', detail: expect.stringMatching(/cannot send a code .*sms, whatsapp.*TWILIO_SMS_FROM, or TWILIO_WHATSAPP_FROM/) });
    expect(await backend.db.one('SELECT count(*)::int AS n FROM phone_verifications')).toEqual({ n: 0 });
  });
});

describe('in development, with the log channel standing in for SMS', () => {
  let backend: BackendHarness;
  beforeAll(async () => {
    backend = await startBackendHarness();
  });
  afterAll(() => backend.close());

  it('writes the code in the log channel’s line, and in no other line', async () => {
    await request(backend.app).put(`/slack/contacts/${TENANT}/U0DEV/phone`).set('x-service-key', SERVICE_KEY).send({ phone: '+44 20 7946 0958' }).expect(200);
    const lines = backend.logLines().filter((line) => /your code is \d{6}/.test(line));
    expect(lines).toHaveLength(1);
    const logged = JSON.parse(lines[0]!) as { level: string; message: string; provider: string };
    expect(logged).toMatchObject({ level: 'warn', provider: 'log' });
    expect(logged.message).toMatch(/^would send sms to \+44 \*\*\*\*\*\*0958: Klaxon: your code is \d{6}\. It confirms this number for pages from T-VERIFY\. Expires in 10 minutes\.$/);
    const code = /your code is (\d{6})/.exec(logged.message)![1]!;

    await request(backend.app).post(`/slack/contacts/${TENANT}/U0DEV/phone/verify`).set('x-service-key', SERVICE_KEY).send({ code }).expect(200);
    expect(backend.logLines().filter((line) => line.includes(code))).toEqual([lines[0]]);
  });
});
