import request from 'supertest';
import { findContact } from '../../src/contacts/contact.repository';
import { ACME_KEY, SERVICE_KEY, startBackendHarness, type BackendHarness } from './helpers';

let backend: BackendHarness;
beforeAll(async () => {
  backend = await startBackendHarness();
});
afterAll(() => backend.close());

const put = (path: string, body: unknown, key = SERVICE_KEY) => request(backend.app).put(path).set('x-service-key', key).send(body as object);
const get = (path: string, key = SERVICE_KEY) => request(backend.app).get(path).set('x-service-key', key);
// How the registered channels read: every contact answer carries them.
const LABELS = { whatsapp: 'WhatsApp', sms: 'SMS', voice: 'call', email: 'email', slack: 'Slack' };

describe('PUT /contacts/:tenant_id/:slack_user_id', () => {
  it('stores the number as the person set it and answers with it masked; GET reads it back', async () => {
    const res = await put('/contacts/T0001/U0JANE', { phone: '(415) 555-0101', name: 'Jane' }).expect(200);

    expect(res.body).toEqual({
      tenant_id: 'T0001',
      slack_user_id: 'U0JANE',
      name: 'Jane',
      phone: '+1 ******0101',
      email: null,
      channels: ['whatsapp', 'voice', 'sms'],
      channel_labels: LABELS,
      time_zone: null,
      quiet_hours: null,
      source: 'self',
      pending_phone: null,
      updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(await findContact(backend.db, 'T0001', 'U0JANE')).toMatchObject({ phone: '+14155550101', source: 'self' });
    const read = await get('/contacts/T0001/U0JANE').expect(200);
    expect(read.body).toEqual(res.body);
  });

  it('replaces an earlier number of the same person', async () => {
    await put('/contacts/T0001/U0MOVE', { phone: '+44 7911 123456' }).expect(200);
    const res = await put('/contacts/T0001/U0MOVE', { phone: '+1 415 555 0102' }).expect(200);

    expect(res.body.phone).toBe('+1 ******0102');
  });

  it('answers 422 naming the phone field and what is wrong with it', async () => {
    const res = await put('/contacts/T0001/U0JANE', { phone: '12345' }).expect(422);

    expect(res.body).toEqual({ error: 'invalid_field', detail: 'phone: the number is too short to be a phone number (5 digits)' });
  });

  it('answers 422 for an empty body or an unknown field', async () => {
    const empty = await put('/contacts/T0001/U0JANE', {}).expect(422);
    const unknown = await put('/contacts/T0001/U0JANE', { phone: '+14155550101', pager: '555' }).expect(422);

    expect(empty.body).toEqual({ error: 'invalid_field', detail: 'body: give at least one of name, phone, email, channels, time_zone, quiet_hours' });
    expect(unknown.body.detail).toMatch(/pager: unknown field/);
  });

  it.each([
    { path: '/contacts/T0001/jane', field: 'slack_user_id' },
    { path: '/contacts/bad%20tenant/U0JANE', field: 'tenant_id' },
  ])('answers 422 naming $field when it is malformed', async ({ path, field }) => {
    const res = await put(path, { phone: '+14155550101' }).expect(422);

    expect(res.body.detail).toMatch(new RegExp(`^${field}: `));
  });

  it('keeps a key bound to one tenant away from the others (404), but serves its own tenant', async () => {
    await put('/contacts/T0001/U0SECRET', { phone: '+14155550103' }).expect(200);

    await get('/contacts/T0001/U0SECRET', ACME_KEY).expect(404);
    await put('/contacts/T0001/U0SECRET', { phone: '+14155550104' }, ACME_KEY).expect(404);
    expect(await findContact(backend.db, 'T0001', 'U0SECRET')).toMatchObject({ phone: '+14155550103' });
    await put('/contacts/acme/U0ACME', { phone: '+14155550105' }, ACME_KEY).expect(200);
    await get('/contacts/acme/U0ACME', ACME_KEY).expect(200);
  });

  it('requires a service key', async () => {
    await request(backend.app).get('/contacts/T0001/U0JANE').expect(401);
  });
});

describe('GET /contacts/:tenant_id/:slack_user_id', () => {
  it('answers 404 when nobody stored a number', async () => {
    const res = await get('/contacts/T0001/U0NOBODY').expect(404);

    expect(res.body).toEqual({ error: 'not_found', detail: 'nothing is stored for U0NOBODY in tenant T0001' });
  });
});

describe('email, channels, time zone and quiet hours', () => {
  it('stores every field, lower-cases the email, and shows phone and email masked', async () => {
    const res = await put('/contacts/T0001/U0ALL', {
      name: 'Alex',
      phone: '+44 7911 123456',
      email: 'Alex.Smith@Example.COM',
      channels: ['whatsapp', 'email', 'voice'],
      time_zone: 'europe/berlin',
      quiet_hours: { start: '22:00', end: '07:30' },
    }).expect(200);

    expect(res.body).toEqual({
      tenant_id: 'T0001',
      slack_user_id: 'U0ALL',
      name: 'Alex',
      phone: '+44 ******3456',
      email: 'a***@example.com',
      channels: ['whatsapp', 'email', 'voice'],
      channel_labels: LABELS,
      time_zone: 'Europe/Berlin',
      quiet_hours: { start: '22:00', end: '07:30' },
      source: 'self',
      pending_phone: null,
      updated_at: expect.any(String),
    });
    expect((await get('/contacts/T0001/U0ALL').expect(200)).body).toEqual(res.body);
    expect(await findContact(backend.db, 'T0001', 'U0ALL')).toMatchObject({
      phone: '+447911123456',
      email: 'alex.smith@example.com',
      timeZone: 'Europe/Berlin',
      quietHours: { start: '22:00', end: '07:30', timeZone: 'Europe/Berlin' },
    });
  });

  it('keeps every field a partial update does not name', async () => {
    await put('/contacts/T0001/U0PART', { name: 'Pat', phone: '+14155550111', email: 'pat@example.com', channels: ['sms', 'email'], time_zone: 'UTC', quiet_hours: { start: '23:00', end: '06:00' } }).expect(200);

    const steps: Array<[object, object]> = [
      [{ email: 'pat@work.example' }, { email: 'p***@work.example', phone: '+1 ******0111', channels: ['sms', 'email'], time_zone: 'UTC', quiet_hours: { start: '23:00', end: '06:00' } }],
      [{ channels: ['voice'] }, { email: 'p***@work.example', channels: ['voice'], quiet_hours: { start: '23:00', end: '06:00' } }],
      [{ time_zone: 'America/New_York' }, { time_zone: 'America/New_York', quiet_hours: { start: '23:00', end: '06:00' } }],
      [{ quiet_hours: null }, { time_zone: 'America/New_York', quiet_hours: null, channels: ['voice'] }],
      [{ phone: '+1 415 555 0112' }, { phone: '+1 ******0112', name: 'Pat', email: 'p***@work.example', channels: ['voice'] }],
      [{ email: null }, { email: null, phone: '+1 ******0112' }],
    ];
    for (const [body, expected] of steps) {
      const res = await put('/contacts/T0001/U0PART', body).expect(200);
      expect(res.body).toMatchObject({ name: 'Pat', source: 'self', ...expected });
    }
  });

  it('stores a contact with only an email (no phone), and GET shows it', async () => {
    const res = await put('/contacts/T0001/U0MAILONLY', { email: 'mo@example.com', channels: ['email'] }).expect(200);

    expect(res.body).toMatchObject({ phone: null, email: 'm***@example.com', channels: ['email'], source: 'self' });
    expect((await get('/contacts/T0001/U0MAILONLY').expect(200)).body).toEqual(res.body);
  });

  it('never adds email to the channels by itself: email is opt-in', async () => {
    const res = await put('/contacts/T0001/U0OPTIN', { email: 'oi@example.com' }).expect(200);

    expect(res.body.channels).toEqual(['whatsapp', 'voice', 'sms']);
  });

  it.each([
    [{ email: 'not-an-address' }, /^email: an email address such as jane@example\.com$/],
    [{ channels: [] }, /^channels: at least one channel/],
    [{ channels: ['whatsapp', 'whatsapp'] }, /^channels: each channel once$/],
    [{ channels: ['pigeon'] }, /^channels\[0\]: /],
    [{ channels: ['slack'] }, /^channels\[0\]: /],
    [{ time_zone: 'Mars/Olympus_Mons' }, /^time_zone: an IANA time zone such as Europe\/Berlin/],
    [{ time_zone: '+01:00' }, /^time_zone: an IANA time zone/],
    [{ time_zone: 'UTC', quiet_hours: { start: '25:00', end: '07:00' } }, /^quiet_hours\.start: a time of day as HH:MM/],
    [{ time_zone: 'UTC', quiet_hours: { start: '7:00', end: '08:00' } }, /^quiet_hours\.start: a time of day as HH:MM/],
    [{ time_zone: 'UTC', quiet_hours: { start: '22:00', end: '22:00' } }, /^quiet_hours\.end: start and end must differ/],
    [{ time_zone: 'UTC', quiet_hours: { start: '22:00' } }, /^quiet_hours\.end: /],
  ])('answers 422 naming the field for %j', async (body, detail) => {
    const res = await put('/contacts/T0001/U0BAD', body).expect(422);

    expect(res.body).toEqual({ error: 'invalid_field', detail: expect.stringMatching(detail) });
    expect(await findContact(backend.db, 'T0001', 'U0BAD')).toBeNull();
  });

  it('refuses a channel this backend does not register, listing the ones it pages people on (the alert room is not one)', async () => {
    for (const channel of ['pigeon', 'slack']) {
      const res = await put('/contacts/T0001/U0BAD', { channels: ['whatsapp', channel] }).expect(422);
      expect(res.body).toEqual({ error: 'invalid_field', detail: 'channels[1]: not a channel this backend pages people on; it knows whatsapp, sms, voice, email' });
    }
    expect(await findContact(backend.db, 'T0001', 'U0BAD')).toBeNull();
  });

  it('refuses email among the channels without an address, and removing the address email still needs', async () => {
    const listed = await put('/contacts/T0001/U0NOMAIL', { phone: '+14155550120', channels: ['whatsapp', 'email'] }).expect(422);
    expect(listed.body.detail).toBe('channels: email is listed but no email address is set; give `email` too, or leave email out of channels');

    await put('/contacts/T0001/U0NOMAIL', { email: 'nm@example.com', channels: ['whatsapp', 'email'] }).expect(200);
    const removed = await put('/contacts/T0001/U0NOMAIL', { email: null }).expect(422);
    expect(removed.body.detail).toMatch(/^email: your channels include email, so the address cannot be removed/);

    const both = await put('/contacts/T0001/U0NOMAIL', { email: null, channels: ['whatsapp'] }).expect(200);
    expect(both.body).toMatchObject({ email: null, channels: ['whatsapp'] });
  });

  it('needs a time zone for quiet hours: the one given or the one stored, else 422 naming time_zone', async () => {
    const missing = await put('/contacts/T0001/U0QUIET', { quiet_hours: { start: '22:00', end: '07:00' } }).expect(422);
    expect(missing.body.detail).toMatch(/^time_zone: quiet hours are read in your time zone and none is set/);
    expect(await findContact(backend.db, 'T0001', 'U0QUIET')).toBeNull();

    await put('/contacts/T0001/U0QUIET', { time_zone: 'Asia/Tokyo' }).expect(200);
    const stored = await put('/contacts/T0001/U0QUIET', { quiet_hours: { start: '22:00', end: '07:00' } }).expect(200);
    expect(stored.body).toMatchObject({ time_zone: 'Asia/Tokyo', quiet_hours: { start: '22:00', end: '07:00' } });

    const clearZone = await put('/contacts/T0001/U0QUIET', { time_zone: null }).expect(422);
    expect(clearZone.body.detail).toMatch(/^time_zone: quiet hours are set, so the time zone cannot be removed/);
    await put('/contacts/T0001/U0QUIET', { time_zone: null, quiet_hours: null }).expect(200);
  });

  it('lets a person change their preferences without replacing a number copied from their Slack profile', async () => {
    backend.slack.setUser('U0PROFILE', { profile: { phone: '+1 415 555 0130', display_name: 'pro' } });
    // Raising an alert for them caches the profile number as a `slack` contact.
    await request(backend.app).post('/alert').set('x-service-key', SERVICE_KEY).send({ tenant_id: 'T0001', message: 'm', severity: 'low', targets: [{ slack_user_id: 'U0PROFILE' }] }).expect(201);
    expect(await findContact(backend.db, 'T0001', 'U0PROFILE')).toMatchObject({ phone: '+14155550130', source: 'slack' });

    const res = await put('/contacts/T0001/U0PROFILE', { email: 'pro@example.com', channels: ['whatsapp', 'email'] }).expect(200);

    expect(res.body).toMatchObject({ phone: '+1 ******0130', source: 'slack', email: 'p***@example.com', channels: ['whatsapp', 'email'] });
  });

  it('keeps a bound key away from another tenant for the new fields too', async () => {
    await put('/contacts/T0001/U0SCOPED', { email: 'sc@example.com' }).expect(200);

    await put('/contacts/T0001/U0SCOPED', { email: 'evil@example.com' }, ACME_KEY).expect(404);
    expect(await findContact(backend.db, 'T0001', 'U0SCOPED')).toMatchObject({ email: 'sc@example.com' });
  });
});
