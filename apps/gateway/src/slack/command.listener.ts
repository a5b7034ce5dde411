import type { App } from '@slack/bolt';
import type { Logger } from '@klaxon/logger';
import type { BackendClient } from '../backend-client';
import type { InFlight } from '../in-flight';
import { runCommand } from './command-handlers';
import { parseAlertCommand } from './command-parser';
import { helpMessage, workingOn } from './messages';

export interface AlertCommandOptions {
  backend: BackendClient;
  logger: Logger;
  /** Where the work after the ack is registered, so a stopping gateway finishes it. */
  inFlight: InFlight;
  /** How long a page keeps retrying a backend that is down (same request id, so never a second alert). */
  pageRetryBudgetMs?: number;
  now?: () => Date;
}

// The gateway's drain on SIGTERM (app.ts) waits this long plus the outcome message, so a page in its retry
// loop either gets through or its author is told it did not.
export const DEFAULT_PAGE_RETRY_BUDGET_MS = 10_000;

/** `/alert`: parse, ack at once (Slack gives 3 s), then call the backend and tell the caller how it went. */
export function registerAlertCommand(app: App, { backend, logger, inFlight, pageRetryBudgetMs = DEFAULT_PAGE_RETRY_BUDGET_MS, now = () => new Date() }: AlertCommandOptions): void {
  app.command('/alert', async ({ command, ack, respond }) => {
    const parsed = parseAlertCommand(command.text);
    if (parsed.kind === 'help') {
      await ack({ response_type: 'ephemeral', text: helpMessage(parsed.problem) });
      return;
    }
    await ack({ response_type: 'ephemeral', text: workingOn(parsed) });

    await inFlight.track(
      (async () => {
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
        });
        // Not replacing the ack line: both stay, so the author sees what was asked and what happened.
        await respond({ response_type: 'ephemeral', replace_original: false, text });
      })(),
    );
  });
}
