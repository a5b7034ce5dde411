import { Router, type Request, type Response } from 'express';
import { SLACK_USER_ID_PATTERN, tenantIdSchema, upsertContactRequestSchema } from '@klaxon/contracts';
import type { ContactService } from '../contacts/contact.service';
import { NotFoundError, ValidationError } from '../errors';
import { toContactDto } from './contact.serializer';
import { callerOf } from './service-key.middleware';
import { parseInput } from './validate';

export function contactsRouter({ contacts }: { contacts: ContactService }): Router {
  const router = Router();

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
    res.json(toContactDto(contact));
  });

  router.get('/contacts/:tenant_id/:slack_user_id', async (req, res) => {
    const { tenantId, slackUserId } = contactParams(req, res);
    res.json(toContactDto(await contacts.get(tenantId, slackUserId)));
  });

  return router;
}

function contactParams(req: Request, res: Response): { tenantId: string; slackUserId: string } {
  const tenantId = String(req.params.tenant_id);
  const slackUserId = String(req.params.slack_user_id);
  const tenant = tenantIdSchema.safeParse(tenantId);
  if (!tenant.success) throw new ValidationError(`tenant_id: ${tenant.error.issues[0]?.message ?? 'invalid'}`);
  if (!SLACK_USER_ID_PATTERN.test(slackUserId)) throw new ValidationError('slack_user_id: a Slack user id such as U024BE7LH');
  const caller = callerOf(res);
  // Another tenant's contacts look exactly like missing ones, so a bound key cannot probe them.
  if (caller.tenantId !== null && caller.tenantId !== tenantId) throw new NotFoundError(`no tenant ${tenantId}`);
  return { tenantId, slackUserId };
}
