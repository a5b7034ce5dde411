import { Router } from 'express';
import { testPagesRequestSchema, type TestPagesDto } from '@klaxon/contracts';
import { NotFoundError } from '../errors';
import type { TestPages } from '../notify/test-pages';
import { callerOf } from './service-key.middleware';
import { parseInput } from './validate';

/** `/alert test`: sends the person a TEST page on each channel they accept and answers what happened. */
export function testPagesRouter({ testPages }: { testPages: TestPages }): Router {
  const router = Router();
  router.post('/test-pages', async (req, res) => {
    const body = parseInput(testPagesRequestSchema, req.body);
    const caller = callerOf(res);
    // Another tenant's people look exactly like missing ones, so a bound key cannot probe them.
    if (caller.tenantId !== null && caller.tenantId !== body.tenant_id) throw new NotFoundError(`no tenant ${body.tenant_id}`);
    const report = await testPages.send(body.tenant_id, body.slack_user_id);
    const dto: TestPagesDto = {
      tenant_id: body.tenant_id,
      slack_user_id: body.slack_user_id,
      reason: report.reason,
      results: report.results.map((r) => ({ channel: r.channel, to: r.to, outcome: r.outcome, provider_message_id: r.providerMessageId, detail: r.detail })),
    };
    res.json(dto);
  });
  return router;
}
