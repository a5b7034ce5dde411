/**
 * `npm start` as a developer runs it: the built launcher with its embedded PostgreSQL, stopped with Ctrl-C,
 * that is SIGINT to the terminal's whole foreground process group (launcher, backend and gateway at once).
 * The services must stop before the database, so the shutdown says nothing alarming.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, isAlive } from '@klaxon/testing';

const REPO = path.resolve(__dirname, '../..');
const LAUNCHER = path.join(REPO, 'scripts/dist/start.js');

jest.setTimeout(120_000);

describe('npm start, then Ctrl-C', () => {
  it('stops the services, then PostgreSQL, and logs no error', async () => {
    if (!fs.existsSync(LAUNCHER)) throw new Error(`${LAUNCHER} is missing: run npm run build first`);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'klaxon-launcher-'));
    // As root, PostgreSQL runs as the postgres user, who must be able to enter the data directory.
    fs.chmodSync(dataDir, 0o755);
    try {
      const ports = new Set<number>();
      while (ports.size < 3) ports.add(await freePort());
      const [gatewayPort, backendPort, pgPort] = [...ports];
      const launcher = spawn(process.execPath, [LAUNCHER], {
        cwd: REPO,
        // Its own process group, like a terminal's foreground job: the test signals the whole group.
        detached: true,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? os.homedir(),
          KLAXON_DATA_DIR: dataDir,
          KLAXON_EMBEDDED_PG_PORT: String(pgPort),
          GATEWAY_PORT: String(gatewayPort),
          BACKEND_PORT: String(backendPort),
          BACKEND_URL: `http://127.0.0.1:${backendPort}`,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      launcher.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      launcher.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => launcher.once('exit', (code, signal) => resolve({ code, signal })));

      const deadline = Date.now() + 90_000;
      while (!output.includes('Klaxon is running.')) {
        if (launcher.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not come up:\n${output.slice(-3000)}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid');
      const postmaster = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
      expect(isAlive(postmaster)).toBe(true);

      const before = output.length;
      process.kill(-launcher.pid!, 'SIGINT');
      expect(await exited).toEqual({ code: 0, signal: null });

      const shutdown = output.slice(before);
      expect(shutdown).toContain('▸ stopping…');
      expect(shutdown).toContain('▸ stopped');
      expect(shutdown).toContain('backend stopped: requests answered, jobs finished, database closed');
      expect(shutdown.split('\n').filter((line) => /\berror\b|57P01|terminating connection/i.test(line))).toEqual([]);
      // The database was stopped by the launcher, last, and not left running.
      expect(isAlive(postmaster)).toBe(false);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
