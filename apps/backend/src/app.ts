import express from 'express';
import helmet from 'helmet';
import type { ServiceKey } from '@klaxon/config';
import type { Logger } from '@klaxon/logger';
import type { AlertService } from './alerts/alert.service';
import type { ContactService } from './contacts/contact.service';
import type { Database } from './db/database';
import { alertsRouter, type ReceiptsLoader } from './http/alerts.routes';
import { twilioRouter } from './http/twilio.routes';
import type { TwilioWebhooks } from './twilio/twilio-webhooks';
import { contactsRouter } from './http/contacts.routes';
import { ownPhoneRouter } from './http/own-phone.routes';
import type { PhoneVerificationService } from './contacts/phone-verification.service';
import { testPagesRouter } from './http/test-pages.routes';
import type { TestPages } from './notify/test-pages';
import { errorHandler, notFound } from './http/error.middleware';
import { healthRouter, type HealthSources } from './http/health.routes';
import type { PagingLimiter } from './http/paging-rate-limit';
import { alertmanagerRouter } from './http/alertmanager.routes';
import type { AlertmanagerService } from './integrations/alertmanager.service';
import { openApiDocument } from './http/openapi';
import { openApiRouter } from './http/openapi.routes';
import { metricsRouter } from './http/metrics.routes';
import { requestId } from './http/request-id.middleware';
import { requireServiceKey } from './http/service-key.middleware';
import { pagerDutyRouter } from './http/pagerduty.routes';
import type { PagerDutyService } from './integrations/pagerduty/pagerduty.service';
import type { BackendMetrics } from './observe/metrics';
import { oncallRouter, type OnCallRoutesDependencies } from './http/oncall.routes';
import { oncallConfigRouter } from './http/oncall-config.routes';
import { maintenanceHeartbeatRouter, type MaintenanceHeartbeatRoutesDependencies } from './http/maintenance-heartbeats.routes';
import type { OnCallConfigService } from './oncall/oncall-config.service';
import { calendarRouter } from './http/calendar.routes';
import type { CalendarFeeds } from './oncall/calendar-feeds';

export interface AppDependencies {
  db: Database;
  logger: Logger;
  metrics: BackendMetrics;
  /** What /health asks besides the database: the job runner, the channels, the backlog bound. */
  health: Omit<HealthSources, 'db' | 'version'>;
  serviceKeys: readonly ServiceKey[];
  version: string;
  /** Largest accepted JSON body on every route but Alertmanager's, which has its own (ALERTMANAGER_BODY_LIMIT_BYTES). */
  bodyLimit?: string;
  alerts: AlertService;
  contacts: ContactService;
  /** `/alert phone` and `/alert phone verify`: numbers people give themselves wait for a code. */
  phones: PhoneVerificationService;
  alertmanager: AlertmanagerService;
  pagerDuty: PagerDutyService;
  testPages: TestPages;
  /** The paging limits of every route that raises: a page counts once against its tenant however it came. */
  limiter: PagingLimiter;
  receipts: ReceiptsLoader;
  /** How each registered channel reads (the registry's labels), sent with the alerts so a client can show any channel. */
  channelLabels: Record<string, string>;
  /** Twilio's webhooks as the gateway forwards them (private: the service key guards them like every route). */
  twilio: TwilioWebhooks;
  /** Schedules, escalation policies, services, and who is on call. */
  oncall: OnCallRoutesDependencies;
  /** The on-call setup as one document: exported, and applied in one transaction (`npm run oncall`). */
  oncallConfig: OnCallConfigService;
  /** Schedules' calendar feeds, by token (the gateway forwards the public /calendar/<token>.ics). */
  calendars: CalendarFeeds;
  /** Services' maintenance windows, and heartbeats. */
  maintenanceHeartbeats: MaintenanceHeartbeatRoutesDependencies;
}

/** Builds the backend's HTTP app without listening: tests drive it with supertest, main.ts listens. */
export function createApp({ db, logger, metrics, health, serviceKeys, version, alerts, contacts, phones, alertmanager, pagerDuty, testPages, limiter, receipts, channelLabels, twilio, oncall, oncallConfig, calendars, maintenanceHeartbeats, bodyLimit = '256kb' }: AppDependencies): express.Express {
  const app = probedApp({ db, metrics, health, version });
  app.use(openApiRouter(openApiDocument));

  // Authenticate before parsing, so an unauthenticated caller cannot make us read a large body.
  app.use(requireServiceKey(serviceKeys));
  // Before the app's JSON parser: Alertmanager's groups get their own, larger limit on that route alone.
  app.use(alertmanagerRouter({ alerts, alertmanager, metrics, limiter }));
  app.use(express.json({ limit: bodyLimit }));
  app.use(alertsRouter({ alerts, metrics, limiter, receipts, channelLabels }));
  app.use(twilioRouter(twilio));
  app.use(contactsRouter({ contacts, phones }));
  app.use(ownPhoneRouter({ phones }));
  app.use(pagerDutyRouter({ pagerDuty }));
  app.use(testPagesRouter({ testPages }));
  app.use(oncallRouter(oncall));
  app.use(oncallConfigRouter({ config: oncallConfig }));
  app.use(calendarRouter({ feeds: calendars }));
  app.use(maintenanceHeartbeatRouter(maintenanceHeartbeats));

  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}

export type ProbeAppDependencies = Pick<AppDependencies, 'db' | 'logger' | 'metrics' | 'health' | 'version'>;

/**
 * A worker's HTTP app: /health and /metrics only. It raises nothing and serves no API, so it needs no service
 * key and can listen beside the API on the same host (docs/scaling.md).
 */
export function createProbeApp({ db, logger, metrics, health, version }: ProbeAppDependencies): express.Express {
  const app = probedApp({ db, metrics, health, version });
  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}

/** What every backend app starts with: security headers, request ids, HTTP metrics, then the public probes. */
function probedApp({ db, metrics, health, version }: Omit<ProbeAppDependencies, 'logger'>): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(helmet());
  app.use(requestId);
  app.use((req, res, next) => {
    const stop = metrics.httpDuration.startTimer();
    res.on('finish', () => {
      // The route template, never the raw path: ids in labels would grow the series without bound.
      const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      stop({ method: req.method, route });
      metrics.httpRequests.inc({ method: req.method, route, status_class: `${Math.floor(res.statusCode / 100)}xx` });
    });
    next();
  });
  // Public: probes and Prometheus come before the service key.
  app.use(healthRouter({ db, version, ...health }));
  app.use(metricsRouter(metrics.registry));
  return app;
}
