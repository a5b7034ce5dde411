import { createHash, timingSafeEqual } from 'node:crypto';

// Hashing first gives equal-length buffers, so timingSafeEqual never leaks a secret's length.
const digest = (value: string | Buffer) => createHash('sha256').update(value).digest();

/** Whether two secrets (keys, code hashes) are equal, in time that tells nothing about where they differ. */
export function sameSecret(presented: string | Buffer, expected: string | Buffer): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}
