// Replies people send from their phone (`ack 1-K7`, `ack 1`, `ack`), as the gateway forwards them: which
// alert a reply may act on when the same number was paged by several tenants, and what it says otherwise.
// Real PostgreSQL and worker; the pages go through the real twilio SDK to the fake Twilio.
import request from 'supertest';
import { MovableClock } from '@klaxon/testing';
import type { AlertDto } from '@klaxon/contracts';
import { SERVICE_KEY } from './helpers';
import { startPagingHarness, TWILIO, type PagingHarness } from './paging-harness';

const clock = new MovableClock();
let paging: PagingHarness;
beforeAll(async () => {
  paging = await startPagingHarness({ overrides: { clock } });
});
afterAll(() => paging.close());
// Pages are stamped with the clock's time when they go out: a test that moved the clock puts it back.
afterEach(() => clock.set(new Date()));

let sids = 0;
const nextSid = (prefix = 'SM') => `${prefix}${String(++sids).padStart(32, '0')}`;
/** A webhook as the gateway forwards it (the form fields as JSON), answered as the backend answers it. */
const forward = (path: string, fields: Record<string, string>) => request(paging.app).post(path).set('x-service-key', SERVICE_KEY).send(fields);
const messageOf = (twiml: string): string => /<Message>([^<]*)<\/Message>/.exec(twiml)?.[1]?.replace(/&quot;/g, '"') ?? '';

/** An SMS to Klaxon's number; answers the text of Klaxon's reply. */
async function reply(from: string, body: string): Promise<string> {
  const res = await forward('/twilio/inbound', { MessageSid: nextSid(), From: from, To: TWILIO.smsFrom, Body: body }).expect(200);
  return messageOf(res.text);
}

let tenants = 0;
/** Raises a high alert in a tenant of its own (so it is #1 there) for `phone`, and waits until its WhatsApp page went out. */
async function pageFrom(phone: string, message: string, tenant = `T0REPLY${++tenants}`): Promise<{ alert: AlertDto; code: string }> {
  // A second passes between two pages, as it would for real: which page is the newer is the clock's to say.
  clock.advance(1000);
  const alert = await paging.raise({ tenant_id: tenant, message, severity: 'high', targets: [{ phone }] });
  const page = await paging.twilio.waitForMessage((m) => m.form.To === `whatsapp:${phone}` && (m.form.Body ?? '').includes(message));
  await paging.eventually(() => paging.deliveries(alert.id), (ds) => ds.some((d) => d.status === 'sent'));
  const code = new RegExp(`reply "ack ${alert.number}-([A-Z0-9]{2})"`).exec(page.form.Body ?? '')?.[1];
  return { alert, code: code ?? `(no code in "${page.form.Body}")` };
}

const statusOf = async (alert: AlertDto): Promise<string> => (await paging.db.one<{ status: string }>('SELECT status FROM alerts WHERE id = $1', [alert.id])).status;
const acknowledgements = async (alert: AlertDto): Promise<number> =>
  (await paging.db.one<{ count: number }>("SELECT count(*)::int AS count FROM alert_events WHERE alert_id = $1 AND kind = 'acknowledged'", [alert.id])).count;

describe('reply codes', () => {
  it('differ between the open alerts of one number, across tenants (a hundred #7s take a hundred codes of 900)', async () => {
    for (let i = 0; i < 100; i++) {
      await paging.db.none("INSERT INTO alerts (tenant_id, number, severity, message, origin) VALUES ($1, 7, 'low', 'm', 'api')", [`T0CODES${i}`]);
    }
    const codes = await paging.db.map("SELECT reply_code FROM alerts WHERE number = 7 AND tenant_id LIKE 'T0CODES%'", [], (row: { reply_code: string }) => row.reply_code);
    expect(codes).toHaveLength(100);
    expect(new Set(codes).size).toBe(100);
    for (const code of codes) expect(code).toMatch(/^[2-9A-HJKMNP-TV-Z]{2}$/);
  });
});

