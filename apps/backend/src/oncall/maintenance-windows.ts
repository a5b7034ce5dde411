import { MAX_MAINTENANCE_DAYS, type MaintenanceRequest } from '@klaxon/contracts';
import { NotFoundError, ValidationError } from '../common/errors';
import { DAY_MS } from '../time/zone-rules';
import type { NamedStoreOptions } from './named-store';
import { endMaintenanceEarly, endOf, insertMaintenance, listMaintenance, listTenantMaintenance, maintenanceAt, type MaintenanceWindow } from './maintenance.repository';
import { serviceNotFound } from './service-catalog';
import { findService } from './service.repository';

/** Who opened a window from the API without naming a Slack user. */
export const API_CREATOR = 'api';

/**
 * Maintenance windows: while a service is in one, its alerts are recorded and page nobody (the raise asks
 * `inMaintenance`). Times are the clock's; a window is `[start, end)`, ended early by `end()`.
 */
export class MaintenanceWindows {
  constructor(private readonly options: NamedStoreOptions) {}

  /** Opens a window for the service, from `start` (now when left out) to `end`. */
  async open(tenantId: string, service: string, request: MaintenanceRequest): Promise<MaintenanceWindow> {
    const now = this.options.clock.now();
    const start = request.start ?? now;
    if (request.end.getTime() <= start.getTime()) throw new ValidationError(`end: must be after start (${start.toISOString()})`);
    if (request.end.getTime() <= now.getTime()) throw new ValidationError(`end: ${request.end.toISOString()} is past: a window must end after now (${now.toISOString()})`);
    if (request.end.getTime() - start.getTime() > MAX_MAINTENANCE_DAYS * DAY_MS) throw new ValidationError(`end: at most ${MAX_MAINTENANCE_DAYS} days after start`);
    const window = await insertMaintenance(this.options.db, {
      tenantId,
      service,
      start,
      end: request.end,
      reason: request.reason ?? null,
      createdBy: request.created_by ?? API_CREATOR,
      now,
    });
    if (!window) throw serviceNotFound(tenantId, service);
    return window;
  }

  /** The service's windows not over yet (the current one first, then the upcoming ones). */
  async list(tenantId: string, service: string): Promise<MaintenanceWindow[]> {
    await this.requireService(tenantId, service);
    return listMaintenance(this.options.db, tenantId, service, this.options.clock.now());
  }

  /** Every service's windows not over yet: `/alert maintenance`. */
  listTenant(tenantId: string): Promise<MaintenanceWindow[]> {
    return listTenantMaintenance(this.options.db, tenantId, this.options.clock.now());
  }

  /** Ends the window now (an upcoming one then never starts); a window already over is answered as it was. */
  async end(tenantId: string, service: string, id: string): Promise<MaintenanceWindow> {
    const window = await endMaintenanceEarly(this.options.db, tenantId, service, id, this.options.clock.now());
    if (window) return window;
    await this.requireService(tenantId, service);
    throw new NotFoundError(`service "${service}" has no maintenance window ${id}: windows are named by the id their POST answered`);
  }

  /** The window the service is in at `at`, or null: what the raise of an alert for the service asks. */
  inMaintenance(tenantId: string, service: string, at: Date): Promise<MaintenanceWindow | null> {
    return maintenanceAt(this.options.db, tenantId, service, at);
  }

  /** The window the service is in now, by the clock: what a raise for the service asks. */
  inMaintenanceNow(tenantId: string, service: string): Promise<MaintenanceWindow | null> {
    return this.inMaintenance(tenantId, service, this.options.clock.now());
  }

  private async requireService(tenantId: string, service: string): Promise<void> {
    if (!(await findService(this.options.db, tenantId, service))) throw serviceNotFound(tenantId, service);
  }
}

/** The created event's note of an alert raised for a service in a window: why nobody was paged. */
export function maintenanceNote(service: string, window: MaintenanceWindow): string {
  const reason = window.reason ? ` (${window.reason})` : '';
  return `raised while ${service} is in maintenance until ${endOf(window).toISOString()}${reason}: pages nobody`;
}
