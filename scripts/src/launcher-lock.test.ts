import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { acquireLauncherLock, describeLockHolder, LAUNCHER_LOCK_FILE } from './launcher-lock';

const NOW = () => new Date('2026-12-08T09:00:00Z');
let dataDir: string;
beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'klaxon-lock-'));
});
afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const lockFile = () => path.join(dataDir, LAUNCHER_LOCK_FILE);
const writeLock = (content: string) => fs.writeFileSync(lockFile(), content);
const tempFiles = () => fs.readdirSync(dataDir).filter((name) => name.endsWith('.tmp'));

describe('acquireLauncherLock', () => {
  it('takes a free lock, and a second launcher is refused with the first one named', () => {
    const first = acquireLauncherLock(dataDir, { pid: 101, now: NOW, isRunning: () => false });
    if (!first.ok) throw new Error('the first launcher was refused');
    expect(JSON.parse(fs.readFileSync(lockFile(), 'utf8'))).toEqual({ pid: 101, startedAt: '2026-12-08T09:00:00.000Z' });

    const second = acquireLauncherLock(dataDir, { pid: 202, now: NOW, isRunning: (pid) => pid === 101 });
    expect(second).toEqual({ ok: false, holder: { pid: 101, startedAt: '2026-12-08T09:00:00.000Z' }, file: lockFile() });
    if (second.ok) return;
    expect(describeLockHolder(second.holder, dataDir)).toBe(
      `npm start is already running with this data directory (${dataDir}): pid 101, still starting. ` +
        'Use that one, stop it first (Ctrl-C in its terminal), or start this one with another KLAXON_DATA_DIR and other ports.',
    );
    expect(tempFiles()).toEqual([]);
  });

  it('names where the running launcher listens once it said so', () => {
    const first = acquireLauncherLock(dataDir, { pid: 101, now: NOW, isRunning: () => false });
    if (!first.ok) throw new Error('the first launcher was refused');
    first.lock.update({ gateway: 'http://127.0.0.1:3000/slack/events', backend: 'http://127.0.0.1:5002', database: 'embedded PostgreSQL on port 54329' });
    const second = acquireLauncherLock(dataDir, { pid: 202, isRunning: () => true });
    if (second.ok) throw new Error('the second launcher took the lock');
    const line = describeLockHolder(second.holder, '.data');
    expect(line).toContain('pid 101, gateway http://127.0.0.1:3000/slack/events, backend http://127.0.0.1:5002, database embedded PostgreSQL on port 54329.');
    expect(line).not.toContain('\n');
  });

  it('replaces a stale lock (its launcher is gone) and an unreadable one', () => {
    writeLock(JSON.stringify({ pid: 999, startedAt: '2026-12-01T00:00:00.000Z' }));
    const overStale = acquireLauncherLock(dataDir, { pid: 303, now: NOW, isRunning: () => false });
    expect(overStale.ok).toBe(true);
    expect(JSON.parse(fs.readFileSync(lockFile(), 'utf8'))).toMatchObject({ pid: 303 });

    writeLock('');
    expect(acquireLauncherLock(dataDir, { pid: 304, now: NOW, isRunning: () => true }).ok).toBe(true);
    writeLock('{"pid": "x"}');
    expect(acquireLauncherLock(dataDir, { pid: 305, now: NOW, isRunning: () => true }).ok).toBe(true);
    expect(JSON.parse(fs.readFileSync(lockFile(), 'utf8'))).toMatchObject({ pid: 305 });
  });

  it('releases only its own lock', () => {
    const first = acquireLauncherLock(dataDir, { pid: 101, now: NOW, isRunning: () => false });
    if (!first.ok) throw new Error('the first launcher was refused');
    // A newer launcher took over the lock meanwhile (this one was taken for dead): its lock stays.
    writeLock(JSON.stringify({ pid: 404, startedAt: '2026-12-08T10:00:00.000Z' }));
    first.lock.release();
    expect(fs.existsSync(lockFile())).toBe(true);
    first.lock.update({ gateway: 'g', backend: 'b', database: 'd' });
    expect(JSON.parse(fs.readFileSync(lockFile(), 'utf8'))).toEqual({ pid: 404, startedAt: '2026-12-08T10:00:00.000Z' });

    fs.rmSync(lockFile());
    const again = acquireLauncherLock(dataDir, { pid: 101, now: NOW, isRunning: () => false });
    if (!again.ok) throw new Error('refused');
    again.lock.release();
    expect(fs.existsSync(lockFile())).toBe(false);
  });
});

describe('acquireLauncherLock, telling a running launcher from a stale lock by the real processes', () => {
  const exited = (child: ReturnType<typeof spawn>) => new Promise<void>((resolve) => child.once('exit', () => resolve()));

  it('refuses while the process in the lock runs the launcher, and takes the lock once it is gone', async () => {
    // A stand-in launcher: a process whose script is called start.js, as `node scripts/dist/start.js` is.
    const script = path.join(dataDir, 'start.js');
    fs.writeFileSync(script, "process.stdin.resume(); process.stdout.write('ready\\n');");
    const launcher = spawn(process.execPath, [script], { stdio: ['pipe', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => launcher.stdout.once('data', () => resolve()));
    const gone = exited(launcher);
    try {
      writeLock(JSON.stringify({ pid: launcher.pid, startedAt: NOW().toISOString() }));
      expect(acquireLauncherLock(dataDir)).toMatchObject({ ok: false, holder: { pid: launcher.pid } });
    } finally {
      launcher.kill('SIGKILL');
      await gone;
    }
    // Killed without a chance to remove its lock, as a launcher killed with SIGKILL is.
    expect(fs.existsSync(lockFile())).toBe(true);
    const next = acquireLauncherLock(dataDir);
    expect(next.ok).toBe(true);
    expect(JSON.parse(fs.readFileSync(lockFile(), 'utf8'))).toMatchObject({ pid: process.pid });
  });

  it('takes a lock whose pid now belongs to a process that is not a launcher (a reused pid)', () => {
    if (!fs.existsSync('/proc/self/cmdline')) return expect(process.platform).not.toBe('linux');
    // This test's own process is alive, and is not a launcher.
    writeLock(JSON.stringify({ pid: process.pid, startedAt: NOW().toISOString() }));
    expect(acquireLauncherLock(dataDir, { pid: process.pid + 1 }).ok).toBe(true);
  });
});