describe('a reply naming an alert number', () => {
  it('is refused with what to type when that number was paged by two tenants, and changes nothing', async () => {
    const phone = '+14155550201';
    const checkout = await pageFrom(phone, 'checkout down');
    const disk = await pageFrom(phone, 'disk full');
    expect([checkout.alert.number, disk.alert.number]).toEqual([1, 1]);

    const answer = await reply(phone, 'ack 1');

    expect([await statusOf(checkout.alert), await statusOf(disk.alert)]).toEqual(['triggered', 'triggered']);
    expect(answer).toBe(`Klaxon: #1 was paged to this number by 2 workspaces. Reply "ack 1-${disk.code}" (disk full) or "ack 1-${checkout.code}" (checkout down).`);
  });

  it('with its code acts on that alert only, typed in any case and spacing', async () => {
    const phone = '+14155550202';
    const checkout = await pageFrom(phone, 'checkout down');
    const disk = await pageFrom(phone, 'disk full');

    expect(await reply(phone, `Ack #1 ${checkout.code.toLowerCase()}`)).toBe('Klaxon: #1 acknowledged.');
    expect([await statusOf(checkout.alert), await statusOf(disk.alert)]).toEqual(['acknowledged', 'triggered']);
    expect(await reply(phone, `resolve 1-${disk.code}.`)).toBe('Klaxon: #1 resolved.');
    expect([await statusOf(checkout.alert), await statusOf(disk.alert)]).toEqual(['acknowledged', 'resolved']);
    const events = await paging.db.manyOrNone("SELECT alert_id, kind, note FROM alert_events WHERE alert_id IN ($1, $2) AND kind IN ('acknowledged', 'resolved') ORDER BY id", [checkout.alert.id, disk.alert.id]);
    expect(events).toEqual([
      { alert_id: checkout.alert.id, kind: 'acknowledged', note: 'by SMS reply' },
      { alert_id: disk.alert.id, kind: 'resolved', note: 'by SMS reply' },
    ]);
  });

  it('with a code that names no alert paged here is refused, and says which codes were', async () => {
    const phone = '+14155550203';
    const { alert, code } = await pageFrom(phone, 'checkout down');
    const wrong = code === 'ZZ' ? 'YY' : 'ZZ';

    expect(await reply(phone, `ack 1-${wrong}`)).toBe(`Sorry, this number was not paged for #1-${wrong}, so it cannot act on it. Reply "ack 1-${code}" (checkout down).`);
    expect(await statusOf(alert)).toBe('triggered');
  });

  it('without a code acts when only one alert of that number was paged to this phone, whatever other tenants paged elsewhere', async () => {
    const phone = '+14155550204';
    const elsewhere = await pageFrom('+14155550214', 'someone else’s #1');
    const mine = await pageFrom(phone, 'checkout down');

    expect(await reply(phone, 'ack 1')).toBe('Klaxon: #1 acknowledged.');
    expect([await statusOf(mine.alert), await statusOf(elsewhere.alert)]).toEqual(['acknowledged', 'triggered']);
  });

  it('without a code ignores resolved alerts of that number: they cannot change any more', async () => {
    const phone = '+14155550205';
    const old = await pageFrom(phone, 'yesterday');
    expect(await reply(phone, `resolve 1-${old.code}`)).toBe('Klaxon: #1 resolved.');
    const current = await pageFrom(phone, 'today');

    expect(await reply(phone, 'ack 1')).toBe('Klaxon: #1 acknowledged.');
    expect(await statusOf(current.alert)).toBe('acknowledged');
  });
});

describe('a bare "ack"', () => {
  it('acts only on the one triggered alert paged to this phone in the last hour', async () => {
    const phone = '+14155550206';
    const first = await pageFrom(phone, 'checkout down');
    expect(await reply(phone, `ack 1-${first.code}`)).toBe('Klaxon: #1 acknowledged.');
    const second = await pageFrom(phone, 'disk full');

    // The acknowledged one is not waiting: the one that is, is acknowledged.
    expect(await reply(phone, 'ack')).toBe('Klaxon: #1 acknowledged.');
    expect(await statusOf(second.alert)).toBe('acknowledged');
  });

  it('does nothing to a page older than an hour, and names the alerts still open instead', async () => {
    const phone = '+14155550207';
    const old = await pageFrom(phone, 'checkout down');
    clock.advance(61 * 60_000);

    const answer = await reply(phone, 'ack');
    expect(await statusOf(old.alert)).toBe('triggered');
    expect(answer).toBe(`Klaxon: no alert paged to this number in the last hour is waiting for "ack" alone. Name one: "ack 1-${old.code}" (checkout down).`);
  });

  it('is refused with both listed when two triggered alerts were paged in the last hour', async () => {
    const phone = '+14155550208';
    const checkout = await pageFrom(phone, 'checkout down');
    const disk = await pageFrom(phone, 'disk full');

    const answer = await reply(phone, 'ack');
    expect([await statusOf(checkout.alert), await statusOf(disk.alert)]).toEqual(['triggered', 'triggered']);
    expect(answer).toBe(`Klaxon: 2 alerts paged to this number in the last hour are waiting. Name one: "ack 1-${disk.code}" (disk full) or "ack 1-${checkout.code}" (checkout down).`);
  });

  it('from a number nobody paged is refused', async () => {
    expect(await reply('+14155550299', 'ack')).toBe('Sorry, this number was not paged for any alert, so it cannot act on one.');
  });
});

