import { durationSeconds, type HeartbeatRequest } from '@klaxon/contracts';
import type { Logger } from '@klaxon/logger';
import { NotFoundError, ValidationError } from '../common/errors';
import type { NamedStore, NamedStoreOptions } from './named-store';
import { deleteHeartbeat, findHeartbeat, listHeartbeats, recordPing, saveHeartbeat, type Heartbeat } from './heartbeat.repository';
import type { ServiceAlerts } from './service-alerts';

/** The actor of what a heartbeat does to its alert, and the alert's dedup key: `heartbeat:<name>`. */
export const heartbeatKey = (name: string): string => `heartbeat:${name}`;

export interface HeartbeatRegistryOptions extends NamedStoreOptions {
  alerts: ServiceAlerts;
  logger: Logger;
}

/** The tenant's heartbeats, and their pings: a ping keeps one up, and brings a down one back (resolving its alert). */
export class HeartbeatRegistry implements NamedStore<HeartbeatRequest, Heartbeat> {
  constructor(private readonly options: HeartbeatRegistryOptions) {}

  /** Creates (due within interval + grace from now) or replaces the heartbeat; its service must be the tenant's. */
  async save(tenantId: string, name: string, request: HeartbeatRequest): Promise<{ saved: Heartbeat; created: boolean }> {
    return this.options.db.tx(async (tx) => {
      const saved = await saveHeartbeat(tx, {
        tenantId,
        name,
        service: request.service,
        intervalSeconds: durationSeconds(request.interval),
        graceSeconds: request.grace ? durationSeconds(request.grace) : 0,
        severity: request.severity,
        now: this.options.clock.now(),
      });
      if (!saved) throw new ValidationError(`service: tenant ${tenantId} has no service "${request.service}"`);
      return { saved: (await findHeartbeat(tx, tenantId, name))!, created: saved.created };
    });
  }

  async get(tenantId: string, name: string): Promise<Heartbeat> {
    const heartbeat = await findHeartbeat(this.options.db, tenantId, name);
    if (!heartbeat) throw heartbeatNotFound(tenantId, name);
    return heartbeat;
  }

  list(tenantId: string): Promise<Heartbeat[]> {
    return listHeartbeats(this.options.db, tenantId);
  }

  /** Its open alert, if any, stays open: whoever deletes a heartbeat that is down decides what the alert means. */
  async delete(tenantId: string, name: string): Promise<void> {
    if (!(await deleteHeartbeat(this.options.db, tenantId, name))) throw heartbeatNotFound(tenantId, name);
  }

  /** The heartbeat is up until interval + grace from now; the alert of a down one is resolved (as `heartbeat:<name>`). */
  async ping(tenantId: string, name: string): Promise<{ heartbeat: Heartbeat; resolvedAlertId: string | null }> {
    const pinged = await recordPing(this.options.db, tenantId, name, this.options.clock.now());
    if (!pinged) throw heartbeatNotFound(tenantId, name);
    const { heartbeat, previous } = pinged;
    if (previous === 'up' || heartbeat.alertId === null) return { heartbeat, resolvedAlertId: null };
    const resolved = await this.options.alerts.resolve({ tenantId, alertId: heartbeat.alertId, actor: heartbeatKey(name), note: 'pinged again' });
    this.options.logger.info('heartbeat up again', { tenantId, heartbeat: name, alertId: heartbeat.alertId, resolved });
    return { heartbeat, resolvedAlertId: resolved ? heartbeat.alertId : null };
  }
}

const heartbeatNotFound = (tenantId: string, name: string) => new NotFoundError(`tenant ${tenantId} has no heartbeat "${name}"`);
