import type { Alert } from '../alerts/alert';

/**
 * Tells the people watching an alert what happened to a page that will not arrive as planned (failed,
 * held). Slack implements it as a reply in the alert's thread; best effort, never throws.
 */
export interface AlertNotices {
  tell(alert: Alert, text: string): Promise<void>;
}
