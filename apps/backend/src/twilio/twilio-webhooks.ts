import type { InboundPort, Keypress } from '../channels/inbound';
import type { TwilioWebhookMemory } from './twilio-webhook-memory';
import { receiptOf } from './twilio-status';
import { emptyReply, KEYPRESS, messageReply, sayAndHangUp } from './twilio-voice.channel';
import { inboundSender } from './twilio-whatsapp.channel';

/** Twilio's form fields, as the gateway forwards them (after checking their signature). */
export type TwilioFields = Record<string, string>;

/**
 * Twilio's side of two-way paging: its webhooks (already signature-checked by the gateway) turned into
 * Klaxon's words for the engine (receipts, a keypress, a message), and the engine's answers rendered as
 * TwiML. Each webhook is processed once: a repeat, Twilio's retry or a replay of a captured signed request,
 * changes nothing and gets the first answer (TwilioWebhookMemory).
 */
export class TwilioWebhooks {
  constructor(private readonly options: { inbound: InboundPort; memory: TwilioWebhookMemory }) {}

  /** A StatusCallback (message or call status), or a call's answering machine verdict (AnsweredBy). */
  async status(deliveryId: string, fields: TwilioFields): Promise<void> {
    await this.options.memory.once('status', fields, async () => {
      await this.options.inbound.receipt(deliveryId, receiptOf(fields));
      return null;
    });
  }

  /** The key pressed during the call: 1 acknowledges (as the person called), 2 passes the alert on. Answers TwiML. */
  async keypress(deliveryId: string, fields: TwilioFields): Promise<string> {
    const answer = await this.options.memory.once('keypress', fields, async () => sayAndHangUp(await this.options.inbound.keypress(deliveryId, keypressOf(fields.Digits))));
    return answer ?? emptyReply();
  }

  /** An SMS or WhatsApp message to Klaxon's number. Answers TwiML with one short message, or nothing. */
  async inbound(fields: TwilioFields): Promise<string> {
    const answer = await this.options.memory.once('inbound', fields, async () => {
      const text = await this.options.inbound.message(inboundSender(fields.From ?? ''), fields.Body ?? '');
      return text === null ? emptyReply() : messageReply(text);
    });
    return answer ?? emptyReply();
  }
}

function keypressOf(digits: string | undefined): Keypress {
  const key = (digits ?? '').trim();
  if (key === KEYPRESS.acknowledge) return 'acknowledge';
  if (key === KEYPRESS.passOn) return 'pass_on';
  return 'other';
}
