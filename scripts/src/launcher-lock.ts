import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * One `npm start` per data directory. A second launcher on the same `.data/` used to start over the first
 * one's embedded PostgreSQL (taking it for an orphan and stopping it) and then fail on a port the first one
 * holds: both ended broken. The launcher now takes this lock before it touches anything, and a second one
 * refuses in one line that names the first.
 */
export const LAUNCHER_LOCK_FILE = 'npm-start.lock';

/** What the lock says about the launcher holding it; `listening` is filled in once its services are up. */
export interface LauncherLockInfo {
  pid: number;
  startedAt: string;
  listening?: { gateway: string; backend: string; database: string };
}

export interface HeldLauncherLock {
  file: string;
  /** Records where the services listen, for the message a second launcher prints. */
  update(listening: NonNullable<LauncherLockInfo['listening']>): void;
  /** Removes the lock if it is still this launcher's. Synchronous, so it can run in an 'exit' handler. */
  release(): void;
}

export type LauncherLockResult = { ok: true; lock: HeldLauncherLock } | { ok: false; holder: LauncherLockInfo; file: string };

export interface LauncherLockOptions {
  pid?: number;
  now?: () => Date;
  /** Whether the launcher named by a lock still runs; a lock whose launcher is gone (SIGKILL, a crash) is stale. */
  isRunning?: (pid: number) => boolean;
}

/** Takes `<dataDir>/npm-start.lock`, replacing a stale one; or says who holds it. */
export function acquireLauncherLock(dataDir: string, options: LauncherLockOptions = {}): LauncherLockResult {
  const pid = options.pid ?? process.pid;
  const isRunning = options.isRunning ?? ((other: number) => other !== pid && isLauncherRunning(other));
  const file = path.join(dataDir, LAUNCHER_LOCK_FILE);
  fs.mkdirSync(dataDir, { recursive: true });
  const mine: LauncherLockInfo = { pid, startedAt: (options.now ?? (() => new Date()))().toISOString() };
  // Bounded: each round either takes the lock, finds a live holder, or removes one stale lock.
  for (let round = 0; round < 5; round++) {
    if (createExclusively(file, mine)) return { ok: true, lock: heldLock(file, mine) };
    const holder = readLock(file);
    if (holder === 'missing') continue;
    if (holder !== 'unreadable' && isRunning(holder.pid)) return { ok: false, holder, file };
    // Stale (its launcher is gone) or unreadable (not written by a launcher that completed the write: the
    // content is linked in whole, so a live launcher's lock is never half-written).
    fs.rmSync(file, { force: true });
  }
  throw new Error(`could not take ${file}: it keeps changing; is another npm start starting in this folder right now?`);
}

/** The one line a second launcher prints: who runs, where it listens, and what to do. */
export function describeLockHolder(holder: LauncherLockInfo, dataDir: string): string {
  const where = holder.listening
    ? `gateway ${holder.listening.gateway}, backend ${holder.listening.backend}, database ${holder.listening.database}`
    : 'still starting';
  return (
    `npm start is already running with this data directory (${dataDir}): pid ${holder.pid}, ${where}. ` +
    'Use that one, stop it first (Ctrl-C in its terminal), or start this one with another KLAXON_DATA_DIR and other ports.'
  );
}

// The content is written to a file of its own and then hard-linked to the lock's name: the link either
// creates the lock whole or fails because one exists, so no reader ever sees a half-written lock.
function createExclusively(file: string, info: LauncherLockInfo): boolean {
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  fs.writeFileSync(temporary, `${JSON.stringify(info)}\n`, { flag: 'wx' });
  try {
    fs.linkSync(temporary, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    fs.rmSync(temporary, { force: true });
  }
}

function readLock(file: string): LauncherLockInfo | 'missing' | 'unreadable' {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
  try {
    const info = JSON.parse(text) as Partial<LauncherLockInfo>;
    return Number.isInteger(info.pid) && (info.pid ?? 0) > 0 ? (info as LauncherLockInfo) : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

function heldLock(file: string, mine: LauncherLockInfo): HeldLauncherLock {
  const stillMine = () => {
    const current = readLock(file);
    return typeof current === 'object' && current.pid === mine.pid && current.startedAt === mine.startedAt;
  };
  return {
    file,
    update(listening) {
      if (!stillMine()) return;
      const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
      fs.writeFileSync(temporary, `${JSON.stringify({ ...mine, listening })}\n`, { flag: 'wx' });
      fs.renameSync(temporary, file);
    },
    release() {
      if (stillMine()) fs.rmSync(file, { force: true });
    },
  };
}

/**
 * Whether `pid` is a running launcher. A pid alone is not enough: after a reboot or in a fresh container the
 * pid of a killed launcher is soon someone else's, so where /proc shows the command line it must name the
 * launcher's script.
 */
function isLauncherRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists, but belongs to another user.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // Without /proc (macOS) the pid is all there is to go by.
  if (!fs.existsSync('/proc/self/cmdline')) return true;
  let commandLine: string;
  try {
    commandLine = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return false;
  }
  return commandLine.split('\0').some((arg) => path.basename(arg) === 'start.js');
}
