/**
 * What happened to a delivery, as metrics count it. `sent`: the provider accepted it; `delivered`: the
 * provider confirmed it reached the handset (status callbacks); `fallen_back`: it failed for good and was
 * queued again on its fallback channel (it also counts as `failed`); `held`: over the recipient's limit or
 * in quiet hours; `cancelled`: the alert was handled before it went out.
 */
export type DeliveryOutcome = 'sent' | 'delivered' | 'failed' | 'fallen_back' | 'held' | 'cancelled';

/**
 * Where the delivery engine reports what it did, so an operator can watch it. Domain code records through this
 * small interface and knows nothing of Prometheus; `metrics.ts` implements it, tests may count by hand.
 */
export interface DeliveryRecorder {
  outcome(channel: string, outcome: DeliveryOutcome): void;
  /** Seconds from the alert's creation to the provider accepting its first page to a person. */
  firstPageAccepted(seconds: number): void;
  /** A failure meaning Klaxon's own setup is broken; `code` is one of the provider's alarm codes (a closed set). */
  providerAlarm(provider: string, code: string): void;
}

export const noDeliveryRecorder: DeliveryRecorder = {
  outcome: () => undefined,
  firstPageAccepted: () => undefined,
  providerAlarm: () => undefined,
};
