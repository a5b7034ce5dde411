import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { CONTACT_CSV_COLUMNS, SLACK_USER_ID_PATTERN, tenantIdSchema, upsertContactRequestSchema } from '@klaxon/contracts';
import type { ContactService } from '../contacts/contact.service';
import type { PhoneVerificationService } from '../contacts/phone-verification.service';
import { maskPhone } from '@klaxon/logger';
import { AppError, NotFoundError } from '../common/errors';
import { toContactDto, toContactImportDto } from './contact.serializer';
import { contactImportSchema, contactSchema } from './contact.schemas';
import { described, ERRORS, errorResponse, json, type RouteDoc } from './openapi-kit';
import { callerOf } from './service-key.middleware';
import { parseInput } from './validate';

/**
 * The largest directory CSV accepted. A 10,000-line file with long names and addresses is about 1 MB;
 * five times that leaves room for a large company without letting one request hold much memory.
 */
const IMPORT_BODY_LIMIT_BYTES = 5 * 1024 * 1024;
const CSV_MEDIA_TYPE = 'text/csv';

const importQuerySchema = z.strictObject({
  tenant_id: tenantIdSchema,
  dry_run: z.enum(['true', 'false'], 'true or false').optional(),
  overwrite: z.literal('self', '"self" (replace numbers people set themselves too)').optional(),
});
const exportQuerySchema = z.strictObject({ tenant_id: tenantIdSchema });

/** The path of a person's routes: `/contacts/:tenant_id/:slack_user_id` and the gateway's `/slack/contacts/…`. */
export const contactPathSchema = z.object({ tenant_id: tenantIdSchema, slack_user_id: z.string().regex(SLACK_USER_ID_PATTERN, 'a Slack user id such as U024BE7LH') });

export function contactsRouter({ contacts, phones }: { contacts: ContactService; phones: PhoneVerificationService }): Router {
  const router = Router();

  // Its own parser: a directory is far larger than the JSON limit, and only this route needs that.
  router.post('/contacts/import', express.text({ type: CSV_MEDIA_TYPE, limit: IMPORT_BODY_LIMIT_BYTES, defaultCharset: 'utf-8' }), async (req, res) => {
    const query = parseInput(importQuerySchema, req.query, 'query');
    ownTenant(res, query.tenant_id);
    if (!req.is(CSV_MEDIA_TYPE) || typeof req.body !== 'string') {
      throw new AppError('unsupported_media_type', 415, `content-type: send the file as ${CSV_MEDIA_TYPE} (header line slack_user_id,name,phone,email,channels,time_zone)`);
    }
    const dryRun = query.dry_run === 'true';
    const result = await contacts.importCsv(query.tenant_id, req.body, { dryRun, overwriteSelf: query.overwrite === 'self' });
    res.json(toContactImportDto(query.tenant_id, dryRun, result));
  });

  router.get('/contacts/export', async (req, res) => {
    const { tenant_id: tenantId } = parseInput(exportQuerySchema, req.query, 'query');
    ownTenant(res, tenantId);
    const lines = await contacts.exportCsv(tenantId);
    // Full numbers and addresses: nothing on the way may keep a copy.
    res.set('cache-control', 'no-store');
    res.attachment(`contacts-${tenantId}.csv`);
    res.type(`${CSV_MEDIA_TYPE}; charset=utf-8`);
    res.send([...lines].join(''));
  });

  router.put('/contacts/:tenant_id/:slack_user_id', async (req, res) => {
    const { tenantId, slackUserId } = contactParams(req, res);
    const body = parseInput(contacts.requestSchema, req.body);
    const contact = await contacts.update(tenantId, slackUserId, {
      name: body.name,
      phone: body.phone,
      email: body.email,
      channels: body.channels,
      timeZone: body.time_zone,
      quietHours: body.quiet_hours,
    });
    res.json(toContactDto(contact, await phones.pending(tenantId, slackUserId), contacts.channelLabels()));
  });

  router.get('/contacts/:tenant_id/:slack_user_id', async (req, res) => {
    const { tenantId, slackUserId } = contactParams(req, res);
    const [contact, pending] = await Promise.all([contacts.find(tenantId, slackUserId), phones.pending(tenantId, slackUserId)]);
    if (!contact) {
      // Someone who only gave a number in Slack has no contact yet; the operator still learns the number waits.
      const waiting = pending ? ` (a number given with /alert phone, ${maskPhone(pending.phone)}, waits for its code)` : '';
      throw new NotFoundError(`nothing is stored for ${slackUserId} in tenant ${tenantId}${waiting}`);
    }
    res.json(toContactDto(contact, pending, contacts.channelLabels()));
  });

  return router;
}

export function contactParams(req: Request, res: Response): { tenantId: string; slackUserId: string } {
  const { tenant_id: tenantId, slack_user_id: slackUserId } = parseInput(contactPathSchema, req.params, 'path');
  ownTenant(res, tenantId);
  return { tenantId, slackUserId };
}

function ownTenant(res: Response, tenantId: string): void {
  const caller = callerOf(res);
  // Another tenant's contacts look exactly like missing ones, so a bound key cannot probe them.
  if (caller.tenantId !== null && caller.tenantId !== tenantId) throw new NotFoundError(`no tenant ${tenantId}`);
}

