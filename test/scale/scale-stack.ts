// Many instances of Klaxon on one PostgreSQL, as real processes of the built apps: gateways, backends in the
// `api` role and backends in the `worker` role, paging through the fake Twilio and answering through the fake
// Slack. Used by test/scale and by the fault suite's "one worker of two killed".
import { signSlackRequest, slashCommandBody, type FakeSlackApi, type FakeTwilio, type ServiceProcess } from '@klaxon/testing';
import type { Database } from '../../apps/backend/src/db/database';
import { spawnPagingBackend, type BackendProcess } from '../../apps/backend/test/integration/backend-process';
import { SERVICE_KEY } from '../../apps/backend/test/integration/helpers';
import { spawnGatewayProcess } from '../../apps/gateway/test/integration/gateway-process';

export const SIGNING_SECRET = 'scale0signing0secret000000000000';

export interface SharedFakes {
  databaseUrl: string;
  twilio: FakeTwilio;
  slack: FakeSlackApi;
}

/** A backend process in one role on the shared database; `extra` sets limits and the like. Logs warnings only. */
export function spawnRole(role: 'api' | 'worker', { databaseUrl, twilio, slack }: SharedFakes, extra: Record<string, string> = {}): Promise<BackendProcess> {
  return spawnPagingBackend(
    { databaseUrl, twilioUrl: twilio.url, slackApiUrl: slack.slackApiUrl },
    {
      // The shortest lease the configuration accepts; a test that kills a worker ends its leases itself.
      NOTIFY_LEASE: '36s',
      NOTIFY_RETRY_BASE: '100ms',
      ESCALATE_AFTER: '1h',
      LOG_LEVEL: 'warn',
      ...extra,
    },
    role,
  );
}

/** The built gateway forwarding to `backendUrl`. */
export function spawnGateway(backendUrl: string, slack: FakeSlackApi): Promise<ServiceProcess> {
  return spawnGatewayProcess({ backendUrl, slackApiUrl: slack.slackApiUrl, serviceKey: SERVICE_KEY, signingSecret: SIGNING_SECRET, extra: {
      LOG_LEVEL: 'warn',
      // Two cores shared by six services, PostgreSQL and the test: a forward may wait longer than the default 2.5 s,
      // and a timed-out one would be told as failed while the API still commits it.
      BACKEND_TIMEOUT_MS: '10000',
    },
  });
}

export interface Raised {
  /** How it came in: `gateway-1`, `api-2`… */
  via: string;
  tag: string;
  tenantId: string;
  /** 201 from an API; from a gateway, 200 when Slack's command was acknowledged. */
  status: number | 'no answer';
  /** A gateway's ack text: the outcome itself when the API answered within SLACK_INLINE_ANSWER_MS, else "⏳ Raising…". */
  ackText?: string;
}

/** What a gateway command came to: the outcome in its ack, or else what was posted to its response_url (one each). */
export function commandOutcomes(raised: Raised, slack: FakeSlackApi): string[] {
  const posted = slack.responses(raised.tag).map((body) => String(body.text));
  const inAck = raised.ackText !== undefined && !raised.ackText.startsWith('⏳ Raising') ? [raised.ackText] : [];
  return [...inAck, ...posted];
}

/** `/alert <@user> <severity> <text> [tag]` signed as Slack signs it, to a gateway; an outcome not in the ack goes to `slack.responseUrl(tag)`. */
export async function slashAlert(
  gatewayUrl: string,
  slack: FakeSlackApi,
  { tenantId, tag, severity, target, userId }: { tenantId: string; tag: string; severity: string; target: string; userId: string },
): Promise<{ status: number | 'no answer'; ackText?: string }> {
  const body = slashCommandBody({ text: `<@${target}> ${severity} scale storm [${tag}]`, team_id: tenantId, user_id: userId, response_url: slack.responseUrl(tag) });
  try {
    const ack = await fetch(`${gatewayUrl}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlackRequest({ signingSecret: SIGNING_SECRET, body }) },
      body,
      signal: AbortSignal.timeout(15_000),
    });
    const text = await ack.text();
    const ackText = text === '' ? undefined : (JSON.parse(text) as { text?: string }).text;
    return ackText === undefined ? { status: ack.status } : { status: ack.status, ackText };
  } catch {
    return { status: 'no answer' };
  }
}

/** POST /alert to an API backend, paging one phone; 201, 429 (a limit) or what else it answered. */
export async function apiAlert(apiUrl: string, { tenantId, tag, severity, phone }: { tenantId: string; tag: string; severity: string; phone: string }): Promise<{ status: number | 'no answer' }> {
  try {
    const response = await fetch(`${apiUrl}/alert`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-service-key': SERVICE_KEY },
      body: JSON.stringify({ tenant_id: tenantId, message: `scale storm [${tag}]`, severity, targets: [{ phone }] }),
      signal: AbortSignal.timeout(15_000),
    });
    await response.arrayBuffer();
    return { status: response.status };
  } catch {
    return { status: 'no answer' };
  }
}

interface JobLocks {
  due: number;
  lockedJobs: string[];
  workers: string[];
}

const jobLocks = (db: Database) =>
  db.one<JobLocks>(
    `SELECT count(*) FILTER (WHERE locked_at IS NULL AND run_at <= now() AND attempts < max_attempts)::int AS due,
            coalesce(array_agg(id::text ORDER BY id) FILTER (WHERE locked_by IS NOT NULL), '{}') AS "lockedJobs",
            coalesce(array_agg(DISTINCT locked_by) FILTER (WHERE locked_by IS NOT NULL), '{}') AS workers
       FROM graphile_worker.jobs`,
  );

/**
 * What time does for a SIGKILLed worker's work, done at once so a test need not wait for it. The dead worker
 * leaves deliveries `sending` under a lease (NOTIFY_LEASE, ≥ 36 s) and jobs locked in its name, which
 * graphile-worker frees after four hours or when an operator calls its `force_unlock_workers`. Once the live
 * workers have run everything they can (no due job unlocked, the same jobs locked twice in a row), the jobs
 * still locked are the dead worker's: their deliveries' leases are ended and the jobs unlocked, through
 * graphile-worker's public view and function. A worker started afterwards sweeps them back on track at once,
 * as the restart supervisord makes would. Returns the dead workers' ids and how many deliveries it freed.
 */
export async function releaseDeadWorkersWork(db: Database, timeoutMs = 30_000): Promise<{ workers: string[]; deliveries: number }> {
  const deadline = Date.now() + timeoutMs;
  let last = await jobLocks(db);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const now = await jobLocks(db);
    if (now.due === 0 && now.lockedJobs.join() === last.lockedJobs.join()) break;
    if (Date.now() > deadline) throw new Error(`the live workers did not settle within ${timeoutMs} ms: ${JSON.stringify(now)}`);
    last = now;
  }
  const { workers } = last;
  const freed = await db.result(
    `UPDATE deliveries SET lease_until = now() - interval '1 second'
      WHERE status = 'sending' AND 'deliver:' || id IN (SELECT key FROM graphile_worker.jobs WHERE locked_by = ANY($1::text[]))`,
    [workers],
  );
  await db.one('SELECT graphile_worker.force_unlock_workers($1::text[]) IS NULL AS done', [workers]);
  return { workers, deliveries: freed.rowCount };
}