describe('a Twilio webhook sent again', () => {
  it('a replayed bare "ack" gets the first answer and leaves the alert paged since alone', async () => {
    const phone = '+14155550210';
    const first = await pageFrom(phone, 'checkout down');
    const fields = { MessageSid: nextSid(), From: phone, To: TWILIO.smsFrom, Body: 'ack' };
    const answer = (await forward('/twilio/inbound', fields).expect(200)).text;
    expect(messageOf(answer)).toBe('Klaxon: #1 acknowledged.');
    const newer = await pageFrom(phone, 'disk full');

    const replayed = await forward('/twilio/inbound', fields).expect(200);

    expect(await statusOf(newer.alert)).toBe('triggered');
    expect(replayed.text).toBe(answer);
    expect(await acknowledgements(first.alert)).toBe(1);
  });

  it('five copies at once act once, and every copy gets the first answer', async () => {
    const phone = '+14155550211';
    const { alert, code } = await pageFrom(phone, 'checkout down');
    const fields = { MessageSid: nextSid(), From: phone, To: TWILIO.smsFrom, Body: `ack 1-${code}` };

    const answers = await Promise.all([1, 2, 3, 4, 5].map(() => forward('/twilio/inbound', fields)));

    expect(answers.map((a) => [a.status, messageOf(a.text)])).toEqual(Array(5).fill([200, 'Klaxon: #1 acknowledged.']));
    expect(await acknowledgements(alert)).toBe(1);
  });

  it('a status callback is remembered for 30 days, an inbound message for good: a replay after a month still changes nothing', async () => {
    const phone = '+14155550212';
    const first = await pageFrom(phone, 'checkout down');
    const [page] = await paging.deliveries(first.alert.id);
    const status = { MessageSid: page!.providerMessageId!, MessageStatus: 'delivered' };
    await forward(`/twilio/status/${page!.id}`, status).expect(204);
    const ack = { MessageSid: nextSid(), From: phone, To: TWILIO.smsFrom, Body: 'ack' };
    const answer = (await forward('/twilio/inbound', ack).expect(200)).text;
    const remembered = () => paging.db.map('SELECT kind FROM twilio_webhooks WHERE key = ANY($1) ORDER BY kind', [[`twilio-status-${status.MessageSid}-delivered`, `twilio-inbound-${ack.MessageSid}-inbound`]], (r: { kind: string }) => r.kind);
    expect(await remembered()).toEqual(['inbound', 'status']);

    clock.advance(29 * 86_400_000);
    await paging.worker.sweep();
    expect(await remembered()).toEqual(['inbound', 'status']);
    clock.advance(2 * 86_400_000);
    expect((await paging.worker.sweep()).forgottenWebhooks).toBeGreaterThanOrEqual(1);
    expect(await remembered()).toEqual(['inbound']);

    clock.set(new Date());
    const newer = await pageFrom(phone, 'disk full');
    expect((await forward('/twilio/inbound', ack).expect(200)).text).toBe(answer);
    expect(await statusOf(newer.alert)).toBe('triggered');
  });

  it('refuses a webhook without a SID (it could not be told from its copies), and remembers no failed one', async () => {
    const phone = '+14155550213';
    const { alert } = await pageFrom(phone, 'checkout down');
    const noSid = await forward('/twilio/inbound', { From: phone, To: TWILIO.smsFrom, Body: 'ack' }).expect(422);
    expect(noSid.body).toEqual({ error: 'invalid_field', detail: "MessageSid: Twilio's SID of the message is required" });
    expect(await statusOf(alert)).toBe('triggered');

    const unknown = { CallSid: nextSid('CA'), CallStatus: 'completed' };
    await forward('/twilio/status/7f0e1c9a-0000-4000-8000-000000000000', unknown).expect(404);
    expect(await paging.db.any('SELECT key FROM twilio_webhooks WHERE key LIKE $1', [`%${unknown.CallSid}%`])).toEqual([]);
  });
});
