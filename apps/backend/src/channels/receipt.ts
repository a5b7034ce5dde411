/**
 * A provider's report about one page, in Klaxon's words. Each provider room turns its own callbacks into this
 * (twilio/twilio-status.ts for Twilio's statuses) before the engine sees them; the engine never reads a
 * provider's status words, it compares ranks and acts on the outcome.
 */
export interface ProviderReceipt {
  kind: 'message' | 'call';
  /** The provider's own word for the status, recorded for people (`delivered`, `no-answer`); null for a verdict alone. */
  status: string | null;
  /** How far along the page the status is: a delivery only moves to a higher rank (callbacks repeat and reorder). */
  rank: number | null;
  /** A message that never reached the phone: it takes the channel's fallback. */
  undelivered: boolean;
  /** A call that ended without anyone answering: the next escalation step comes at once. */
  unanswered: boolean;
  /** Who picked up a call, when the provider says: a machine is nobody. */
  answeredBy: 'human' | 'machine' | 'unknown' | null;
  /** The provider's error code, if any (kept on the delivery; in the fallback's reason). */
  errorCode: string | null;
  /** The provider's name for people ("Twilio reported the message undelivered"). */
  provider: string;
}
