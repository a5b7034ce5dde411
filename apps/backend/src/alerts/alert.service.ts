import type { Logger } from '@klaxon/logger';
import type { Database } from '../db/database';
import { NotFoundError } from '../errors';
import type { Alert, NewAlert } from './alert';
import { appendAlertEvent } from './alert-event.repository';
import { allocateAlertNumber, findAlertById, findAlertByRequestId, insertAlert, listAlerts } from './alert.repository';

/** `created`: a new alert; `replayed`: the same request id was seen before, nothing new was written. */
export type RaiseOutcome = 'created' | 'replayed';

/** Which alerts a caller may see: a key bound to a tenant sees only that tenant. */
export interface CallerScope {
  tenantId: string | null;
}

// Thrown inside the transaction to roll back the number it allocated when a concurrent twin won.
class RequestAlreadyRaised extends Error {}

export class AlertService {
  private readonly db: Database;
  private readonly logger: Logger;

  constructor({ db, logger }: { db: Database; logger: Logger }) {
    this.db = db;
    this.logger = logger;
  }

  /** Stores the alert, its targets and its first audit event in one transaction. */
  async raise(input: NewAlert): Promise<{ alert: Alert; outcome: RaiseOutcome }> {
    const replay = await this.findReplay(input);
    if (replay) return replay;
    try {
      const alert = await this.db.tx('raise-alert', async (t) => {
        const number = await allocateAlertNumber(t, input.tenantId);
        const inserted = await insertAlert(t, input, number);
        if (!inserted) throw new RequestAlreadyRaised();
        await appendAlertEvent(t, {
          alertId: inserted.id,
          tenantId: inserted.tenantId,
          kind: 'created',
          actor: input.slackUserId ? `slack:${input.slackUserId}` : input.source,
          data: { severity: inserted.severity, source: inserted.source, targets: inserted.targets.length },
        });
        return inserted;
      });
      this.logger.info('alert raised', { alertId: alert.id, tenantId: alert.tenantId, alertNumber: alert.number, severity: alert.severity });
      return { alert, outcome: 'created' };
    } catch (error) {
      if (!(error instanceof RequestAlreadyRaised)) throw error;
      const twin = await this.findReplay(input);
      if (!twin) throw new Error('request id conflicted but no alert carries it', { cause: error });
      return twin;
    }
  }

  async get(id: string, scope: CallerScope): Promise<Alert> {
    const alert = await findAlertById(this.db, id);
    // Another tenant's alert is reported exactly like a missing one, so ids cannot be probed.
    if (!alert || (scope.tenantId !== null && alert.tenantId !== scope.tenantId)) {
      throw new NotFoundError(`no alert with id ${id}`);
    }
    return alert;
  }

  async list(filter: { tenantId: string; limit: number }): Promise<Alert[]> {
    return listAlerts(this.db, filter);
  }

  private async findReplay(input: NewAlert): Promise<{ alert: Alert; outcome: RaiseOutcome } | null> {
    if (!input.requestId) return null;
    const alert = await findAlertByRequestId(this.db, input.tenantId, input.requestId);
    return alert ? { alert, outcome: 'replayed' } : null;
  }
}
