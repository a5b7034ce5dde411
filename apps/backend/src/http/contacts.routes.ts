import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { SLACK_USER_ID_PATTERN, tenantIdSchema, upsertContactRequestSchema } from '@klaxon/contracts';
import type { ContactService } from '../contacts/contact.service';
import type { PhoneVerificationService } from '../contacts/phone-verification.service';
import { maskPhone } from '@klaxon/logger';
import { AppError, NotFoundError, ValidationError } from '../common/errors';
import { toContactDto, toContactImportDto } from './contact.serializer';
import { callerOf } from './service-key.middleware';
import { parseInput } from './validate';

/**
 * The largest directory CSV accepted. A 10,000-line file with long names and addresses is about 1 MB;
 * five times that leaves room for a large company without letting one request hold much memory.
 */
export const IMPORT_BODY_LIMIT_BYTES = 5 * 1024 * 1024;
export const CSV_MEDIA_TYPE = 'text/csv';

export const importQuerySchema = z.strictObject({
  tenant_id: tenantIdSchema,
  dry_run: z.enum(['true', 'false'], 'true or false').optional(),
  overwrite: z.literal('self', '"self" (replace numbers people set themselves too)').optional(),
});
export const exportQuerySchema = z.strictObject({ tenant_id: tenantIdSchema });

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
    const body = parseInput(upsertContactRequestSchema, req.body);
    const contact = await contacts.update(tenantId, slackUserId, {
      name: body.name,
      phone: body.phone,
      email: body.email,
      channels: body.channels,
      timeZone: body.time_zone,
      quietHours: body.quiet_hours,
    });
    res.json(toContactDto(contact, await phones.pending(tenantId, slackUserId)));
  });

  router.get('/contacts/:tenant_id/:slack_user_id', async (req, res) => {
    const { tenantId, slackUserId } = contactParams(req, res);
    const [contact, pending] = await Promise.all([contacts.find(tenantId, slackUserId), phones.pending(tenantId, slackUserId)]);
    if (!contact) {
      // Someone who only gave a number in Slack has no contact yet; the operator still learns the number waits.
      const waiting = pending ? ` (a number given with /alert phone, ${maskPhone(pending.phone)}, waits for its code)` : '';
      throw new NotFoundError(`nothing is stored for ${slackUserId} in tenant ${tenantId}${waiting}`);
    }
    res.json(toContactDto(contact, pending));
  });

  return router;
}

export function contactParams(req: Request, res: Response): { tenantId: string; slackUserId: string } {
  const tenantId = String(req.params.tenant_id);
  const slackUserId = String(req.params.slack_user_id);
  const tenant = tenantIdSchema.safeParse(tenantId);
  if (!tenant.success) throw new ValidationError(`tenant_id: ${tenant.error.issues[0]?.message ?? 'invalid'}`);
  if (!SLACK_USER_ID_PATTERN.test(slackUserId)) throw new ValidationError('slack_user_id: a Slack user id such as U024BE7LH');
  ownTenant(res, tenantId);
  return { tenantId, slackUserId };
}

function ownTenant(res: Response, tenantId: string): void {
  const caller = callerOf(res);
  // Another tenant's contacts look exactly like missing ones, so a bound key cannot probe them.
  if (caller.tenantId !== null && caller.tenantId !== tenantId) throw new NotFoundError(`no tenant ${tenantId}`);
}
