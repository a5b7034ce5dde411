import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Writes `content` to `file` readable and writable by its owner only (0600), whatever was there before. A
 * mode given to writeFileSync applies only when it creates the file: an existing world-readable file would
 * keep its mode with everyone's numbers in it. So the content goes to a new file beside it (created
 * exclusively, never through a link planted under that name) that then replaces `file` in one rename.
 */
export function writePrivateFile(file: string, content: string): void {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(temporary, content, { flag: 'wx', mode: 0o600 });
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
