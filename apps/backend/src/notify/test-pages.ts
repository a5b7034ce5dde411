import { randomUUID } from 'node:crypto';
import { maskEmail, maskPhone, type Logger } from '@klaxon/logger';
import type { Channel, TestPageOutcome } from '@klaxon/contracts';
import type { TargetResolver } from '../contacts/target';
import type { Clock } from '../time/clock';
import type { ChannelRegistry } from '../channels/channel-registry';
import type { MessageAlert } from '../channels/channel';
import { failureOf } from '../channels/notify-error';

export interface TestPageResult {
  channel: Channel;
  /** The address, masked; null when the person has none for this channel. */
  to: string | null;
  outcome: TestPageOutcome;
  providerMessageId: string | null;
  /** Why it was not sent (the provider's words, redacted); null when sent. */
  detail: string | null;
}

export interface TestPagesReport {
  /** Why nobody could be paged at all (no contact, no address); null when the person was reachable. */
  reason: string | null;
  results: TestPageResult[];
  /** How people read each registered channel. */
  channelLabels: Record<string, string>;
}

/**
 * `/alert test`: a page marked TEST through each channel the person accepts, straight through the channel
 * senders (GoAlert's contact-method test). No alert row, no delivery, no escalation, no channel message:
 * nothing of it shows in lists or counts. The report says per channel what the provider answered.
 */
export class TestPages {
  constructor(private readonly options: { targets: TargetResolver; registry: ChannelRegistry; logger: Logger; clock: Clock }) {}

  async send(tenantId: string, slackUserId: string): Promise<TestPagesReport> {
    const { targets, registry, logger, clock } = this.options;
    const [target] = await targets.resolve(tenantId, [{ slackUserId }]);
    const channelLabels = registry.labels();
    if (!target || target.status !== 'paging') return { reason: target?.reason ?? 'not found', results: [], channelLabels };
    const now = clock.now();
    const alert: MessageAlert = {
      id: randomUUID(),
      tenantId,
      number: 0,
      // A test page is not an alert: nothing to reply to, and its text says so.
      replyCode: '',
      severity: 'low',
      message: 'This is the test page you asked for with /alert test; nothing is wrong.',
      origin: 'slack',
      inSlack: true,
      test: true,
      createdAt: now,
      raisedBy: `<@${slackUserId}>`,
      paged: [slackUserId],
    };
    const addresses = { phone: target.phone, email: target.email };
    // One after another, in the person's order: a call and a WhatsApp at once would be a poor test of either.
    const results: TestPageResult[] = [];
    for (const channel of target.accepts.filter((c) => registry.has(c))) {
      const to = registry.addressFor(channel, addresses);
      if (to === null) {
        results.push({ channel, to: null, outcome: 'no_address', providerMessageId: null, detail: null });
        continue;
      }
      const shown = to.includes('@') ? maskEmail(to) : maskPhone(to);
      try {
        const { providerMessageId } = await registry.sender(channel).send({ to, alert, now });
        results.push({ channel, to: shown, outcome: 'sent', providerMessageId, detail: null });
      } catch (error) {
        const failure = failureOf(error);
        results.push({ channel, to: shown, outcome: 'failed', providerMessageId: null, detail: failure.code ? `${failure.detail} (${failure.code})` : failure.detail });
      }
    }
    logger.info('test pages sent', { tenantId, slackUserId, results: results.map((r) => `${r.channel}:${r.outcome}`) });
    return { reason: null, results, channelLabels };
  }
}
