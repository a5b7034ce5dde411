import type { App } from '@slack/bolt';
import type { Logger } from '@klaxon/logger';
import type { BackendClient } from '../backend-client';
import type { ForwardLimiter } from '../forward-limiter';
import type { InFlight } from '../in-flight';
import type { PageCounts } from '../page-counts';
import { runCommand } from './command-handlers';
import { parseAlertCommand } from './command-parser';
import { helpMessage, overloaded, workingOn } from './messages';

export interface AlertCommandOptions {
  backend: BackendClient;
  logger: Logger;
  /** Where the work after the ack is registered, so a stopping gateway finishes it. */
  inFlight: InFlight;
  /** Bounds the forwards running and waiting; a command beyond them is refused in its ack. */
  forwards: ForwardLimiter;
  /** What became of each page. */
  counts: PageCounts;
  /** How long a page keeps retrying a backend that is down (same request id, so never a second alert). */
  pageRetryBudgetMs?: number;
  now?: () => Date;
}

// The gateway's drain on SIGTERM (app.ts) waits this long plus the outcome message, so a page in its retry
// loop either gets through or its author is told it did not.
export const DEFAULT_PAGE_RETRY_BUDGET_MS = 10_000;

/** `/alert`: parse, ack at once (Slack gives 3 s), then call the backend and tell the caller how it went. */
export function registerAlertCommand(
  app: App,
  { backend, logger, inFlight, forwards, counts, pageRetryBudgetMs = DEFAULT_PAGE_RETRY_BUDGET_MS, now = () => new Date() }: AlertCommandOptions,
): void {
  app.command('/alert', async ({ command, ack, respond }) => {
    const parsed = parseAlertCommand(command.text);
    if (parsed.kind === 'help') {
      await ack({ response_type: 'ephemeral', text: helpMessage(parsed.problem) });
      return;
    }
    const isPage = parsed.kind === 'page';
    const admitted = forwards.admit();
    if (!admitted) {
      // Decided before the ack, so the ack says it: the author knows at once, and nothing waits in memory.
      if (isPage) counts.overloaded++;
      logger.warn('overloaded: command refused in its ack', { command: parsed.kind, tenantId: command.team_id, ...forwards.load() });
      await ack({ response_type: 'ephemeral', text: overloaded(parsed) });
      return;
    }
    try {
      await ack({ response_type: 'ephemeral', text: workingOn(parsed) });
    } catch (error) {
      // Slack never heard of it: give the slot back and let Bolt report the failure.
      void admitted(async () => undefined);
      throw error;
    }
    if (isPage) counts.acked++;

    await inFlight.track(
      admitted(async () => {
        let raised = false;
        const text = await runCommand(parsed, {
          backend,
          logger,
          tenantId: command.team_id,
          userId: command.user_id,
          channelId: command.channel_id,
          responseUrl: command.response_url,
          // Slack resends the same trigger_id when it retries a command, so a retry maps to the same request.
          requestId: `slack-${command.trigger_id}`,
          pageRetryBudgetMs,
          now,
          onPageOutcome: (outcome) => {
            raised = outcome;
            if (outcome) counts.raised++;
          },
        });
        try {
          // Not replacing the ack line: both stay, so the author sees what was asked and what happened.
          await respond({ response_type: 'ephemeral', replace_original: false, text });
          if (isPage && !raised) counts.toldFailed++;
        } catch (error) {
          if (!isPage || raised) throw error;
          counts.untold++;
          logger.error('NOTHING PAGED AND THE AUTHOR COULD NOT BE TOLD: the response_url refused the message', { tenantId: command.team_id, slackUserId: command.user_id, error });
        }
      }),
    );
  });
}
