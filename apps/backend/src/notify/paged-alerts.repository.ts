import type { AlertStatus } from '@klaxon/contracts';
import type { Queryable } from '../db/database';

/** An alert a page went to a phone number for, as a reply from that number may name it. */
export interface PagedAlert {
  alertId: string;
  tenantId: string;
  number: number;
  replyCode: string;
  status: AlertStatus;
  message: string;
  /** The person the page was for (the reply acts as them); null for a bare number target. */
  slackUserId: string | null;
  /** When the latest page of the alert to this number went out. */
  sentAt: Date;
  /** That page's escalation round (0 for the raise's): a `pass` reply passes on from it. */
  round: number;
}

/**
 * The alerts pages went to `address` for, newest page first, all tenants (only `number` when given): a
 * reply from a number may only act on these.
 */
export async function alertsPagedTo(db: Queryable, address: string, { number = null, limit = 50 }: { number?: number | null; limit?: number } = {}): Promise<PagedAlert[]> {
  return db.manyOrNone(
    `SELECT a.id AS "alertId", a.tenant_id AS "tenantId", a.number, a.reply_code AS "replyCode", a.status, a.message,
            d.slack_user_id AS "slackUserId", d.sent_at AS "sentAt", d.round
       FROM (SELECT DISTINCT ON (alert_id) alert_id, slack_user_id, sent_at, round FROM deliveries
              WHERE address = $(address) AND status = 'sent' ORDER BY alert_id, sent_at DESC NULLS LAST) d
       JOIN alerts a ON a.id = d.alert_id
      WHERE $(number)::integer IS NULL OR a.number = $(number)::integer
      ORDER BY d.sent_at DESC NULLS LAST, a.id
      LIMIT $(limit)`,
    { address, number, limit },
  );
}
