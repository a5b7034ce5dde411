import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadBackendConfig, loadGatewayConfig } from './load';
import { DEV_SECRETS_FILE, withDevDefaults } from './dev-defaults';

describe('withDevDefaults', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'klaxon-dev-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('generates secrets once, privately, and reuses them', () => {
    const first = withDevDefaults({}, dir);
    const second = withDevDefaults({}, dir);
    expect(first.secretsFile).toBe(path.join(dir, DEV_SECRETS_FILE));
    expect(fs.statSync(first.secretsFile!).mode & 0o777).toBe(0o600);
    expect(second.env).toEqual(first.env);
    // What it generates is what the loaders accept.
    expect(() => loadGatewayConfig(first.env)).not.toThrow();
    expect(() => loadBackendConfig({ ...first.env, DATABASE_URL: 'postgres://localhost/x' })).not.toThrow();
  });

  it('lets the environment win and keeps fake bot ids away from a real token', () => {
    const { env } = withDevDefaults({ SLACK_BOT_TOKEN: 'xoxb-real-token' }, dir);
    expect(env.SLACK_BOT_TOKEN).toBe('xoxb-real-token');
    expect(env.SLACK_BOT_ID).toBeUndefined();
    expect(env.SLACK_SIGNING_SECRET).toMatch(/^[0-9a-f]{32}$/);
  });

  it('generates nothing in production', () => {
    const env = { NODE_ENV: 'production' };
    expect(withDevDefaults(env, dir)).toEqual({ env, secretsFile: null });
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
