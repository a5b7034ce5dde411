import type { Logger } from '@klaxon/logger';
import type { Queryable } from '../db/database';
import type { Clock } from '../time/clock';
import { chargePagingLimits, prunePagingLimitCounters } from './paging-limit.repository';
import { pagingCharge, type PagingCharge, type PagingLimits } from './paging-limits';

/** How often one backend deletes counters whose window has ended, and how many at most each time. */
const PRUNE_EVERY_MS = 60_000;
const PRUNE_AT_MOST = 1000;

/**
 * The per-user, per-tenant and global paging limits, counted in PostgreSQL (paging_limit_counters) so that
 * any number of backends allow exactly what one allows. A single raise is counted in the statement that
 * stores it (`forRaise`, then AlertService.raise); a webhook's group is counted whole before its raises
 * (`charge`). Windows come from the injected clock.
 */
export class PagingLimitService {
  private readonly db: Queryable;
  private readonly clock: Clock;
  private readonly logger: Logger;
  readonly limits: PagingLimits;
  private nextPruneAt = -Infinity;

  constructor({ db, clock, logger, limits }: { db: Queryable; clock: Clock; logger: Logger; limits: PagingLimits }) {
    this.db = db;
    this.clock = clock;
    this.logger = logger;
    this.limits = limits;
  }

  /** What one raise counts against (the raise's statement counts it). Prunes old counters first when due. */
  async forRaise(raise: { tenantId: string; slackUserId: string | null }): Promise<PagingCharge> {
    await this.pruneWhenDue();
    return pagingCharge(this.limits, { ...raise, pages: 1, now: this.clock.now() });
  }

  /** Counts `pages` raises of the tenant (no user) now: all of them, or PagingLimitRefusedError and none. */
  async charge(tenantId: string, pages: number): Promise<void> {
    if (pages <= 0) return;
    await this.pruneWhenDue();
    await chargePagingLimits(this.db, pagingCharge(this.limits, { tenantId, slackUserId: null, pages, now: this.clock.now() }));
  }

  /**
   * Deletes counters whose window has ended (one key per Slack user who ever paged would pile up otherwise).
   * Each backend does it once a minute, on its next raise: one short statement that waits for no lock.
   */
  async prune(): Promise<number> {
    const now = this.clock.now();
    this.nextPruneAt = now.getTime() + PRUNE_EVERY_MS;
    return prunePagingLimitCounters(this.db, now, PRUNE_AT_MOST);
  }

  private async pruneWhenDue(): Promise<void> {
    if (this.clock.now().getTime() < this.nextPruneAt) return;
    // A failed prune costs nothing but a few rows kept until the next one; the raise goes on.
    await this.prune().catch((error: unknown) => this.logger.warn('paging limit counters not pruned', { error }));
  }
}
