import { Router, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { testPagesRequestSchema, type TestPagesDto, type TestPagesRequest } from '@klaxon/contracts';
import { NotFoundError, RateLimitedError } from '../common/errors';
import type { TestPages } from '../notify/test-pages';
import { callerOf } from './service-key.middleware';
import { parseInput } from './validate';

// A test sends up to one page per channel and bypasses the delivery limits (it creates no delivery): a few
// per person every ten minutes are enough to try a change, and keep a loop from running up a Twilio bill.
export const TEST_PAGES_PER_USER = 3;
const TEST_PAGES_WINDOW_MS = 10 * 60_000;

const requestOf = (res: Response): TestPagesRequest => res.locals.testPages as TestPagesRequest;

/** `/alert test`: sends the person a TEST page on each channel they accept and answers what happened. */
export function testPagesRouter({ testPages }: { testPages: TestPages }): Router {
  const router = Router();
  const limit = rateLimit({
    windowMs: TEST_PAGES_WINDOW_MS,
    limit: TEST_PAGES_PER_USER,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: (_req, res) => `${requestOf(res).tenant_id}:${requestOf(res).slack_user_id}`,
    handler: (_req, res, next) => {
      res.setHeader('Retry-After', String(Math.ceil(TEST_PAGES_WINDOW_MS / 1000)));
      next(new RateLimitedError(`${requestOf(res).slack_user_id} has sent ${TEST_PAGES_PER_USER} test pages in the last ${TEST_PAGES_WINDOW_MS / 60_000} min; try again later`));
    },
  });
  // Checked (body, tenant scope) before the limiter, so a refused request uses up nobody's budget.
  const check = (req: { body: unknown }, res: Response, next: () => void) => {
    const body = parseInput(testPagesRequestSchema, req.body);
    const caller = callerOf(res);
    // Another tenant's people look exactly like missing ones, so a bound key cannot probe them.
    if (caller.tenantId !== null && caller.tenantId !== body.tenant_id) throw new NotFoundError(`no tenant ${body.tenant_id}`);
    res.locals.testPages = body;
    next();
  };
  router.post('/test-pages', check, limit, async (_req, res) => {
    const body = requestOf(res);
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
