import { TransitionRefusedError } from '../common/errors';
import { endOf, type MaintenanceWindow } from '../oncall/maintenance.repository';
import type { MaintenanceWindows } from '../oncall/maintenance-windows';
import type { ServiceAlert, ServiceAlerts } from '../oncall/service-alerts';
import type { Clock } from '../time/clock';
import type { AlertService } from './alert.service';

/** The name an alert Klaxon raised for a service gives as its source. */
export const SERVICE_ALERT_SOURCE = 'klaxon';

/**
 * ServiceAlerts over the alert service: what on-call code (a missed heartbeat) raises goes through the same
 * raise as any alert, deduplicated by its key.
 */
export class ServiceAlertRaiser implements ServiceAlerts {
  constructor(private readonly options: { alerts: AlertService; maintenance: Pick<MaintenanceWindows, 'inMaintenance'>; clock: Clock }) {}

  async raise(alert: ServiceAlert): Promise<{ alertId: string }> {
    const window = await this.options.maintenance.inMaintenance(alert.tenantId, alert.service, this.options.clock.now());
    const { alert: raised } = await this.options.alerts.raise({
      tenantId: alert.tenantId,
      severity: alert.severity,
      message: alert.message,
      ruleName: null,
      source: SERVICE_ALERT_SOURCE,
      origin: 'api',
      dedupKey: alert.dedupKey,
      requestId: null,
      slackChannelId: null,
      slackUserId: null,
      slackResponseUrl: null,
      // Paging a service through its escalation policy is the raise's work once services can be paged.
      targets: [],
      createdNote: window ? maintenanceNote(alert.service, window) : null,
    });
    return { alertId: raised.id };
  }

  async resolve({ tenantId, alertId, actor, note }: { tenantId: string; alertId: string; actor: string; note: string }): Promise<boolean> {
    try {
      await this.options.alerts.transition({ id: alertId, tenantId }, 'resolve', { actor, note }, { tenantId });
      return true;
    } catch (error) {
      if (error instanceof TransitionRefusedError) return false;
      throw error;
    }
  }
}

/** The created event's note of an alert raised in a maintenance window: why nobody was paged. */
export function maintenanceNote(service: string, window: MaintenanceWindow): string {
  const reason = window.reason ? ` (${window.reason})` : '';
  return `raised while ${service} is in maintenance until ${endOf(window).toISOString()}${reason}: pages nobody`;
}
