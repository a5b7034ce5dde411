import type { Logger } from '@klaxon/logger';

export const FAILPOINT_AFTER_CLAIM_VARIABLE = 'KLAXON_FAILPOINT_AFTER_CLAIM_MS';

export interface Failpoints {
  /** Holds every delivery between its claim and its send (see DeliverySenderOptions.afterClaim). */
  afterClaim?: () => Promise<void>;
}

/**
 * Test-only fault injection: KLAXON_FAILPOINT_AFTER_CLAIM_MS lets a crash test SIGKILL the backend at the
 * one point that matters for "sent once". It is read here and nowhere else, and production never honours
 * it: a stray variable in a deployment must not be able to delay every page.
 */
export function failpointsFrom(env: Record<string, string | undefined>, nodeEnv: string, logger: Logger): Failpoints {
  const raw = env[FAILPOINT_AFTER_CLAIM_VARIABLE];
  if (raw === undefined || raw === '') return {};
  if (nodeEnv === 'production') {
    logger.error(`${FAILPOINT_AFTER_CLAIM_VARIABLE} is a test-only setting and is ignored in production; remove it from the environment`);
    return {};
  }
  const holdMs = Number(raw);
  if (!Number.isFinite(holdMs) || holdMs <= 0) return {};
  logger.warn('FAILPOINT active: deliveries pause after their claim', { holdMs });
  return { afterClaim: () => new Promise((resolve) => setTimeout(resolve, holdMs)) };
}
