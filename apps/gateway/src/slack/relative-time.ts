const UNITS: [limitSeconds: number, seconds: number, name: string][] = [
  [60 * 60, 60, 'minute'],
  [24 * 60 * 60, 60 * 60, 'hour'],
  [Infinity, 24 * 60 * 60, 'day'],
];

/**
 * "2 minutes ago". `now` is a parameter so tests need no fake clock; a time slightly in the future
 * (clocks of two hosts disagree) reads as "just now" rather than a negative age.
 */
export function relativeTime(at: Date | string, now: Date): string {
  const seconds = Math.floor((now.getTime() - new Date(at).getTime()) / 1000);
  if (!Number.isFinite(seconds)) return 'at an unknown time';
  if (seconds < 60) return 'just now';
  for (const [limit, size, name] of UNITS) {
    if (seconds < limit) {
      const count = Math.floor(seconds / size);
      return `${count} ${name}${count === 1 ? '' : 's'} ago`;
    }
  }
  return 'long ago';
}
