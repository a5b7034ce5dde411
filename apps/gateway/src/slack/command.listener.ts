import type { App } from '@slack/bolt';
import type { Logger } from '@klaxon/logger';
import type { BackendClient } from '../backend-client';
import { BackendRejectedError, BackendUnavailableError } from '../errors';
import { parseAlertCommand } from './command-parser';
import { alertRaised, helpMessage, nothingPaged, pagingStarted } from './messages';

/** `/alert`: parse, ack at once (Slack gives 3 s), then forward and tell the caller how it went. */
export function registerAlertCommand(app: App, { backend, logger }: { backend: BackendClient; logger: Logger }): void {
  app.command('/alert', async ({ command, ack, respond }) => {
    const parsed = parseAlertCommand(command.text);
    if (parsed.kind !== 'page') {
      await ack({ response_type: 'ephemeral', text: helpMessage(parsed.kind === 'help' ? parsed.problem : null) });
      return;
    }
    await ack({ response_type: 'ephemeral', text: pagingStarted(parsed.userIds) });

    // Slack resends the same trigger_id when it retries a command, so a retry maps to the same alert.
    const requestId = `slack-${command.trigger_id}`;
    try {
      const alert = await backend.raiseAlert(
        {
          tenant_id: command.team_id,
          message: parsed.message,
          severity: parsed.severity,
          targets: parsed.userIds.map((slack_user_id) => ({ slack_user_id })),
          source: 'slack',
          slack: { channel_id: command.channel_id, user_id: command.user_id, response_url: command.response_url },
        },
        requestId,
      );
      logger.info('alert forwarded', { requestId, tenantId: command.team_id, alertId: alert.id, alertNumber: alert.number });
      await respond({ response_type: 'ephemeral', replace_original: false, text: alertRaised(alert) });
    } catch (error) {
      const reason =
        error instanceof BackendRejectedError
          ? `the backend refused it (${error.detail})`
          : error instanceof BackendUnavailableError
            ? error.message
            : 'an unexpected error occurred in the gateway';
      logger.error('alert not forwarded', { requestId, tenantId: command.team_id, error });
      await respond({ response_type: 'ephemeral', replace_original: false, text: nothingPaged(reason) });
    }
  });
}
