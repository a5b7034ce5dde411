import fs from 'node:fs';
import path from 'node:path';
import request, { type Response } from 'supertest';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { twilioWebhookKey, type AlertDto } from '@klaxon/contracts';
import type { createApp } from '../../src/app';
import { HTTP_METHODS, openApiDocument as doc, type HttpMethod, type Operation } from '../../src/http/openapi';
import { claimWebhook } from '../../src/twilio/twilio-webhook.repository';
import { ACME_KEY, buildApp, SERVICE_KEY, startBackendHarness, startUnreachableBackend, type BackendHarness, type UnreachableBackend } from './helpers';

// Real responses of every route, checked against the served OpenAPI document, so the document cannot
// drift from the code: an undocumented status, field or route fails here.

const DOC_ID = 'https://klaxon.invalid/openapi.json';
const TENANT = 'T-OPENAPI';

// Strict, so a misspelt keyword in the document fails instead of silently validating nothing.
const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
addFormats(ajv);
// The document is the root every `#/components/...` reference resolves against; its own top-level keys
// are not JSON Schema keywords, so strict mode must be told they carry no validation.
ajv.addVocabulary(['openapi', 'jsonSchemaDialect', 'info', 'servers', 'security', 'tags', 'paths', 'components', 'webhooks']);
// As JSON, i.e. as served (the first test checks they are equal): what clients read is what gets checked.
ajv.addSchema(JSON.parse(JSON.stringify(doc)) as object, DOC_ID);

