// A built command-line script (scripts/dist/*.js) against the real backend listening on loopback, as the
// e2e tests of `npm run contacts` and `npm run oncall` run it. Needs `npm run build` first (npm test runs it).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { listen, SERVICE_KEY, startBackendHarness, type BackendHarness } from '../../apps/backend/test/integration/helpers';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliHarness {
  /** The backend, once beforeAll ran. */
  readonly backend: BackendHarness;
  /** Where it listens. */
  readonly url: string;
  /** A folder of the test's own, the script's working directory. */
  readonly dir: string;
  /** The environment the script runs with: production (it must take the key given, never generate dev secrets). */
  env(backendUrl?: string): NodeJS.ProcessEnv;
  run(args: readonly string[], options?: { stdin?: string; backendUrl?: string }): Promise<CliRun>;
  /** Writes a file into `dir` and answers its path. */
  writeFile(name: string, text: string): string;
}

/** Starts the backend before the file's tests and stops it after; `script` is the built script's name (`oncall`). */
export function useCliHarness(script: string): CliHarness {
  const file = path.resolve(__dirname, `../../scripts/dist/${script}.js`);
  const dir = mkdtempSync(path.join(tmpdir(), `klaxon-${script}-`));
  let backend: BackendHarness | null = null;
  let server: Server | null = null;
  let url = '';
  beforeAll(async () => {
    if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build first`);
    backend = await startBackendHarness();
    ({ server, url } = await listen(backend.app));
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await backend?.close();
  });
  const env = (backendUrl = url) => ({ PATH: process.env.PATH ?? '', NODE_ENV: 'production', INTERNAL_SERVICE_KEYS: SERVICE_KEY, BACKEND_URL: backendUrl });
  return {
    get backend() {
      if (!backend) throw new Error('the backend starts in beforeAll');
      return backend;
    },
    get url() {
      return url;
    },
    dir,
    env,
    run: (args, options = {}) =>
      new Promise((resolve) => {
        const child = execFile(process.execPath, [file, ...args], { cwd: dir, env: env(options.backendUrl) }, (error, stdout, stderr) => {
          resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
        });
        child.stdin?.end(options.stdin ?? '');
      }),
    writeFile: (name, text) => {
      const written = path.join(dir, name);
      writeFileSync(written, text);
      return written;
    },
  };
}
