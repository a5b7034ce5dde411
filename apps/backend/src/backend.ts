import type express from 'express';
import type { BackendConfig } from '@klaxon/config';
import type { Logger } from '@klaxon/logger';
import { createApp } from './app';
import { AlertService } from './alerts/alert.service';
import { systemClock, type Clock } from './clock';
import { ContactResolver } from './contacts/contact-resolver';
import { ContactService } from './contacts/contact.service';
import { createSlackDirectory, type SlackDirectory } from './contacts/slack-directory';
import { closeDatabase, createDatabase, type Database } from './db/database';
import type { Failpoints } from './failpoints';
import { createBackendMetrics, type BackendMetrics } from './metrics';
import { createChannelRegistry } from './notify/channels/create-channel-registry';
import type { ChannelRegistry } from './notify/channels/channel-registry';
import { DeliveryService } from './notify/delivery.service';
import { reportedDeliveries } from './notify/delivery.repository';
import { TwilioWebhooks } from './twilio/twilio-webhooks';
import { EscalationService } from './notify/escalation.service';
import { graphileDeliveryQueue, startNotificationWorker, type NotificationWorker } from './notify/notification-worker';
import { PagingScheduler } from './notify/paging-scheduler';
import type { ChannelPoster } from './notify/providers/channel-poster';
import { SlackChannelPoster } from './notify/providers/slack-channel-poster';
import { AlertMessageWorker } from './slack/alert-message-worker';
import { SlackThreadNotices } from './slack/thread-notices';

/** What a test, the bench or main.ts may put in place of the default part; everything else is built from config. */
export interface BackendOverrides {
  db?: Database;
  clock?: Clock;
  metrics?: BackendMetrics;
  poster?: ChannelPoster;
  directory?: SlackDirectory;
  registry?: ChannelRegistry;
  failpoints?: Failpoints;
  version?: string;
  /** Random source of retry jitter (tests make it deterministic). */
  random?: () => number;
  /** The sweeper's timing (tests sweep by hand instead of waiting for it). */
  sweeper?: { sweepIntervalMs?: number; orphanGraceMs?: number };
}

export interface Backend {
  /** The HTTP app, not listening. */
  app: express.Express;
  db: Database;
  clock: Clock;
  registry: ChannelRegistry;
  alerts: AlertService;
  contacts: ContactService;
  deliveries: DeliveryService;
  escalations: EscalationService;
  messages: AlertMessageWorker;
  /** Starts the job runner (deliveries, escalations, channel messages); a backend may serve HTTP without it. */
  startWorker(): Promise<NotificationWorker>;
  /** Stops the worker (if started), then closes the database unless it was given. */
  close(): Promise<void>;
}

/**
 * The composition root: builds every part of the backend from its configuration, in one place that
 * main.ts, the test harnesses and the bench all call, so none keeps a hand-copied wiring list.
 */
export function createBackend(config: BackendConfig, logger: Logger, overrides: BackendOverrides = {}): Backend {
  const clock = overrides.clock ?? systemClock;
  const db =
    overrides.db ??
    createDatabase({
      url: config.databaseUrl,
      poolSize: config.databasePoolSize,
      applicationName: 'klaxon-backend',
      onIdleError: (error) => logger.warn('an idle database connection was closed; the pool replaces it', { error }),
    });
  const poster = overrides.poster ?? new SlackChannelPoster({ botToken: config.slack.botToken, apiUrl: config.slack.apiUrl, logger });
  const registry = overrides.registry ?? createChannelRegistry({ config, logger, poster });
  const notices = new SlackThreadNotices({ poster, logger });
  const { notify } = config;

  const deliveries = new DeliveryService({
    db,
    registry,
    queue: graphileDeliveryQueue,
    notices,
    logger,
    clock,
    maxAttempts: notify.maxAttempts,
    retryBaseMs: notify.retryBaseMs,
    leaseMs: notify.leaseMs,
    recipientLimit: { perRecipient: config.pagingLimits.perRecipient, windowMs: config.pagingLimits.windowMs },
    callbackBase: `${config.publicBaseUrl}/twilio`,
    ...(overrides.random ? { random: overrides.random } : {}),
    ...overrides.failpoints,
  });
  const escalations = new EscalationService({ db, registry, deliveries, notices, logger, clock, escalateAfterMs: notify.escalateAfterMs, escalationRounds: notify.escalationRounds });
  const messages = new AlertMessageWorker({ db, poster, logger, clock });
  const directory = overrides.directory ?? createSlackDirectory({ botToken: config.slack.botToken, apiUrl: config.slack.apiUrl, logger });
  const targets = new ContactResolver({ db, directory, defaultRegion: config.defaultPhoneRegion, cacheTtlMs: config.contactCacheTtlMs, logger, now: () => clock.now() });
  const alerts = new AlertService({ db, logger, targets, hooks: new PagingScheduler({ policy: notify, registry, deliveries, clock }) });
  const contacts = new ContactService({ db, defaultRegion: config.defaultPhoneRegion });
  const twilio = new TwilioWebhooks({ db, alerts, deliveries, escalations, notices, contacts, logger });
  const app = createApp({
    db,
    logger,
    metrics: overrides.metrics ?? createBackendMetrics(),
    serviceKeys: config.serviceKeys,
    version: overrides.version ?? 'dev',
    pagingLimits: config.pagingLimits,
    alerts,
    contacts,
    receipts: (alertIds) => reportedDeliveries(db, alertIds),
    twilio,
  });

  let worker: NotificationWorker | null = null;
  return {
    app,
    db,
    clock,
    registry,
    alerts,
    contacts,
    deliveries,
    escalations,
    messages,
    startWorker: async () => {
      worker ??= await startNotificationWorker({ databaseUrl: config.databaseUrl, db, logger, deliveries, escalations, messages, policy: notify, ...overrides.sweeper });
      return worker;
    },
    close: async () => {
      const running = worker;
      worker = null;
      await running?.stop();
      if (!overrides.db) await closeDatabase(db);
    },
  };
}
