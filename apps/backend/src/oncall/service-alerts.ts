import type { Severity } from '@klaxon/contracts';

/** An alert raised for a service by Klaxon itself (a missed heartbeat): paged through the service's policy. */
export interface ServiceAlert {
  tenantId: string;
  service: string;
  message: string;
  severity: Severity;
  /** While an alert with this key is open, raising again answers that alert. */
  dedupKey: string;
}

/**
 * The port through which on-call code raises and resolves alerts: the alerts room sits a floor above this one,
 * so backend.ts plugs the alert service in. Raising is idempotent by dedup key.
 */
export interface ServiceAlerts {
  /** The alert's id (the open one with the dedup key when there is one). Throws when it could not be raised. */
  raise(alert: ServiceAlert): Promise<{ alertId: string }>;
  /** Resolves the alert as `actor`; false when it was already resolved (someone did it by hand). */
  resolve(change: { tenantId: string; alertId: string; actor: string; note: string }): Promise<boolean>;
}
