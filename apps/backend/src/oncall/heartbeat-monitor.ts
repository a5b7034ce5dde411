import { formatDuration } from '@klaxon/contracts';
import type { Logger } from '@klaxon/logger';
import type { Database } from '../db/database';
import type { Clock } from '../time/clock';
import { claimMissedHeartbeats, markHeartbeatDown, postponeHeartbeatCheck, type Heartbeat } from './heartbeat.repository';
import { heartbeatKey } from './heartbeat-registry';
import type { ServiceAlerts } from './service-alerts';

/** How often each backend looks for missed heartbeats (real time): DESIGN allows 5 s after the deadline. */
export const CHECK_EVERY_MS = 1_000;
/** Heartbeats claimed per transaction: a backlog (every heartbeat missed during an outage) goes in bounded steps. */
const CLAIM_BATCH = 50;
/** Raises under way at once in a check: each holds a pool connection (the pool has 10 by default, one is the claim's). */
const PARALLEL_RAISES = 4;
/** An alert that could not be raised is tried again this much later, not on every check. */
export const RETRY_RAISE_MS = 30_000;

export interface HeartbeatMonitorOptions {
  db: Database;
  clock: Clock;
  logger: Logger;
  alerts: ServiceAlerts;
  /** Between two checks; CHECK_EVERY_MS unless given. */
  checkEveryMs?: number;
}

/**
 * Notices missed heartbeats: every CHECK_EVERY_MS each backend claims the heartbeats that are up and past their
 * deadline (one range scan of a partial index, however many heartbeats there are: see the migration), raises
 * each one's alert for its service and marks it down, in the claim's transaction.
 *
 * Durable without a job per heartbeat: the deadline is a column, so a backend that starts after a deadline
 * passed (a restart, another instance) finds it on its first check. A ping is then one UPDATE, where a job per
 * heartbeat would have to replace a graphile-worker job (and notify) on every ping. Once: the claim locks the
 * rows (other checkers skip them, a ping waits), and the raise is idempotent by dedup key, so a checker that
 * dies after raising but before marking leaves the heartbeat up and past due, and the next check answers the
 * same open alert.
 */
export class HeartbeatMonitor {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(private readonly options: HeartbeatMonitorOptions) {}

  /** Checks now (a restart catches up at once), then every CHECK_EVERY_MS until stop(). */
  async start(): Promise<void> {
    await this.checkQuietly();
    this.timer ??= setInterval(() => void this.checkQuietly(), this.options.checkEveryMs ?? CHECK_EVERY_MS);
    this.timer.unref();
  }

  /** Stops the timer and waits for a check under way. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Raises the alert of every heartbeat missed by the clock's now; answers those it marked down. */
  async check(): Promise<Heartbeat[]> {
    const down: Heartbeat[] = [];
    for (;;) {
      const batch = await this.checkBatch();
      down.push(...batch.down);
      if (batch.claimed < CLAIM_BATCH) return down;
    }
  }

  private async checkBatch(): Promise<{ claimed: number; down: Heartbeat[] }> {
    const { db, clock } = this.options;
    return db.tx('check-heartbeats', async (tx) => {
      const now = clock.now();
      const missed = await claimMissedHeartbeats(tx, now, CLAIM_BATCH);
      // A few raises at a time: many heartbeats missed together (a network outage) must all page within seconds,
      // and each raise takes a pool connection of its own besides the claim's.
      const down: Heartbeat[] = [];
      for (let start = 0; start < missed.length; start += PARALLEL_RAISES) {
        const raised = await Promise.all(missed.slice(start, start + PARALLEL_RAISES).map((heartbeat) => this.raiseFor(heartbeat)));
        for (const [i, alertId] of raised.entries()) {
          const heartbeat = missed[start + i]!;
          if (alertId === null) {
            await postponeHeartbeatCheck(tx, heartbeat.id, new Date(now.getTime() + RETRY_RAISE_MS));
            continue;
          }
          await markHeartbeatDown(tx, heartbeat.id, alertId);
          down.push({ ...heartbeat, state: 'down', alertId });
        }
      }
      return { claimed: missed.length, down };
    });
  }

  /** The alert of a missed heartbeat: its id, or null when it could not be raised (logged; tried again later). */
  private async raiseFor(heartbeat: Heartbeat): Promise<string | null> {
    // `forService`, not `service`: the logger's own `service` field names the process (backend) on every line.
    const fields = { tenantId: heartbeat.tenantId, heartbeat: heartbeat.name, forService: heartbeat.service };
    try {
      const { alertId } = await this.options.alerts.raise({
        tenantId: heartbeat.tenantId,
        service: heartbeat.service,
        message: missedText(heartbeat),
        severity: heartbeat.severity,
        dedupKey: heartbeatKey(heartbeat.name),
      });
      this.options.logger.warn('heartbeat missed: alert raised', { ...fields, alertId });
      return alertId;
    } catch (error) {
      this.options.logger.error('heartbeat missed but its alert could not be raised; tried again later', { ...fields, error });
      return null;
    }
  }

  private async checkQuietly(): Promise<void> {
    if (this.running) return;
    this.running = this.check().catch((error: unknown) => this.options.logger.error('checking heartbeats failed; the next check tries again', { error }));
    await this.running;
    this.running = null;
  }
}

/** `Heartbeat "nightly-backup" missed: no ping since 2026-12-09T12:00:00.000Z (every 1m, grace 30s)`. */
export function missedText(heartbeat: Heartbeat): string {
  const since = heartbeat.lastPingAt ? `no ping since ${heartbeat.lastPingAt.toISOString()}` : 'never pinged';
  const grace = heartbeat.graceSeconds > 0 ? `, grace ${formatDuration({ kind: 'elapsed', seconds: heartbeat.graceSeconds })}` : '';
  return `Heartbeat "${heartbeat.name}" missed: ${since} (every ${formatDuration({ kind: 'elapsed', seconds: heartbeat.intervalSeconds })}${grace})`;
}
