import { maskEmail, maskPhone } from '@klaxon/logger';
import type { DeliveryEventDetails, DeliveryEventKind } from '@klaxon/contracts';
import type { Alert } from '../alerts/alert';
import type { NewAlertEvent } from '../alerts/alert-event.repository';
import type { Delivery } from './delivery.repository';

/** An address as logs, events and Slack may show it: numbers and email addresses masked, channel ids as they are. */
export function printable(delivery: Pick<Delivery, 'address'>): string {
  if (delivery.address.includes('@')) return maskEmail(delivery.address);
  return delivery.address.startsWith('+') ? maskPhone(delivery.address) : delivery.address;
}

/** Who a page was for, as the alert's thread names them. */
export const whoOf = (delivery: Pick<Delivery, 'slackUserId' | 'address'>): string => (delivery.slackUserId ? `<@${delivery.slackUserId}>` : printable(delivery));

/** What an audit event says of a delivery. */
export type EventDelivery = Pick<Delivery, 'id' | 'alertId' | 'tenantId' | 'channel' | 'address' | 'slackUserId' | 'round' | 'attempts'>;

export function eventOf<K extends DeliveryEventKind>(delivery: EventDelivery, alert: Pick<Alert, 'id' | 'tenantId'>, kind: K, details: DeliveryEventDetails[K]): NewAlertEvent<K> {
  const data = { delivery_id: delivery.id, channel: delivery.channel, to: printable(delivery), slack_user_id: delivery.slackUserId, round: delivery.round, attempt: delivery.attempts, ...details };
  // DeliveryEventData & DeliveryEventDetails[K] is what AlertEventData<K> means for a page's kind; the compiler cannot follow a generic that far.
  return { alertId: alert.id, tenantId: alert.tenantId, kind, actor: 'system', data } as NewAlertEvent<K>;
}