/** The path of a person's routes, described. */
export const contactPath = described(contactPathSchema, { tenant_id: 'The tenant (Slack team id).', slack_user_id: 'The Slack user.' });

const CONTACT_ERRORS = { 401: ERRORS.unauthorized, 404: ERRORS.notFound, 422: ERRORS.invalidField, 503: ERRORS.databaseUnavailable };

export const contactsPaths: RouteDoc[] = [
  {
    method: 'put',
    path: '/contacts/{tenant_id}/{slack_user_id}',
    operationId: 'setContact',
    summary: 'Set a person’s own number, email and preferences',
    description:
      'What `/alert email` and `/alert prefs` send, and operators. Give any of the fields; those not given stay as stored, and `null` clears `email`, `time_zone` or `quiet_hours`. ' +
      'The number is normalised to E.164 (numbers without `+` are read in DEFAULT_PHONE_REGION) and wins over the Slack profile from then on; the email is lower-cased. ' +
      'A number set here is trusted as given (no code) and drops any number the person gave in Slack that is still waiting for its code; `/alert phone` itself goes through `/slack/contacts/…/phone`. ' +
      '422 names the field when the result would not hold together: `email` among the channels without an address, quiet hours without a time zone.',
    tags: ['contacts'],
    request: {
      params: contactPath,
      body: {
        required: true,
        content: {
          'application/json': {
            schema: upsertContactRequestSchema.meta({ id: 'UpsertContactRequest' }),
            // eslint-disable-next-line no-restricted-syntax -- an example body names channels as a caller writes them
            example: { phone: '+44 20 7946 0958', email: 'Jane@Example.com', channels: ['whatsapp', 'voice', 'email'], time_zone: 'Europe/London', quiet_hours: { start: '22:00', end: '07:00' } },
          },
        },
      },
    },
    responses: {
      200: json('The contact as stored, phone and email masked.', contactSchema),
      400: ERRORS.invalidJson,
      413: ERRORS.payloadTooLarge,
      ...CONTACT_ERRORS,
    },
  },
  {
    method: 'get',
    path: '/contacts/{tenant_id}/{slack_user_id}',
    operationId: 'getContact',
    summary: 'Show a person’s stored contact',
    tags: ['contacts'],
    request: { params: contactPath },
    responses: { 200: json('The contact, phone and email masked.', contactSchema), ...CONTACT_ERRORS },
  },
  {
    method: 'post',
    path: '/contacts/import',
    operationId: 'importContacts',
    summary: 'Import a contact directory (CSV)',
    description:
      `\`${CSV_MEDIA_TYPE}\` with a header line naming some of the columns ${CONTACT_CSV_COLUMNS.join(', ')} (\`slack_user_id\` required), up to ${IMPORT_BODY_LIMIT_BYTES / 1024 / 1024} MB. ` +
      'Every row is checked with the rules of `PUT /contacts` (phone to E.164, email, channels separated by `;`, IANA time zone); an empty cell keeps what is stored. ' +
      "A cell that starts with `'` before `=`, `+`, `-`, `@`, a tab or a carriage return loses that one quote (the export’s guard against spreadsheet formulas). " +
      'The valid rows are written in one transaction and the others listed by line and column; the answer is 200 either way. ' +
      'Imported numbers replace a copy of the Slack profile number, never one the person set themselves unless `overwrite=self`; imported rows get source `import`. A number imported is trusted as given and drops any number waiting for its code.',
    tags: ['contacts'],
    request: {
      query: described(importQuerySchema, {
        tenant_id: 'The tenant whose directory this is; a key bound to a tenant may import only its own.',
        dry_run: '`true`: check and count, write nothing.',
        overwrite: '`self`: replace numbers (and fields) people set themselves too.',
      }),
      body: {
        required: true,
        content: {
          [CSV_MEDIA_TYPE]: {
            schema: { type: 'string' },
            example: `${CONTACT_CSV_COLUMNS.join(',')}\nU024BE7LH,Jane Doe,+44 20 7946 0958,jane@example.com,whatsapp;voice;email,Europe/London\n`,
          },
        },
      },
    },
    responses: {
      200: json('What was imported (or would be, on a dry run), and the refused lines.', contactImportSchema),
      413: errorResponse('payload_too_large', `The CSV is larger than ${IMPORT_BODY_LIMIT_BYTES / 1024 / 1024} MB; split it and import the parts.`),
      415: errorResponse('unsupported_media_type', `The body is not sent as \`${CSV_MEDIA_TYPE}\`.`),
      ...CONTACT_ERRORS,
    },
  },
  {
    method: 'get',
    path: '/contacts/export',
    operationId: 'exportContacts',
    summary: 'Export a contact directory (CSV)',
    description:
      'The tenant’s contacts in the import’s format, numbers and addresses in full (the operator’s own data; `Cache-Control: no-store`). Quiet hours are not part of the file. ' +
      "A cell other than `phone` that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is written with a leading `'` so a spreadsheet shows it as text (OWASP’s CSV injection advice); the import removes that quote again.",
    tags: ['contacts'],
    request: { query: described(exportQuerySchema, { tenant_id: 'The tenant; a key bound to a tenant may export only its own.' }) },
    responses: { 200: { description: 'The directory, header first.', content: { [CSV_MEDIA_TYPE]: { schema: { type: 'string' } } } }, ...CONTACT_ERRORS },
  },
];
