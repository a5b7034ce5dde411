// The fault suite's pieces: the built backend in its own process (spawnBackend) against a database, the fake
// Twilio and the fake Slack; a storm of tagged alerts; and the count of pages per tag at the fake Twilio.
import { PassThrough } from 'node:stream';
import type { BackendRole } from '@klaxon/config';
import { createLogger } from '@klaxon/logger';
import type { FakeTwilio, FakeTwilioRequest } from '@klaxon/testing';
import { migrate } from '../../apps/backend/src/db/migrate';
import { spawnPagingBackend, type BackendProcess } from '../../apps/backend/test/integration/backend-process';
import { SERVICE_KEY } from '../../apps/backend/test/integration/helpers';
import { succeeded } from '../../apps/backend/test/integration/paging-harness';

export { SERVICE_KEY };

export const quietLogger = () => createLogger({ service: 'faults', format: 'json', stream: new PassThrough() });

export async function migrated(databaseUrl: string): Promise<void> {
  await migrate({ databaseUrl, logger: quietLogger() });
}

/** The built backend on `databaseUrl` (in `role`), paging through the fake Twilio; limits out of the way of a storm. */
export function faultBackend(databaseUrl: string, twilio: FakeTwilio, slackApiUrl: string, extra: Record<string, string> = {}, role: BackendRole = 'all'): Promise<BackendProcess> {
  return spawnPagingBackend({ databaseUrl, twilioUrl: twilio.url, slackApiUrl }, {
    // The shortest lease the configuration accepts; tests that kill a backend end its leases themselves.
    NOTIFY_LEASE: '36s',
    NOTIFY_RETRY_BASE: '100ms',
    NOTIFY_CONCURRENCY: '10',
    ESCALATE_AFTER: '1h',
    PAGE_LIMIT_PER_USER: '10000',
    PAGE_LIMIT_PER_TENANT: '100000',
    PAGE_LIMIT_GLOBAL: '1000000',
    PAGE_LIMIT_PER_RECIPIENT: '10000',
    PAGE_LIMIT_WINDOW: '10s',
    ...extra,
  }, role);
}

export type RaiseOutcome = { status: number; tag: string } | { status: 'no answer'; tag: string; error: string };

/** POST /alert of one `high` alert tagged `[tag]` (one WhatsApp page, to one number); never throws. */
export async function raiseTagged(url: string, tenantId: string, tag: string): Promise<RaiseOutcome> {
  try {
    const response = await fetch(`${url}/alert`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-service-key': SERVICE_KEY },
      body: JSON.stringify({ tenant_id: tenantId, message: `fault storm [${tag}]`, severity: 'high', targets: [{ phone: '+14155550142' }] }),
      signal: AbortSignal.timeout(15_000),
    });
    await response.arrayBuffer();
    return { status: response.status, tag };
  } catch (error) {
    return { status: 'no answer', tag, error: error instanceof Error ? error.message : String(error) };
  }
}

/** `count` tagged raises from `clients` concurrent clients; `target()` picks the backend URL for each (it may change, or wait for a restart). */
export async function storm(count: number, clients: number, target: () => string | Promise<string>, tenantId: string, onEach?: (outcome: RaiseOutcome, done: number) => void): Promise<RaiseOutcome[]> {
  const outcomes: RaiseOutcome[] = [];
  let next = 0;
  const client = async () => {
    while (next < count) {
      const tag = `${tenantId}-${next++}`;
      const outcome = await raiseTagged(await target(), tenantId, tag);
      outcomes.push(outcome);
      onEach?.(outcome, outcomes.length);
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  return outcomes;
}

export function tagOf(request: FakeTwilioRequest): string | undefined {
  return /\[([^\]\s]+)\]/.exec(request.form.Body ?? '')?.[1];
}

/** Successful WhatsApp creates per tag, and every attempt per tag (failed ones too). */
export function pagesByTag(twilio: FakeTwilio): { sent: Map<string, FakeTwilioRequest[]>; attempts: Map<string, number> } {
  const sent = new Map<string, FakeTwilioRequest[]>();
  const attempts = new Map<string, number>();
  for (const message of twilio.messages()) {
    const tag = tagOf(message);
    if (tag === undefined) continue;
    attempts.set(tag, (attempts.get(tag) ?? 0) + 1);
  }
  for (const message of succeeded(twilio.messages())) {
    const tag = tagOf(message);
    if (tag !== undefined) sent.set(tag, [...(sent.get(tag) ?? []), message]);
  }
  return { sent, attempts };
}

/**
 * The pages sent twice, checked against the one documented window (delivery-sender.ts): Twilio accepted the page
 * and the process died before recording it. Such a page was first accepted before `firstBefore` (the kill, or
 * the next process's start), sent again only from `againAfter` (when the dead one's work was taken back), and
 * there are at most `slots` of them (the dead process's NOTIFY_CONCURRENCY). Returns how many.
 */
export function expectDuplicatesOnlyInWindow(sent: Map<string, FakeTwilioRequest[]>, { firstBefore, againAfter, slots }: { firstBefore: number; againAfter: number; slots: number }): number {
  const twice = [...sent.values()].filter((pages) => pages.length > 1);
  for (const pages of twice) {
    expect(pages).toHaveLength(2);
    expect(pages[0]!.receivedAt.getTime()).toBeLessThanOrEqual(firstBefore);
    expect(pages[1]!.receivedAt.getTime()).toBeGreaterThanOrEqual(againAfter);
  }
  expect(twice.length).toBeLessThanOrEqual(slots);
  return twice.length;
}

/** Polls until `check` holds (bounded); returns the last value either way, for the assertion to show. */
export async function until<T>(read: () => Promise<T> | T, check: (value: T) => boolean, timeoutMs: number, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
