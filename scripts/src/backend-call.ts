import { dataDirOf, loadDotEnv, parseServiceKeys, withDevDefaults } from '@klaxon/config';
import { SERVICE_KEY_HEADER, type ErrorBody } from '@klaxon/contracts';
import { serviceKeyFor } from './contacts-report';

// How the command-line tools (npm run contacts, npm run oncall) reach a running backend: its URL and a service
// key, from the environment, .env, or what npm start generated.

/** The tenant npm start's dev setup uses (`npm run slash` sends as U0DEV of T0DEV). */
export const DEV_TENANT = 'T0DEV';

export interface BackendClient {
  backend: string;
  key: string;
  tenant: string;
}

/** Settings as the tools read them: the environment, then .env, then (outside production) .data/dev-secrets.json. */
export function toolEnvironment(): NodeJS.ProcessEnv {
  loadDotEnv();
  return withDevDefaults(process.env, dataDirOf(process.env)).env;
}

/** The backend to call for `tenant` (`url`, else BACKEND_URL, else the default address) and the key to call with. */
export function backendClient(env: NodeJS.ProcessEnv, tenant: string, url?: string): BackendClient {
  const key = serviceKeyFor(parseServiceKeys(env.INTERNAL_SERVICE_KEYS ?? '').keys, tenant);
  if (!key) throw new Error(`no service key for tenant ${tenant} in INTERNAL_SERVICE_KEYS: set it, or run npm start once to generate dev secrets`);
  return { backend: (url ?? env.BACKEND_URL ?? 'http://127.0.0.1:5002').replace(/\/+$/, ''), key, tenant };
}

export async function callBackend(client: BackendClient, path: string, init: RequestInit): Promise<Response> {
  return fetch(`${client.backend}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), [SERVICE_KEY_HEADER]: client.key } }).catch((error: unknown) => {
    throw new Error(`cannot reach the backend at ${client.backend} (${String((error as Error).cause ?? error)}); is npm start running?`);
  });
}

/** A refusal as the backend sent it: its `{error, detail, …}` when it is our JSON, else the text as it came. */
export interface Refusal {
  status: number;
  body: (ErrorBody & Record<string, unknown>) | null;
  /** `invalid_field: …` or the raw text: one line for the operator. */
  detail: string;
}

export async function readRefusal(response: Response): Promise<Refusal> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as ErrorBody & Record<string, unknown>;
    if (typeof body.error === 'string' && typeof body.detail === 'string') return { status: response.status, body, detail: `${body.error}: ${body.detail}` };
  } catch {
    // Not our JSON error (a proxy's page?): shown as it came.
  }
  return { status: response.status, body: null, detail: text };
}
