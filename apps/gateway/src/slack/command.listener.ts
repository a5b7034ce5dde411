import type { App } from '@slack/bolt';
import type { Logger } from '@klaxon/logger';
import type { BackendClient } from '../backend-client';
import type { ForwardLimiter } from '../forward-limiter';
import type { InFlight } from '../in-flight';
import type { PageCounts } from '../page-counts';
import { settledWithin } from '../settled-within';
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
  /** SLACK_INLINE_ANSWER_MS: how long the ack waits for the answer to carry it; 0 acks "⏳" at once. */
  inlineAnswerMs?: number;
  now?: () => Date;
}

// The gateway's drain on SIGTERM (app.ts) waits this long plus the outcome message, so a page in its retry
// loop either gets through or its author is told it did not.
export const DEFAULT_PAGE_RETRY_BUDGET_MS = 10_000;

/**
 * `/alert`: parse, call the backend, and tell the caller how it went: in the ack when the answer comes within
 * `inlineAnswerMs` (Slack gives 3 s), else in a "⏳" ack at that deadline and on response_url once it comes.
 */
export function registerAlertCommand(
  app: App,
  { backend, logger, inFlight, forwards, counts, pageRetryBudgetMs = DEFAULT_PAGE_RETRY_BUDGET_MS, inlineAnswerMs = 0, now = () => new Date() }: AlertCommandOptions,
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
    /** False when Bolt refused the ack: whatever it carried then goes to response_url, so it is never lost. */
    const ackWith = async (text: string): Promise<boolean> => {
      try {
        await ack({ response_type: 'ephemeral', text });
        return true;
      } catch (error) {
        logger.warn('ack refused; the answer goes to response_url instead', { tenantId: command.team_id, error });
        return false;
      }
    };

    const answerCommand = async (): Promise<void> => {
      let raised = false;
      const answer = admitted(() =>
        runCommand(parsed, {
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
        }),
      );
      // The ack waits a little for the answer: in time, the answer is the ack, one exchange with Slack instead
      // of two. Later, the ack says "⏳" and the answer follows on response_url. The gateway alone decides
      // which, after the fact, so an answer goes out exactly once whenever the backend gives it.
      const inline = await settledWithin(answer, inlineAnswerMs);
      const acked = await ackWith(inline ? inline.value : workingOn(parsed));
      if (isPage) counts.acked++;
      if (inline && acked) {
        if (isPage && !raised) counts.toldFailed++;
        return;
      }
      const text = await answer;
      try {
        // Not replacing the ack line: both stay, so the author sees what was asked and what happened.
        await respond({ response_type: 'ephemeral', replace_original: false, text });
        if (isPage && !raised) counts.toldFailed++;
      } catch (error) {
        if (!isPage || raised) throw error;
        counts.untold++;
        logger.error('NOTHING PAGED AND THE AUTHOR COULD NOT BE TOLD: the response_url refused the message', { tenantId: command.team_id, slackUserId: command.user_id, error });
      }
    };
    await inFlight.track(answerCommand());
  });
}
