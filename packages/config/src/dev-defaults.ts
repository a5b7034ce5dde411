import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

type Env = Record<string, string | undefined>;

/** The secrets `npm start` generates once per checkout so a fresh clone runs with no `.env`. */
export interface DevSecrets {
  SLACK_SIGNING_SECRET: string;
  SLACK_BOT_TOKEN: string;
  INTERNAL_SERVICE_KEYS: string;
  // Known bot ids let Bolt skip its `auth.test` call, which would fail against Slack with a made-up token.
  SLACK_BOT_ID: string;
  SLACK_BOT_USER_ID: string;
}

export const DEV_SECRETS_FILE = 'dev-secrets.json';

/**
 * Outside production, fills the Slack and service-key variables the environment leaves unset from
 * `<dataDir>/dev-secrets.json`, generating that file (mode 600) on first use. Production gets its
 * environment back untouched: there, a missing secret must stop the process, not be invented.
 */
export function withDevDefaults(env: Env, dataDir: string): { env: Env; secretsFile: string | null } {
  if (env.NODE_ENV === 'production') return { env, secretsFile: null };
  const secretsFile = path.join(dataDir, DEV_SECRETS_FILE);
  const secrets = readOrCreateSecrets(secretsFile);
  const merged: Env = { ...env };
  const userToken = Boolean(env.SLACK_BOT_TOKEN);
  for (const [name, value] of Object.entries(secrets)) {
    // Fake bot ids only make sense next to the fake token; with a real token Bolt asks Slack once.
    if (userToken && (name === 'SLACK_BOT_ID' || name === 'SLACK_BOT_USER_ID')) continue;
    if (!merged[name]) merged[name] = value;
  }
  return { env: merged, secretsFile };
}

function readOrCreateSecrets(file: string): DevSecrets {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fresh: DevSecrets = {
    SLACK_SIGNING_SECRET: randomBytes(16).toString('hex'),
    SLACK_BOT_TOKEN: `xoxb-dev-${randomBytes(12).toString('hex')}`,
    INTERNAL_SERVICE_KEYS: `dev-${randomBytes(24).toString('hex')}`,
    SLACK_BOT_ID: 'BKLAXONDEV',
    SLACK_BOT_USER_ID: 'UKLAXONDEV',
  };
  try {
    // `wx` makes the first of two processes starting together win; the other reads its file.
    fs.writeFileSync(file, `${JSON.stringify(fresh, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
    return fresh;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { ...fresh, ...(JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<DevSecrets>) };
  }
}

/** Reads `.env` into process.env when present; variables already set win. */
export function loadDotEnv(file = '.env'): boolean {
  if (!fs.existsSync(file)) return false;
  process.loadEnvFile(file);
  return true;
}

/**
 * The embedded PostgreSQL `npm start` runs when DATABASE_URL is unset outside production: its port and the
 * database the services use. The launcher starts it from these and `npm run doctor` looks for it with them,
 * so the two cannot disagree. The user and password are the ones `startEmbeddedPostgres` (packages/testing)
 * creates the cluster with; the doctor's test against a running `npm start` holds them together.
 */
export const EMBEDDED_PG_DEFAULT_PORT = 54329;
export const EMBEDDED_DATABASE_NAME = 'klaxon';

export function embeddedPostgresPort(env: Env): number {
  return Number(env.KLAXON_EMBEDDED_PG_PORT || EMBEDDED_PG_DEFAULT_PORT);
}

/** The URL of `npm start`'s embedded database, for a tool that runs beside it without DATABASE_URL. */
export function embeddedDatabaseUrl(env: Env): string {
  return `postgres://postgres:postgres@127.0.0.1:${embeddedPostgresPort(env)}/${EMBEDDED_DATABASE_NAME}`;
}
