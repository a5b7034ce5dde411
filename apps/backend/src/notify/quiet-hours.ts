/** A contact's quiet period, as they gave it: local wall-clock times in their IANA time zone. */
export interface QuietHours {
  /** `HH:MM`, 24-hour, local. */
  start: string;
  /** `HH:MM`, local; earlier than `start` means the period crosses midnight (22:00–07:00). */
  end: string;
  /** IANA zone, e.g. `Europe/Berlin`. */
  timeZone: string;
}

/** The instant the quiet period that contains `now` ends, or null when `now` is not in quiet hours. */
export function quietUntil(quiet: QuietHours | null, now: Date): Date | null {
  void quiet;
  void now;
  throw new Error('quietUntil: not implemented yet');
}

/** `07:00 Europe/Berlin`: how a held page says when it will go. */
export function describeQuietEnd(until: Date, timeZone: string): string {
  void until;
  return `?? ${timeZone}`;
}
