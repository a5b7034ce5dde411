import { Router, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import { TEST_PAGE_OUTCOMES, testPagesRequestSchema, type TestPageResultDto, type TestPagesDto, type TestPagesRequest } from '@klaxon/contracts';
import { NotFoundError, RateLimitedError } from '../common/errors';
import type { TestPages } from '../notify/test-pages';
import { bodyOf, channelLabels, channelName, ERRORS, errorResponse, json, type RouteDoc } from './openapi-kit';
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
      channel_labels: report.channelLabels,
    };
    res.json(dto);
  });
  return router;
}

const testPageResultSchema = bodyOf<TestPageResultDto>()(
  z.strictObject({
    channel: channelName('The channel of this TEST page.'),
    to: z.string().nullable().describe('The address, masked; null when the person has none for this channel.'),
    outcome: z.enum(TEST_PAGE_OUTCOMES).describe('`sent`: the provider accepted it; `failed`: it refused (see `detail`); `no_address`: nothing to send to.'),
    provider_message_id: z.string().nullable().describe('Twilio SID, SMTP Message-ID.'),
    detail: z.string().nullable().describe('Why it was not sent, in the provider’s words.'),
  }),
);

const testPagesSchema = bodyOf<TestPagesDto>()(
  z
    .strictObject({
      tenant_id: z.string(),
      slack_user_id: z.string(),
      reason: z.string().nullable().describe('Why the person could not be paged at all (no number or address found); null when they could.'),
      results: z.array(testPageResultSchema).describe('One entry per channel the person accepts, in their order.'),
      channel_labels: channelLabels,
    })
    .meta({ id: 'TestPages', description: 'What each channel’s TEST page did. No alert was created.' }),
);

export const testPagesPaths: RouteDoc[] = [
  {
    method: 'post',
    path: '/test-pages',
    operationId: 'sendTestPages',
    summary: 'Send a person a page marked TEST on each channel they accept',
    description:
      `What \`/alert test\` sends (at most ${TEST_PAGES_PER_USER} per person in ${TEST_PAGES_WINDOW_MS / 60_000} minutes). Each accepted channel gets one TEST page straight through its sender, one after another; the answer says per channel what the provider did. ` +
      'No alert, delivery, escalation or channel message is created: nothing shows in lists or counts.',
    tags: ['contacts'],
    request: { body: { required: true, content: { 'application/json': { schema: testPagesRequestSchema.meta({ id: 'TestPagesRequest' }), example: { tenant_id: 'T024BE7LD', slack_user_id: 'U024BE7LH' } } } } },
    responses: {
      200: json('What happened on each channel.', testPagesSchema),
      400: ERRORS.invalidJson,
      401: ERRORS.unauthorized,
      404: ERRORS.notFound,
      422: ERRORS.invalidField,
      429: errorResponse('rate_limited', `More than ${TEST_PAGES_PER_USER} test pages for this person in ${TEST_PAGES_WINDOW_MS / 60_000} minutes; \`Retry-After\` says how long to wait.`),
    },
  },
];
