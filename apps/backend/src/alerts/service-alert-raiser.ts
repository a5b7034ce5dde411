import { TransitionRefusedError } from '../common/errors';
import type { ServiceAlert, ServiceAlerts } from '../oncall/service-alerts';
import type { AlertService } from './alert.service';

/** The name an alert Klaxon raised for a service gives as its source. */
export const SERVICE_ALERT_SOURCE = 'klaxon';

/**
 * ServiceAlerts over the alert service: what on-call code (a missed heartbeat) raises goes through the same
 * raise as any alert, deduplicated by its key.
 */
export class ServiceAlertRaiser implements ServiceAlerts {
  constructor(private readonly options: { alerts: AlertService }) {}

  /** Pages the service through its escalation policy (or, in a maintenance window, records it and pages nobody). */
  async raise(alert: ServiceAlert): Promise<{ alertId: string }> {
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
      targets: [],
      service: alert.service,
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

