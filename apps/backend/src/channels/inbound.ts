import type { ContactChannel } from '@klaxon/contracts';
import type { ProviderReceipt } from './receipt';

/** What a person pressed during a call, in Klaxon's words (the provider room maps its digits). */
export type Keypress = 'acknowledge' | 'pass_on' | 'other';

/** Who wrote back: their address and the channel the message came on. */
export interface InboundSender {
  address: string;
  channel: ContactChannel;
}

/**
 * What a provider room hands the engine about the pages it carried, once it has checked where it came from
 * and turned it into Klaxon's words: receipts, a keypress during a call, a message written back. The engine
 * answers in words; the provider room renders them (TwiML for Twilio). notify/phone-answers.ts implements it.
 */
export interface InboundPort {
  receipt(deliveryId: string, receipt: ProviderReceipt): Promise<void>;
  /** The sentence the call says before it hangs up. */
  keypress(deliveryId: string, key: Keypress): Promise<string>;
  /** The text to answer with; null to answer nothing (the provider answers a STOP itself). */
  message(sender: InboundSender, body: string): Promise<string | null>;
}
