import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { SLACK_ACTIONS, slackActor } from '@klaxon/contracts';
import type { Logger } from '@klaxon/logger';
import type { BackendClient } from '../backend-client';
import { BackendRejectedError } from '../errors';
import type { ForwardLimiter } from '../forward-limiter';
import type { InFlight } from '../in-flight';
import { failureReason } from './command-handlers';
import { alreadyInState, couldNot, overloaded } from './messages';

export interface AlertActionsOptions {
  backend: BackendClient;
  logger: Logger;
  /** Where the work after the ack is registered, so a stopping gateway finishes it. */
  inFlight: InFlight;
  /** Bounds the forwards running and waiting, shared with the commands. */
  forwards: ForwardLimiter;
  now?: () => Date;
}

/**
 * The Acknowledge and Resolve buttons of the channel message. On success the gateway says nothing: the
 * backend rewrites the channel message for everyone. Only the clicker hears about a failure, privately.
 */
export function registerAlertActions(app: App, { backend, logger, inFlight, forwards, now = () => new Date() }: AlertActionsOptions): void {
  for (const kind of ['acknowledge', 'resolve'] as const) {
    app.action<BlockAction<ButtonAction>>(SLACK_ACTIONS[kind], async ({ ack, body, action, respond }) => {
      await ack();
      const tell = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
      const admitted = forwards.admit();
      if (!admitted) {
        // A button's ack carries no text: the clicker is told right after it, without waiting for a slot.
        logger.warn('overloaded: button click refused', { actionId: action.action_id, ...forwards.load() });
        await inFlight.track(tell(overloaded(null)));
        return;
      }
      await inFlight.track(
        admitted(async () => {
          const tenantId = body.team?.id ?? body.user.team_id;
          const alertId = action.value;
          const requestId = `slack-${body.trigger_id}`;
          if (!tenantId || !alertId) {
            logger.warn('alert button without a team or an alert id', { requestId, actionId: action.action_id });
            await tell(couldNot(`${kind} this alert`, 'the button did not say which alert it belongs to'));
            return;
          }
          try {
            const alert = await backend.transition(kind, tenantId, alertId, { actor: slackActor(body.user.id) }, { requestId });
            logger.info('alert changed from a button', { requestId, tenantId, alertId, alertNumber: alert.number, slackUserId: body.user.id, status: alert.status });
          } catch (error) {
            const current = error instanceof BackendRejectedError && error.status === 409 ? error.body.current : undefined;
            if (current) {
              await tell(alreadyInState(await subjectOf(backend, tenantId, alertId, requestId), current, now()));
              return;
            }
            logger.warn('alert button failed', { requestId, tenantId, alertId, error });
            await tell(couldNot(`${kind} this alert`, failureReason(error)));
          }
        }),
      );
    });
  }
}

/** `#42`: a 409 names the state, not the number, and the button only carries the UUID. */
async function subjectOf(backend: BackendClient, tenantId: string, alertId: string, requestId: string): Promise<string> {
  try {
    return `#${(await backend.getAlert(tenantId, alertId, { requestId: `${requestId}-lookup` })).number}`;
  } catch {
    return 'This alert';
  }
}
