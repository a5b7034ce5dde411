import { ValidationError } from '../common/errors';

// Opaque to callers so the keyset behind it can change without breaking them.
const PREFIX = 'n:';

export function encodeCursor(beforeNumber: number): string {
  return Buffer.from(`${PREFIX}${beforeNumber}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const number = text.startsWith(PREFIX) ? Number(text.slice(PREFIX.length)) : NaN;
  if (!Number.isSafeInteger(number) || number < 1) {
    throw new ValidationError('cursor: not a cursor this API returned; pass next_cursor from the previous page unchanged');
  }
  return number;
}
