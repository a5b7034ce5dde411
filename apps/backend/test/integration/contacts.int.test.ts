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

describe('PUT /contacts/:tenant_id/:slack_user_id', () => {
  it('stores the number as the person set it and answers with it masked; GET reads it back', async () => {
    const res = await put('/contacts/T0001/U0JANE', { phone: '(415) 555-0101', name: 'Jane' }).expect(200);

    expect(res.body).toEqual({
      tenant_id: 'T0001',
      slack_user_id: 'U0JANE',
      name: 'Jane',
      phone: '+1******0101',
      channels: ['whatsapp', 'voice', 'sms'],
      source: 'self',
      updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(await findContact(backend.db, 'T0001', 'U0JANE')).toMatchObject({ phone: '+14155550101', source: 'self' });
    const read = await get('/contacts/T0001/U0JANE').expect(200);
    expect(read.body).toEqual(res.body);
  });

  it('replaces an earlier number of the same person', async () => {
    await put('/contacts/T0001/U0MOVE', { phone: '+44 7911 123456' }).expect(200);
    const res = await put('/contacts/T0001/U0MOVE', { phone: '+1 415 555 0102' }).expect(200);

    expect(res.body.phone).toBe('+1******0102');
  });

  it('answers 422 naming the phone field and what is wrong with it', async () => {
    const res = await put('/contacts/T0001/U0JANE', { phone: '12345' }).expect(422);

    expect(res.body).toEqual({ error: 'invalid_field', detail: 'phone: the number is too short to be a phone number (5 digits)' });
  });

  it('answers 422 for a missing phone or an unknown field', async () => {
    const missing = await put('/contacts/T0001/U0JANE', {}).expect(422);
    const unknown = await put('/contacts/T0001/U0JANE', { phone: '+14155550101', email: 'x@y.z' }).expect(422);

    expect(missing.body.detail).toMatch(/^phone: /);
    expect(unknown.body.detail).toMatch(/email: unknown field/);
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

    expect(res.body).toEqual({ error: 'not_found', detail: 'no phone number is stored for U0NOBODY in tenant T0001' });
  });
});