const pointerEscape = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');
const validators = new Map<string, ValidateFunction>();
function validatorAt(pointer: string): ValidateFunction {
  let validate = validators.get(pointer);
  if (!validate) {
    validate = ajv.getSchema(`${DOC_ID}#${pointer.split('/').map((s) => encodeURIComponent(s)).join('/')}`);
    if (!validate) throw new Error(`no schema at ${pointer}`);
    validators.set(pointer, validate);
  }
  return validate;
}
function validationErrors(pointer: string, body: unknown): string[] {
  const validate = validatorAt(pointer);
  return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '(body)'} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`);
}

interface ResponseObject {
  description: string;
  content?: Record<string, { schema?: unknown; example?: unknown }>;
}
const responsesOf = (operation: Operation): Record<string, ResponseObject | { $ref: string }> => operation.responses ?? {};
/** The media types of the operation's request body, by name. */
const requestContent = ({ requestBody }: Operation) => (requestBody && 'content' in requestBody ? requestBody.content : {});

interface DocumentedOperation {
  method: HttpMethod;
  path: string;
  operation: Operation;
  pointer: string;
}
const operations: DocumentedOperation[] = Object.entries(doc.paths).flatMap(([path, item]) =>
  HTTP_METHODS.flatMap((method) => {
    const operation = item[method];
    return operation ? [{ method, path, operation, pointer: `/paths/${pointerEscape(path)}/${method}` }] : [];
  }),
);
const operationAt = (method: HttpMethod, path: string): DocumentedOperation => {
  const found = operations.find((o) => o.method === method && o.path === path);
  if (!found) throw new Error(`${method.toUpperCase()} ${path} is not in the OpenAPI document`);
  return found;
};

/** The documented response for a status, and the JSON pointer of its object (following a shared `$ref`). */
function documentedResponse(op: DocumentedOperation, status: string): { response: ResponseObject; pointer: string } | null {
  const entry = responsesOf(op.operation)[status];
  if (!entry) return null;
  if (!('$ref' in entry)) return { response: entry, pointer: `${op.pointer}/responses/${status}` };
  const name = entry.$ref.replace('#/components/responses/', '');
  const response = doc.components.responses?.[name] as ResponseObject | undefined;
  if (!response) throw new Error(`${entry.$ref} does not resolve`);
  return { response, pointer: `/components/responses/${pointerEscape(name)}` };
}

const exercised = new Set<string>();
const responseKey = (method: HttpMethod, path: string, status: string) => `${method.toUpperCase()} ${path} ${status}`;

/** Fails unless the route documents this status, the content type, and a schema the body satisfies. */
function expectConforms(res: Response, method: HttpMethod, pathTemplate: string): void {
  const op = operationAt(method, pathTemplate);
  const status = String(res.status);
  const documented = documentedResponse(op, status);
  if (!documented) {
    throw new Error(`${method.toUpperCase()} ${pathTemplate} answered ${status}, which the document does not list (${Object.keys(responsesOf(op.operation)).join(', ')}): ${res.text}`);
  }
  exercised.add(responseKey(method, pathTemplate, status));
  const mediaType = String(res.headers['content-type'] ?? '').split(';')[0]!.trim();
  // A 204 has no body and no content type, and documents none.
  if (res.status === 204) return expect(documented.response.content).toBeUndefined();
  expect(Object.keys(documented.response.content ?? {})).toContain(mediaType);
  if (mediaType === 'application/json') {
    // The route rides along so a failure says which response drifted.
    const route = responseKey(method, pathTemplate, status);
    expect({ route, errors: validationErrors(`${documented.pointer}/content/${pointerEscape(mediaType)}/schema`, res.body) }).toEqual({ route, errors: [] });
  }
}

const exampleOf = (op: DocumentedOperation): unknown => requestContent(op.operation)['application/json']?.example;

/** A URL for the operation that passes validation: path parameters filled, tenant named. */
function sampleUrl(op: DocumentedOperation): string {
  const path = op.path.replace('{ref}', '00000000-0000-4000-8000-000000000000').replace('{deliveryId}', '00000000-0000-4000-8000-000000000000').replace('{tenant_id}', TENANT).replace('{slack_user_id}', 'U0SAMPLE').replace('{name}', 'payments').replace('{id}', '00000000-0000-4000-8000-000000000000');
  return op.operation.parameters?.some((p) => 'in' in p && p.in === 'query' && p.name === 'tenant_id') ? `${path}?tenant_id=${TENANT}` : path;
}

const call = (app: ReturnType<typeof createApp>, method: HttpMethod, url: string, key: string | null = SERVICE_KEY) => {
  const req = request(app)[method](url);
  return key ? req.set('x-service-key', key) : req;
};
/** The operation's sample request: its URL, and its documented example body when it takes one. */
const sampleRequest = (app: ReturnType<typeof createApp>, op: DocumentedOperation, key: string | null = SERVICE_KEY) => {
  const req = call(app, op.method, sampleUrl(op), key);
  const csv = requestContent(op.operation)['text/csv']?.example;
  if (typeof csv === 'string') return req.set('content-type', 'text/csv').send(csv);
  const example = exampleOf(op);
  return example === undefined ? req : req.send(example as object);
};

let backend: BackendHarness;
beforeAll(async () => {
  // A copy of a Twilio webhook being processed is answered 409 at once instead of after waiting for it.
  backend = await startBackendHarness({ overrides: { twilioWebhookWaitMs: 0 } });
});
afterAll(() => backend.close());

const internal = (method: HttpMethod, url: string) => call(backend.app, method, url);
const acme = (method: HttpMethod, url: string) => call(backend.app, method, url, ACME_KEY);

async function raise(extra: Record<string, unknown> = {}): Promise<AlertDto> {
  const res = await internal('post', '/alert').send({ tenant_id: TENANT, message: 'checkout is down', targets: [{ slack_user_id: 'U0001' }], ...extra });
  expectConforms(res, 'post', '/alert');
  expect(res.status).toBe(201);
  return res.body as AlertDto;
}

describe('the OpenAPI document', () => {
  it('is served without a service key, as JSON, equal to the one in the code', async () => {
    const res = await request(backend.app).get('/openapi.json').expect(200);
    expectConforms(res, 'get', '/openapi.json');
    expect(res.body).toEqual(JSON.parse(JSON.stringify(doc)));
  });

  it("carries the backend package's version", () => {
    const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as { version: string };
    expect(doc.info.version).toBe(pkg.version);
  });

  it('describes every route the app registers, and registers every route it describes', () => {
    expect(registeredRoutes(backend.app)).toEqual(operations.map((o) => `${o.method.toUpperCase()} ${o.path}`).sort());
  });

  it('gives every operation a unique operationId, a summary, a tag, and every secured one a 401', () => {
    const ids = operations.map((o) => o.operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { operation } of operations) {
      expect(operation.summary).toBeTruthy();
      expect(operation.tags?.length).toBeGreaterThan(0);
      if (operation.security?.length !== 0) expect(Object.keys(responsesOf(operation))).toContain('401');
    }
  });

  it('compiles every schema in strict mode, and every request example satisfies its schema', () => {
    for (const op of operations) {
      for (const status of Object.keys(responsesOf(op.operation))) {
        const { response, pointer } = documentedResponse(op, status)!;
        for (const mediaType of Object.keys(response.content ?? {})) validatorAt(`${pointer}/content/${pointerEscape(mediaType)}/schema`);
      }
      op.operation.parameters?.forEach((_p, i) => validatorAt(`${op.pointer}/parameters/${i}/schema`));
      const example = exampleOf(op);
      if (example !== undefined) expect(validationErrors(`${op.pointer}/requestBody/content/application~1json/schema`, example)).toEqual([]);
    }
  });

  it('catches drift: a body with a field more, a field less, or a wrong type fails the Alert schema', async () => {
    const alert = await raise();
    const pointer = `${operationAt('get', '/alerts/{ref}').pointer}/responses/200/content/application~1json/schema`;
    expect(validationErrors(pointer, alert)).toEqual([]);
    expect(validationErrors(pointer, { ...alert, escalation_level: 1 })).toEqual([expect.stringContaining('must NOT have additional properties')]);
    const { resolved_by: _dropped, ...withoutField } = alert;
    expect(validationErrors(pointer, withoutField)).toEqual([expect.stringContaining("must have required property 'resolved_by'")]);
    expect(validationErrors(pointer, { ...alert, number: String(alert.number) })).toEqual([expect.stringContaining('/number must be integer')]);
    expect(validationErrors(pointer, { ...alert, targets: [{ ...alert.targets[0], phone_raw: '+14155550101' }] })).not.toEqual([]);
  });

  it('refuses a status the operation does not document', async () => {
    const res = await internal('get', `/alerts?tenant_id=${TENANT}`).expect(200);
    expect(() => expectConforms({ ...res, status: 418 } as Response, 'get', '/alerts')).toThrow('answered 418, which the document does not list');
  });
});

describe('statuses every route shares', () => {
  const documenting = (status: string) => operations.filter((o) => status in responsesOf(o.operation)).map((o) => [`${o.method.toUpperCase()} ${o.path}`, o] as const);

  it.each(documenting('401'))('%s answers 401 without a service key', async (_name, op) => {
    const res = await sampleRequest(backend.app, op, null);
    expect(res.status).toBe(401);
    expectConforms(res, op.method, op.path);
  });

  // Every route, not only those that document it: a route that forgot to list the 422 fails here.
  it.each(operations.map((o) => [`${o.method.toUpperCase()} ${o.path}`, o] as const))('%s answers 422 to a malformed x-request-id, naming the header', async (_name, op) => {
    const res = await sampleRequest(backend.app, op).set('x-request-id', 'a b');
    expect(res.status).toBe(422);
    expect(res.body.detail).toMatch(/^x-request-id: /);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expectConforms(res, op.method, op.path);
  });

  it.each(documenting('400'))('%s answers 400 to malformed JSON', async (_name, op) => {
    const res = await internal(op.method, sampleUrl(op)).set('content-type', 'application/json').send('{"tenant_id": ');
    expect(res.status).toBe(400);
    expectConforms(res, op.method, op.path);
  });

  it.each(documenting('413'))('%s answers 413 to a body over the limit', async (_name, op) => {
    const res = await internal(op.method, sampleUrl(op)).send({ note: 'x'.repeat(300_000) });
    expect(res.status).toBe(413);
    expectConforms(res, op.method, op.path);
  });

  describe('when PostgreSQL is unreachable', () => {
    let down: UnreachableBackend;
    beforeAll(async () => {
      down = await startUnreachableBackend();
    });
    afterAll(() => down.close());

    it.each(documenting('503'))('%s answers 503', async (_name, op) => {
      const res = await sampleRequest(down.app, op);
      expect(res.status).toBe(503);
      expectConforms(res, op.method, op.path);
    });
  });
});

describe('POST /alert', () => {
  it('answers 201 with the alert, then 200 with the same alert for its dedup_key', async () => {
    const first = await raise({ dedup_key: 'openapi-dedup', severity: 'critical', rule_name: 'HighErrorRate', targets: [{ slack_user_id: 'U0001' }, { phone: '+14155550101' }] });
    const again = await internal('post', '/alert').send({ tenant_id: TENANT, message: 'checkout is down', targets: [{ slack_user_id: 'U0001' }], dedup_key: 'openapi-dedup' });
    expectConforms(again, 'post', '/alert');
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.id);
  });

  it('answers a Slack-raised alert (with its channel) and the documented example', async () => {
    await raise({ slack: { channel_id: 'C0001', user_id: 'U0002', response_url: 'https://hooks.slack.com/commands/T1/1/abc' } });
    expectConforms(await internal('post', '/alert').send(exampleOf(operationAt('post', '/alert')) as object), 'post', '/alert');
  });

  it('answers 429 once a Slack user has raised their limit', async () => {
    const limited = buildApp(backend.db, backend.logger, backend.config, { perUser: 1, perTenant: 100, globalPerMinute: 1000, windowMs: 60_000 }).app;
    const body = { tenant_id: TENANT, message: 'm', targets: [{ phone: '+14155550101' }], slack: { channel_id: 'C0OPENAPI', user_id: 'U0LIMITED' } };
    await request(limited).post('/alert').set('x-service-key', SERVICE_KEY).send(body).expect(201);
    expectConforms(await request(limited).post('/alert').set('x-service-key', SERVICE_KEY).send(body).expect(429), 'post', '/alert');
  });

  it('answers 403 to a key bound to another tenant', async () => {
    const res = await acme('post', '/alert').send({ tenant_id: TENANT, message: 'm', targets: [{ phone: '+14155550101' }] });
    expect(res.status).toBe(403);
    expectConforms(res, 'post', '/alert');
  });

  it('answers 422 naming the field', async () => {
    const res = await internal('post', '/alert').send({ tenant_id: TENANT, message: '', targets: [] });
    expect(res.status).toBe(422);
    expectConforms(res, 'post', '/alert');
  });
});

describe('POST /slack/alert', () => {
  const slackBody = { tenant_id: TENANT, message: 'ask <@U0001>', targets: [{ slack_user_id: 'U0001' }], slack: { channel_id: 'C0001', user_id: 'U0002' } };

  it('answers 201 with an alert of origin slack, 200 for its dedup_key, and the documented example', async () => {
    const first = await internal('post', '/slack/alert').send({ ...slackBody, dedup_key: 'openapi-slack-dedup' });
    expectConforms(first, 'post', '/slack/alert');
    expect(first.body).toMatchObject({ status: 'triggered', origin: 'slack' });
    const again = await internal('post', '/slack/alert').send({ ...slackBody, dedup_key: 'openapi-slack-dedup' });
    expectConforms(again, 'post', '/slack/alert');
    expect(again.status).toBe(200);
    expectConforms(await internal('post', '/slack/alert').send(exampleOf(operationAt('post', '/slack/alert')) as object).expect(201), 'post', '/slack/alert');
  });

  it('answers 401 to a key bound to a tenant, 422 without the slack part, 429 over a user’s limit', async () => {
    expectConforms(await acme('post', '/slack/alert').send({ ...slackBody, tenant_id: 'acme' }).expect(401), 'post', '/slack/alert');
    expectConforms(await internal('post', '/slack/alert').send({ ...slackBody, slack: undefined }).expect(422), 'post', '/slack/alert');
    const limited = buildApp(backend.db, backend.logger, backend.config, { perUser: 1, perTenant: 100, globalPerMinute: 1000, windowMs: 60_000 }).app;
    // Limits are counted in the database, for every app on it: a user who has not raised yet here.
    const limitedBody = { ...slackBody, slack: { ...slackBody.slack, user_id: 'U0SLACKLIMITED' } };
    await request(limited).post('/slack/alert').set('x-service-key', SERVICE_KEY).send(limitedBody).expect(201);
    expectConforms(await request(limited).post('/slack/alert').set('x-service-key', SERVICE_KEY).send(limitedBody).expect(429), 'post', '/slack/alert');
  });
});

describe('GET /alerts', () => {
  it('answers pages with next_cursor, then null on the last page', async () => {
    for (let i = 0; i < 3; i++) await raise();
    const first = await internal('get', `/alerts?tenant_id=${TENANT}&limit=2`);
    expectConforms(first, 'get', '/alerts');
    expect(first.body.next_cursor).toEqual(expect.any(String));
    let cursor: string | null = first.body.next_cursor as string;
    while (cursor) {
      const page = await internal('get', `/alerts?tenant_id=${TENANT}&limit=50&cursor=${cursor}`);
      expectConforms(page, 'get', '/alerts');
      cursor = page.body.next_cursor as string | null;
    }
    expectConforms(await internal('get', `/alerts?tenant_id=${TENANT}&status=triggered&severity=high&since=2020-01-01T00:00:00Z`), 'get', '/alerts');
  });

  it('answers 404 for another tenant than the service key’s, 422 for a bad filter', async () => {
    expectConforms(await acme('get', `/alerts?tenant_id=${TENANT}`).expect(404), 'get', '/alerts');
    expectConforms(await internal('get', `/alerts?tenant_id=${TENANT}&status=open`).expect(422), 'get', '/alerts');
  });
});

describe('GET /alerts/{ref} and /alerts/{ref}/events', () => {
  it.each(['/alerts/{ref}', '/alerts/{ref}/events'])('%s answers by UUID, by number and by #number', async (path) => {
    const alert = await raise();
    for (const ref of [alert.id, String(alert.number), `%23${alert.number}`]) {
      const query = ref === alert.id ? '' : `?tenant_id=${TENANT}`;
      expectConforms(await internal('get', `${path.replace('{ref}', ref)}${query}`).expect(200), 'get', path);
    }
  });

  it.each(['/alerts/{ref}', '/alerts/{ref}/events'])('%s answers 404 for an unknown alert, 422 for a number without a tenant', async (path) => {
    expectConforms(await internal('get', path.replace('{ref}', '7f0e1c9a-0000-4000-8000-000000000000')).expect(404), 'get', path);
    expectConforms(await internal('get', path.replace('{ref}', '42')).expect(422), 'get', path);
  });
});

describe('PUT /alerts/{ref}/acknowledge and /resolve', () => {
  it('answers 200 with the alert, then 409 with the current state; the events conform at each step', async () => {
    const alert = await raise();
    expectConforms(await internal('put', `/alerts/${alert.id}/acknowledge`).send({ actor: 'slack:U0002', note: 'looking' }).expect(200), 'put', '/alerts/{ref}/acknowledge');
    expectConforms(await internal('put', `/alerts/${alert.id}/acknowledge`).send({}).expect(409), 'put', '/alerts/{ref}/acknowledge');
    expectConforms(await internal('put', `/alerts/${alert.id}/resolve`).send({ note: 'fixed' }).expect(200), 'put', '/alerts/{ref}/resolve');
    expectConforms(await internal('put', `/alerts/${alert.id}/resolve`).expect(409), 'put', '/alerts/{ref}/resolve');
    expectConforms(await internal('get', `/alerts/${alert.id}/events`).expect(200), 'get', '/alerts/{ref}/events');
  });

  it.each(['/alerts/{ref}/acknowledge', '/alerts/{ref}/resolve'])('%s answers 404 for an unknown alert, 422 for a bad body', async (path) => {
    expectConforms(await internal('put', path.replace('{ref}', '7f0e1c9a-0000-4000-8000-000000000000')).send({}).expect(404), 'put', path);
    expectConforms(await internal('put', path.replace('{ref}', '7f0e1c9a-0000-4000-8000-000000000000')).send({ note: '' }).expect(422), 'put', path);
  });
});

describe('GET /stats/{tenant_id}', () => {
  it('answers counts and mean times (numbers once alerts were handled, null before)', async () => {
    expectConforms(await internal('get', '/stats/T-EMPTY').expect(200), 'get', '/stats/{tenant_id}');
    const res = await internal('get', `/stats/${TENANT}`).expect(200);
    expectConforms(res, 'get', '/stats/{tenant_id}');
    expect(res.body.mean_time_to_resolve_seconds).toEqual(expect.any(Number));
  });

  it('answers 404 for another tenant than the service key’s, 422 for a malformed tenant id', async () => {
    expectConforms(await acme('get', `/stats/${TENANT}`).expect(404), 'get', '/stats/{tenant_id}');
    expectConforms(await internal('get', '/stats/-bad').expect(422), 'get', '/stats/{tenant_id}');
  });
});

describe('PUT and GET /contacts/{tenant_id}/{slack_user_id}', () => {
  const path = '/contacts/{tenant_id}/{slack_user_id}';
  it('answers 200 with the masked contact after setting it, 404 before, 422 for a bad number or id', async () => {
    expectConforms(await internal('get', `/contacts/${TENANT}/U0NOBODY`).expect(404), 'get', path);
    expectConforms(await internal('put', `/contacts/${TENANT}/U0OPENAPI`).send({ phone: '+44 20 7946 0958' }).expect(200), 'put', path);
    expectConforms(await internal('get', `/contacts/${TENANT}/U0OPENAPI`).expect(200), 'get', path);
    expectConforms(await internal('put', `/contacts/${TENANT}/U0OPENAPI`).send({ phone: '12' }).expect(422), 'put', path);
    expectConforms(await internal('get', `/contacts/${TENANT}/jane`).expect(422), 'get', path);
  });

  it('answers 404 to a key bound to another tenant', async () => {
    expectConforms(await acme('put', `/contacts/${TENANT}/U0OPENAPI`).send({ phone: '+44 20 7946 0958' }).expect(404), 'put', path);
  });
});

// Verified numbers: the gateway's private routes for `/alert phone` and `/alert phone verify`.
describe('GET and PUT /slack/contacts/{tenant_id}/{slack_user_id}/phone, POST …/phone/verify', () => {
  const path = '/slack/contacts/{tenant_id}/{slack_user_id}/phone';
  const verifyPath = `${path}/verify`;
  const own = (user: string) => `/slack/contacts/${TENANT}/${user}/phone`;
  /** The code the log channel wrote for the last send (this backend has no Twilio: the log channel stands in). */
  const loggedCode = () => {
    const line = backend.logLines().filter((l) => /your code is \d{6}/.test(l)).at(-1);
    return /your code is (\d{6})/.exec(line ?? '')?.[1] ?? 'none';
  };

  it('answers 200 with the pending number, 429 to a resend too soon, 200 to the right code, 409 to a wrong one', async () => {
    expectConforms(await internal('get', own('U0OWN')).expect(200), 'get', path);
    expectConforms(await internal('put', own('U0OWN')).send({ phone: '+44 20 7946 0958' }).expect(200), 'put', path);
    expectConforms(await internal('put', own('U0OWN')).send({ phone: '+44 20 7946 0959' }).expect(429), 'put', path);
    const code = loggedCode();
    expectConforms(await internal('post', `${own('U0OWN')}/verify`).send({ code: code === '000000' ? '111111' : '000000' }).expect(409), 'post', verifyPath);
    expectConforms(await internal('post', `${own('U0OWN')}/verify`).send({ code }).expect(200), 'post', verifyPath);
    expectConforms(await internal('get', own('U0OWN')).expect(200), 'get', path);
  });

  it('answers 422 to a bad number, a bad code or id, and when no channel can carry the code', async () => {
    expectConforms(await internal('put', own('U0OWN')).send({ phone: '12' }).expect(422), 'put', path);
    expectConforms(await internal('post', `${own('U0OWN')}/verify`).send({ code: '12ab' }).expect(422), 'post', verifyPath);
    expectConforms(await internal('get', `/slack/contacts/${TENANT}/jane/phone`).expect(422), 'get', path);
    const unconfigured = buildApp(backend.db, backend.logger, { ...backend.config, twilio: { accountSid: `AC${'e'.repeat(32)}`, authToken: 'openapi-test-auth-token', apiBaseUrl: 'http://127.0.0.1:9' } }).app;
    const res = await request(unconfigured).put(own('U0NOCHANNEL')).set('x-service-key', SERVICE_KEY).send({ phone: '+44 20 7946 0958' }).expect(422);
    expectConforms(res, 'put', path);
    expect(res.body.error).toBe('not_sent');
  });

  it('answers 502 when the provider cannot send the code', async () => {
    // Twilio where nothing listens: the SDK's connection is refused at once.
    const unreachable = buildApp(backend.db, backend.logger, {
      ...backend.config,
      twilio: { accountSid: `AC${'e'.repeat(32)}`, authToken: 'openapi-test-auth-token', smsFrom: '+14155550100', apiBaseUrl: 'http://127.0.0.1:9' },
    }).app;
    const res = await request(unreachable).put(own('U0UNSENT')).set('x-service-key', SERVICE_KEY).send({ phone: '+44 20 7946 0958' }).expect(502);
    expectConforms(res, 'put', path);
  });

  it('answers 401 to a key bound to a tenant', async () => {
    expectConforms(await acme('get', own('U0OWN')).expect(401), 'get', path);
    expectConforms(await acme('put', own('U0OWN')).send({ phone: '+44 20 7946 0958' }).expect(401), 'put', path);
    expectConforms(await acme('post', `${own('U0OWN')}/verify`).send({ code: '123456' }).expect(401), 'post', verifyPath);
  });
});

describe('POST /integrations/alertmanager', () => {
  const path = '/integrations/alertmanager';
  const webhook = (fingerprint: string, extra: Record<string, unknown> = {}) => ({
    ...(exampleOf(operationAt('post', path)) as Record<string, unknown>),
    alerts: [{ status: 'firing', labels: { alertname: 'DiskFull', severity: 'warning' }, annotations: {}, fingerprint }],
    ...extra,
  });

  it('answers 200 to the documented example (Bearer key), then lists it as deduplicated', async () => {
    const example = exampleOf(operationAt('post', path)) as object;
    const first = await request(backend.app).post(`${path}?tenant_id=${TENANT}`).set('authorization', `Bearer ${SERVICE_KEY}`).send(example);
    expectConforms(first, 'post', path);
    expect(first.body.raised).toHaveLength(1);
    const again = await internal('post', `${path}?tenant_id=${TENANT}`).send(example);
    expectConforms(again, 'post', path);
    expect(again.body.deduplicated).toEqual(first.body.raised);
  });

  it('answers 403 to a key bound to another tenant, 422 for a wrong version; an alert nobody can be paged for is a problem in a 200', async () => {
    expectConforms(await acme('post', `${path}?tenant_id=${TENANT}&page=U0001`).send(webhook('fp-openapi-403')).expect(403), 'post', path);
    const version = await internal('post', `${path}?tenant_id=${TENANT}&page=U0001`).send(webhook('fp-openapi-422', { version: '3' })).expect(422);
    expectConforms(version, 'post', path);
    expect(version.body.detail).toMatch(/^version: /);
    const nobody = await internal('post', `${path}?tenant_id=${TENANT}`).send(webhook('fp-openapi-nobody')).expect(200);
    expectConforms(nobody, 'post', path);
    expect(nobody.body.problems).toEqual([expect.objectContaining({ index: 0, field: 'labels.page', paged: false })]);
  });

  it('answers 503 (which Alertmanager retries, unlike a 429) once the tenant has raised its limit', async () => {
    const limited = buildApp(backend.db, backend.logger, backend.config, { perUser: 100, perTenant: 1, globalPerMinute: 1000, windowMs: 60_000 }).app;
    const send = (fingerprint: string) => request(limited).post(`${path}?tenant_id=T-OPENAPI-AM429&page=U0001`).set('x-service-key', SERVICE_KEY).send(webhook(fingerprint));
    await send('fp-openapi-429a').expect(200);
    const refused = await send('fp-openapi-429b').expect(503);
    expectConforms(refused, 'post', path);
    expect(refused.body.error).toBe('rate_limited');
    expect(refused.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
  });
});

describe('POST /contacts/import and GET /contacts/export', () => {
  const csv = (url: string, body: string, key = SERVICE_KEY) => call(backend.app, 'post', url, key).set('content-type', 'text/csv').send(body);
  it('answers 200 with counts and line errors (the documented example too), then the CSV on export', async () => {
    const op = operationAt('post', '/contacts/import');
    expectConforms(await sampleRequest(backend.app, op).expect(200), 'post', '/contacts/import');
    const res = await csv(`/contacts/import?tenant_id=${TENANT}&dry_run=true`, 'slack_user_id,phone\nU0CSV1,+14155550101\nnobody,12\n').expect(200);
    expectConforms(res, 'post', '/contacts/import');
    expect(res.body).toMatchObject({ dry_run: true, imported: 1, skipped: 1, errors: [{ line: 3, column: 'slack_user_id' }] });
    expectConforms(await internal('get', `/contacts/export?tenant_id=${TENANT}`).expect(200), 'get', '/contacts/export');
  });

  it('answers 404 to a key bound to another tenant, 415 to JSON, 413 over the limit, 422 for a bad header or query', async () => {
    expectConforms(await csv(`/contacts/import?tenant_id=${TENANT}`, 'slack_user_id,phone\n', ACME_KEY).expect(404), 'post', '/contacts/import');
    expectConforms(await acme('get', `/contacts/export?tenant_id=${TENANT}`).expect(404), 'get', '/contacts/export');
    expectConforms(await internal('post', `/contacts/import?tenant_id=${TENANT}`).send({ rows: [] }).expect(415), 'post', '/contacts/import');
    expectConforms(await csv(`/contacts/import?tenant_id=${TENANT}`, `slack_user_id,name\n${'U0BIG,x\n'.repeat(900_000)}`).expect(413), 'post', '/contacts/import');
    expectConforms(await csv(`/contacts/import?tenant_id=${TENANT}`, 'user,phone\nU0CSV1,+14155550101\n').expect(422), 'post', '/contacts/import');
    expectConforms(await internal('get', '/contacts/export?tenant_id=-bad').expect(422), 'get', '/contacts/export');
  });
});

describe('PUT and GET /integrations/pagerduty/{tenant_id}', () => {
  const path = '/integrations/pagerduty/{tenant_id}';
  it('answers 404 before settings exist, 200 with the key masked after, 422 for a bad key, 404 to another tenant’s key', async () => {
    expectConforms(await internal('get', `/integrations/pagerduty/${TENANT}`).expect(404), 'get', path);
    expectConforms(await internal('put', `/integrations/pagerduty/${TENANT}`).send({ routing_key: 'R0123456789abcdef0123456789ABCDE' }).expect(200), 'put', path);
    const res = await internal('get', `/integrations/pagerduty/${TENANT}`).expect(200);
    expectConforms(res, 'get', path);
    expect(res.body).toMatchObject({ routing_key: `${'*'.repeat(28)}BCDE`, min_severity: 'critical' });
    expectConforms(await internal('put', `/integrations/pagerduty/${TENANT}`).send({ routing_key: 'short' }).expect(422), 'put', path);
    expectConforms(await internal('get', '/integrations/pagerduty/-bad').expect(422), 'get', path);
    expectConforms(await acme('put', `/integrations/pagerduty/${TENANT}`).send({ routing_key: 'R0123456789abcdef0123456789ABCDE' }).expect(404), 'put', path);
  });
});

describe('POST /test-pages', () => {
  it('answers 200 with what each channel did, 404 to a key bound to another tenant, 422 for a bad user id', async () => {
    await internal('put', `/contacts/${TENANT}/U0TESTER`).send({ phone: '+44 20 7946 0958' }).expect(200);
    const res = await internal('post', '/test-pages').send({ tenant_id: TENANT, slack_user_id: 'U0TESTER' }).expect(200);
    expectConforms(res, 'post', '/test-pages');
    expect(res.body.results.map((r: { outcome: string }) => r.outcome)).toEqual(['sent', 'sent', 'sent']);
    expectConforms(await acme('post', '/test-pages').send({ tenant_id: TENANT, slack_user_id: 'U0TESTER' }).expect(404), 'post', '/test-pages');
    expectConforms(await internal('post', '/test-pages').send({ tenant_id: TENANT, slack_user_id: 'jane' }).expect(422), 'post', '/test-pages');
    // Two more are allowed in the window, then refused.
    await internal('post', '/test-pages').send({ tenant_id: TENANT, slack_user_id: 'U0TESTER' }).expect(200);
    await internal('post', '/test-pages').send({ tenant_id: TENANT, slack_user_id: 'U0TESTER' }).expect(200);
    const refused = await internal('post', '/test-pages').send({ tenant_id: TENANT, slack_user_id: 'U0TESTER' }).expect(429);
    expectConforms(refused, 'post', '/test-pages');
    expect(refused.headers['retry-after']).toBe('600');
  });
});

describe('POST /twilio/* (the gateway’s forwards of Twilio’s webhooks)', () => {
  const status = '/twilio/status/{deliveryId}';
  const keypress = '/twilio/keypress/{deliveryId}';
  it('answer 204 to a status, TwiML to a keypress and an inbound message; 404 for an unknown delivery, 422 for a bad field, 401 to a bound key', async () => {
    const alert = await raise({ targets: [{ phone: '+14155550101' }] });
    const { id } = await backend.db.one<{ id: string }>('SELECT id FROM deliveries WHERE alert_id = $1 LIMIT 1', [alert.id]);
    expectConforms(await internal('post', `/twilio/status/${id}`).send({ MessageSid: 'SM1', MessageStatus: 'delivered' }).expect(204), 'post', status);
    expectConforms(await internal('post', `/twilio/keypress/${id}`).send({ CallSid: 'CA1', Digits: '9' }).expect(200), 'post', keypress);
    expectConforms(await internal('post', '/twilio/inbound').send(exampleOf(operationAt('post', '/twilio/inbound')) as object).expect(200), 'post', '/twilio/inbound');
    for (const path of [status, keypress]) {
      expectConforms(await internal('post', path.replace('{deliveryId}', '7f0e1c9a-0000-4000-8000-000000000000')).send({ CallSid: 'CA404' }).expect(404), 'post', path);
      expectConforms(await internal('post', path.replace('{deliveryId}', id)).send({ Digits: 1 }).expect(422), 'post', path);
    }
    expectConforms(await internal('post', '/twilio/inbound').send({ Body: ['ack'] }).expect(422), 'post', '/twilio/inbound');
    for (const path of [status, keypress, '/twilio/inbound']) expectConforms(await acme('post', path.replace('{deliveryId}', id)).send({}).expect(401), 'post', path);
  });

  it('answer 409 to a copy of a webhook another request is still processing', async () => {
    const alert = await raise({ targets: [{ phone: '+14155550102' }] });
    const { id } = await backend.db.one<{ id: string }>('SELECT id FROM deliveries WHERE alert_id = $1 LIMIT 1', [alert.id]);
    const copies = [
      { path: status, kind: 'status', fields: { MessageSid: 'SM409', MessageStatus: 'read' } },
      { path: keypress, kind: 'keypress', fields: { CallSid: 'CA409', Digits: '1' } },
      { path: '/twilio/inbound', kind: 'inbound', fields: { MessageSid: 'SM409', From: '+14155550102', Body: 'ack' } },
    ] as const;
    for (const { path, kind, fields } of copies) {
      // The first copy, claimed by a request that has not answered yet.
      await claimWebhook(backend.db, { key: twilioWebhookKey(kind, fields)!, kind, receivedAt: new Date() }, 60_000);
      const copy = await internal('post', path.replace('{deliveryId}', id)).send(fields).expect(409);
      expect(copy.body).toEqual({ error: 'in_progress', detail: expect.stringContaining('being processed by another request') });
      expectConforms(copy, 'post', path);
    }
  });
});

describe('schedules, overrides, escalation policies, services and who is on call', () => {
  const schedule = '/schedules/{tenant_id}/{name}';
  const policy = '/escalation-policies/{tenant_id}/{name}';
  const service = '/services/{tenant_id}/{name}';
  const overrides = '/schedules/{tenant_id}/{name}/overrides';
  const override = '/schedules/{tenant_id}/{name}/overrides/{id}';
  const example = (method: HttpMethod, path: string) => exampleOf(operationAt(method, path)) as object;
  const named = (path: string, name: string) => path.replace('{tenant_id}', TENANT).replace('{name}', name);

  it('answer 201 then 200 to the documented examples, 200 to reads and lists, 204 to deletes', async () => {
    for (const [path, name] of [[schedule, 'payments'], [policy, 'payments-escalation'], [service, 'payments-api']] as const) {
      expectConforms(await internal('put', named(path, name)).send(example('put', path)).expect(201), 'put', path);
      expectConforms(await internal('put', named(path, name)).send(example('put', path)).expect(200), 'put', path);
      expectConforms(await internal('get', named(path, name)).expect(200), 'get', path);
      const list = path.replace('/{name}', '');
      expectConforms(await internal('get', list.replace('{tenant_id}', TENANT)).expect(200), 'get', list);
    }
    expectConforms(await internal('post', `${named(schedule, 'payments')}/calendar-token`).expect(200), 'post', `${schedule}/calendar-token`);
    expectConforms(await internal('get', `${named(schedule, 'payments')}/oncall?at=2026-12-24T12:00:00Z`).expect(200), 'get', `${schedule}/oncall`);
    expectConforms(await internal('get', `${named(schedule, 'payments')}/oncall?until=2099-01-01T00:00:00Z&at=2098-12-01T00:00:00Z`).expect(200), 'get', `${schedule}/oncall`);
    const created = await internal('post', named(overrides, 'payments')).send(example('post', overrides)).expect(201);
    expectConforms(created, 'post', overrides);
    expectConforms(await internal('get', `${named(overrides, 'payments')}?from=2026-12-24T00:00:00Z`).expect(200), 'get', overrides);
    expectConforms(await internal('delete', named(override, 'payments').replace('{id}', created.body.id)).expect(204), 'delete', override);
    expectConforms(await internal('get', `/oncall/${TENANT}`).expect(200), 'get', '/oncall/{tenant_id}');
    // Not the example's user group: a group pages one service, and payments-api has it.
    expectConforms(await internal('put', named(service, 'short-lived')).send({ escalation_policy: 'payments-escalation' }).expect(201), 'put', service);
    expectConforms(await internal('delete', named(service, 'short-lived')).expect(204), 'delete', service);
    await internal('put', named(policy, 'unused')).send(example('put', policy)).expect(201);
    expectConforms(await internal('delete', named(policy, 'unused')).expect(204), 'delete', policy);
    await internal('put', named(schedule, 'unused')).send(example('put', schedule)).expect(201);
    expectConforms(await internal('delete', named(schedule, 'unused')).expect(204), 'delete', schedule);
  });

  it('answer 409 naming who uses what is to be deleted', async () => {
    expectConforms(await internal('delete', named(schedule, 'payments')).expect(409), 'delete', schedule);
    expectConforms(await internal('delete', named(policy, 'payments-escalation')).expect(409), 'delete', policy);
  });

  it('answer 404 for what the tenant does not have, or another tenant’s (a bound key)', async () => {
    for (const path of [schedule, policy, service]) {
      for (const method of ['put', 'get', 'delete'] as const) expectConforms(await acme(method, named(path, 'payments')).send(example('put', path)).expect(404), method, path);
      const list = path.replace('/{name}', '');
      expectConforms(await acme('get', list.replace('{tenant_id}', TENANT)).expect(404), 'get', list);
    }
    expectConforms(await internal('post', `${named(schedule, 'nothing-here')}/calendar-token`).expect(404), 'post', `${schedule}/calendar-token`);
    expectConforms(await internal('get', `${named(schedule, 'nothing-here')}/oncall`).expect(404), 'get', `${schedule}/oncall`);
    expectConforms(await internal('post', named(overrides, 'nothing-here')).send(example('post', overrides)).expect(404), 'post', overrides);
    expectConforms(await internal('get', named(overrides, 'nothing-here')).expect(404), 'get', overrides);
    expectConforms(await internal('delete', named(override, 'payments').replace('{id}', '00000000-0000-4000-8000-000000000000')).expect(404), 'delete', override);
    expectConforms(await internal('get', `/oncall/${TENANT}?name=nothing-here`).expect(404), 'get', '/oncall/{tenant_id}');
  });
});

describe('maintenance windows and heartbeats', () => {
  const service = '/services/{tenant_id}/{name}';
  const maintenance = `${service}/maintenance`;
  const window = `${maintenance}/{id}`;
  const heartbeat = '/heartbeats/{tenant_id}/{name}';
  const named = (path: string, name: string) => path.replace('{tenant_id}', TENANT).replace('{name}', name);
  const inAnHour = () => new Date(backend.backend.clock.now().getTime() + 3_600_000).toISOString();
  const beat = { service: 'checkout', interval: '1m', grace: '30s' };

  beforeAll(async () => {
    await internal('put', named('/escalation-policies/{tenant_id}/{name}', 'checkout-escalation')).send({ steps: [{ targets: [{ person: 'U024BE7LH' }], escalate_after: '5m' }] }).expect(201);
    await internal('put', named(service, 'checkout')).send({ escalation_policy: 'checkout-escalation' }).expect(201);
  });

  it('answer 201, 200 and 204 to windows and heartbeats, and 409 to deleting a service a heartbeat uses', async () => {
    const opened = await internal('post', named(maintenance, 'checkout')).send({ end: inAnHour(), reason: 'deploying 4.2' }).expect(201);
    expectConforms(opened, 'post', maintenance);
    expectConforms(await internal('get', named(maintenance, 'checkout')).expect(200), 'get', maintenance);
    expectConforms(await internal('get', `/maintenance/${TENANT}`).expect(200), 'get', '/maintenance/{tenant_id}');
    expectConforms(await internal('delete', named(window, 'checkout').replace('{id}', opened.body.id)).expect(200), 'delete', window);

    expectConforms(await internal('put', named(heartbeat, 'nightly')).send(beat).expect(201), 'put', heartbeat);
    expectConforms(await internal('put', named(heartbeat, 'nightly')).send(exampleOf(operationAt('put', heartbeat)) as object).expect(422), 'put', heartbeat);
    expectConforms(await internal('put', named(heartbeat, 'nightly')).send(beat).expect(200), 'put', heartbeat);
    expectConforms(await internal('get', named(heartbeat, 'nightly')).expect(200), 'get', heartbeat);
    expectConforms(await internal('get', `/heartbeats/${TENANT}`).expect(200), 'get', '/heartbeats/{tenant_id}');
    expectConforms(await internal('post', `${named(heartbeat, 'nightly')}/ping`).expect(200), 'post', `${heartbeat}/ping`);
    expectConforms(await internal('delete', named(service, 'checkout')).expect(409), 'delete', service);
    expectConforms(await internal('delete', named(heartbeat, 'nightly')).expect(204), 'delete', heartbeat);
  });

  it('answer 404 for what the tenant does not have, or another tenant’s (a bound key)', async () => {
    expectConforms(await internal('post', named(maintenance, 'nothing-here')).send({ end: inAnHour() }).expect(404), 'post', maintenance);
    expectConforms(await internal('get', named(maintenance, 'nothing-here')).expect(404), 'get', maintenance);
    expectConforms(await internal('delete', named(window, 'checkout').replace('{id}', '00000000-0000-4000-8000-000000000000')).expect(404), 'delete', window);
    expectConforms(await acme('get', `/maintenance/${TENANT}`).expect(404), 'get', '/maintenance/{tenant_id}');
    for (const method of ['put', 'get', 'delete'] as const) expectConforms(await acme(method, named(heartbeat, 'nightly')).send(beat).expect(404), method, heartbeat);
    expectConforms(await acme('get', `/heartbeats/${TENANT}`).expect(404), 'get', '/heartbeats/{tenant_id}');
    expectConforms(await internal('post', `${named(heartbeat, 'nothing-here')}/ping`).expect(404), 'post', `${heartbeat}/ping`);
  });
});

describe('the on-call config as one document', () => {
  const config = '/oncall-config/{tenant_id}';
  const url = config.replace('{tenant_id}', `${TENANT}-CONFIG`);

  it('answers the plan to the documented example, dry run or not, and exports it', async () => {
    const example = exampleOf(operationAt('post', config)) as object;
    expectConforms(await internal('post', `${url}?dry_run=true`).send(example).expect(200), 'post', config);
    expectConforms(await internal('post', url).send(example).expect(200), 'post', config);
    expectConforms(await internal('get', url).expect(200), 'get', config);
  });

  it('answers 422 naming each problem, and 404 for another tenant (a bound key)', async () => {
    expectConforms(await internal('post', url).send({ services: { api: { escalation_policy: 'nope' } } }).expect(422), 'post', config);
    expectConforms(await acme('post', url).send({}).expect(404), 'post', config);
    expectConforms(await acme('get', url).expect(404), 'get', config);
  });
});

describe('GET /calendar-feed', () => {
  it('answers 200 with the feed (text/calendar) to a schedule’s token, 404 to any other', async () => {
    const created = await internal('put', `/schedules/${TENANT}/calendar-feed`).send({ time_zone: 'UTC', layers: [{ members: ['U0CAL'], shift: '1w', handoff: '2026-12-07T09:00' }] });
    const token = /\/calendar\/([A-Za-z0-9_-]+)\.ics$/.exec(String(created.body.ical_url))![1]!;
    expectConforms(await internal('get', '/calendar-feed').set('x-calendar-token', token).expect(200), 'get', '/calendar-feed');
    expectConforms(await internal('get', '/calendar-feed').set('x-calendar-token', `${token}x`).expect(404), 'get', '/calendar-feed');
  });
});

describe('public routes', () => {
  it('GET /health answers 200 healthy without a key', async () => {
    expectConforms(await request(backend.app).get('/health').expect(200), 'get', '/health');
  });

  it('GET /metrics answers Prometheus text without a key', async () => {
    const res = await request(backend.app).get('/metrics').expect(200);
    expectConforms(res, 'get', '/metrics');
    expect(res.text).toContain('# TYPE');
  });
});

// Last on purpose (jest runs a file's tests in order): it needs the whole file to have run.
it('exercised every documented response of every route', () => {
  const documented = operations.flatMap((op) => Object.keys(responsesOf(op.operation)).map((status) => responseKey(op.method, op.path, status)));
  expect(documented.filter((key) => !exercised.has(key))).toEqual([]);
});

interface RouterLayer {
  route?: { path: unknown; methods: Record<string, boolean | undefined> };
  handle: { stack?: RouterLayer[] };
  slash?: boolean;
}

/** `METHOD /path/{param}` of every route registered on the app, nested routers included (Express 5 / router 2). */
function registeredRoutes(app: ReturnType<typeof createApp>): string[] {
  const routes: string[] = [];
  const walk = (stack: RouterLayer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        if (typeof layer.route.path !== 'string') throw new Error(`route ${String(layer.route.path)} is not a plain path: teach this walker`);
        const path = layer.route.path.replace(/:(\w+)/g, '{$1}');
        for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') routes.push(`${method.toUpperCase()} ${path}`);
      } else if (layer.handle.stack) {
        // Routers are mounted at the root today; one mounted under a prefix would need that prefix here.
        if (!layer.slash) throw new Error('a router is mounted under a path prefix: teach this walker to add it');
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as unknown as { router: { stack: RouterLayer[] } }).router.stack);
  return routes.sort();
}
