import type express from 'express';
import { dutiesOf, type BackendConfig } from '@klaxon/config';
import type { Logger } from '@klaxon/logger';
import { createApp, createProbeApp } from './app';
import { AlertService, withFollowers } from './alerts/alert.service';
import { AlertmanagerService } from './integrations/alertmanager.service';
import { systemClock, type Clock, type Sleep } from './time/clock';
import { ContactResolver } from './contacts/contact-resolver';
import { ContactService } from './contacts/contact.service';
import { PhoneVerificationService } from './contacts/phone-verification.service';
import type { SlackDirectory } from './contacts/slack-directory';
import { createSlackDirectory } from './slack/slack-directory';
import { closeDatabase, createDatabase, type Database } from './db/database';
import type { Failpoints } from './common/failpoints';
import type { WorkerState } from './http/health.routes';
import { PagerDutyService } from './integrations/pagerduty/pagerduty.service';
import { createBackendMetrics, type BackendMetrics } from './observe/metrics';
import { ChannelRegistry, type ChannelRegistration } from './channels/channel-registry';
import { twilioChannels } from './twilio/twilio.channels';
import { emailChannels } from './email/email.channel';
import { slackChannels } from './slack/slack.channel';
import { TestPages } from './notify/test-pages';
import { DeliveryPlanner } from './notify/delivery-planner';
import { DeliveryHolds } from './notify/delivery-holds';
import { DeliveryFallback } from './notify/delivery-fallback';
import { DeliverySender } from './notify/delivery-sender';
import { DeliveryReceipts } from './notify/delivery-receipts';
import { reportedDeliveries } from './notify/delivery-receipt.repository';
import { TwilioWebhooks } from './twilio/twilio-webhooks';
import { PhoneAnswers } from './notify/phone-answers';
import { TwilioWebhookMemory } from './twilio/twilio-webhook-memory';
import { EscalationService } from './notify/escalation.service';
import { jobBacklog } from './jobs/job-backlog.repository';
import { startNotificationWorker, type NotificationWorker } from './notify/notification-worker';
import { graphileDeliveryQueue } from './notify/delivery-queue';
import type { TaskList } from './jobs/job-runner';
import type { JobPayloads } from './jobs/job-queue';
import { PagingScheduler } from './notify/paging-scheduler';
import type { ChannelPoster } from './channels/channel-poster';
import { SlackChannelPoster } from './slack/slack-channel-poster';
import { AlertMessageWorker } from './views/alert-channel-message';
import { SlackThreadNotices } from './slack/thread-notices';
import { PagingLimitService } from './alerts/paging-limit.service';
import { pagingLimiter, type PagingLimiterFactory } from './http/paging-rate-limit';
import { ScheduleService } from './oncall/schedule.service';
import { EscalationPolicyService } from './oncall/escalation-policy.service';
import { ServiceCatalog } from './oncall/service-catalog';
import { OnCallOverview } from './oncall/oncall-overview';
import { OnCallConfigService } from './oncall/oncall-config.service';
import { CalendarFeeds } from './oncall/calendar-feeds';
import { PersonNames } from './oncall/person-names';
import { HandoffNotices } from './oncall/handoff-notices';
import { ServicePaging } from './oncall/service-paging';
import { PolicyEscalation } from './notify/policy-escalation';
import { MaintenanceWindows } from './oncall/maintenance-windows';
import { HeartbeatRegistry } from './oncall/heartbeat-registry';
import { HeartbeatMonitor } from './oncall/heartbeat-monitor';
import { ServiceAlertRaiser } from './alerts/service-alert-raiser';
import { SlackDirectMessenger } from './slack/slack-direct-messenger';
import type { DirectMessenger } from './channels/direct-messenger';

/** What a test, the bench or main.ts may put in place of the default part; everything else is built from config. */
export interface BackendOverrides {
  db?: Database;
  clock?: Clock;
  /** How engine code pauses (record retries, a webhook copy waiting): tests move their clock instead of waiting. */
  sleep?: Sleep;
  metrics?: BackendMetrics;
  poster?: ChannelPoster;
  directory?: SlackDirectory;
  /** Slack direct messages (hand-off notices). */
  directMessenger?: DirectMessenger;
  registry?: ChannelRegistry;
  /** Channels registered after the shipped ones, as a provider room's line would (a test's stand-in channel). */
  channels?: readonly ChannelRegistration[];
  failpoints?: Failpoints;
  version?: string;
  /** Random source of retry jitter (tests make it deterministic). */
  random?: () => number;
  /** The sweeper's timing (tests sweep by hand instead of waiting for it). */
  sweeper?: { sweepIntervalMs?: number; orphanGraceMs?: number };
  /** Between two checks for missed heartbeats (tests check by hand, or often). */
  heartbeatCheckEveryMs?: number;
  /** How long a copy of a Twilio webhook waits for the first copy's answer (tests shorten it). */
  twilioWebhookWaitMs?: number;
  /** Another way of counting the paging limits (the bench measures alternatives against Klaxon's). */
  pagingLimiter?: PagingLimiterFactory;
}

export interface Backend {
  /** The HTTP app, not listening. */
  app: express.Express;
  /** /health and /metrics alone: what a `worker` serves instead of the API. */
  probeApp: express.Express;
  db: Database;
  clock: Clock;
  registry: ChannelRegistry;
  alerts: AlertService;
  contacts: ContactService;
  /** Sends a delivery (the `deliver` task's service). */
  sender: DeliverySender;
  /** Held pages: tests release the due ones by hand instead of waiting for a sweep. */
  holds: DeliveryHolds;
  escalations: EscalationService;
  messages: AlertMessageWorker;
  pagerDuty: PagerDutyService;
  /** The per-user, per-tenant and global paging limits, counted in PostgreSQL. */
  pagingLimits: PagingLimitService;
  /** Hand-off notices: tests plan by hand (plan()) and send as the job would (send()). */
  handoffs: HandoffNotices;
  /** Maintenance windows: whether a service is in one. */
  maintenance: MaintenanceWindows;
  /** Heartbeats and their pings. */
  heartbeats: HeartbeatRegistry;
  /** Missed heartbeats: tests check by hand (check()) at the clock's now. */
  heartbeatMonitor: HeartbeatMonitor;
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
  // One line per provider room: adding a channel is its module and its line here (docs/architecture.md, "Adding a
  // channel"). The order is the policy's among channels of one role: WhatsApp, then SMS, then any registered later.
  const registry = overrides.registry ?? ChannelRegistry.of(twilioChannels(config, logger), emailChannels(config, logger), slackChannels(poster), ...(overrides.channels ?? []));
  const notices = new SlackThreadNotices({ poster, logger });
  const { notify } = config;
  const metrics = overrides.metrics ?? createBackendMetrics({ role: config.role });
  metrics.observe({
    probe: () =>
      jobBacklog(db).then(
        (backlog) => ({ databaseUp: true, jobDepth: backlog.depth, oldestDueJobAgeSeconds: backlog.oldestDueAgeSeconds }),
        () => db.one('SELECT 1').then(() => ({ databaseUp: true, jobDepth: null, oldestDueJobAgeSeconds: null }), () => ({ databaseUp: false, jobDepth: null, oldestDueJobAgeSeconds: null })),
      ),
    pool: () => db.$pool,
  });

  const queue = graphileDeliveryQueue;
  const recorder = metrics.recorder;
  const planner = new DeliveryPlanner({ registry, queue, clock, recorder });
  const holds = new DeliveryHolds({
    db,
    registry,
    queue,
    notices,
    logger,
    clock,
    recipientLimit: { perRecipient: config.pagingLimits.perRecipient, windowMs: config.pagingLimits.windowMs },
    recorder,
  });
  const fallback = new DeliveryFallback({ registry, planner, notices });
  const sender = new DeliverySender({
    db,
    registry,
    queue,
    holds,
    fallback,
    logger,
    clock,
    maxAttempts: notify.maxAttempts,
    retryBaseMs: notify.retryBaseMs,
    leaseMs: notify.leaseMs,
    recorder,
    callbackBase: `${config.publicBaseUrl}/twilio`,
    ...(overrides.random ? { random: overrides.random } : {}),
    ...(overrides.sleep ? { sleep: overrides.sleep } : {}),
    ...overrides.failpoints,
  });
  const receipts = new DeliveryReceipts({ db, fallback, logger, clock });
  const messages = new AlertMessageWorker({ db, poster, logger, clock, channelLabels: registry.labels() });
  const directory = overrides.directory ?? createSlackDirectory({ botToken: config.slack.botToken, apiUrl: config.slack.apiUrl, logger });
  const targets = new ContactResolver({ db, directory, defaultRegion: config.defaultPhoneRegion, channels: registry, cacheTtlMs: config.contactCacheTtlMs, logger, now: () => clock.now() });
  const pagerDuty = new PagerDutyService({
    db,
    logger,
    clock,
    notices,
    eventsUrl: config.pagerDutyEventsUrl,
    maxAttempts: notify.maxAttempts,
    retryBaseMs: notify.retryBaseMs,
    ...(overrides.random ? { random: overrides.random } : {}),
  });
  const paging = new PagingScheduler({ policy: notify, registry, planner, clock });
  const schedules = new ScheduleService({ db, clock, publicBaseUrl: config.publicBaseUrl });
  const servicePaging = new ServicePaging({ db, clock });
  const policies = new PolicyEscalation({ db, services: servicePaging, targets, paging, planner, notices, clock, logger });
  const escalations = new EscalationService({ db, registry, planner, notices, logger, clock, escalateAfterMs: notify.escalateAfterMs, escalationRounds: notify.escalationRounds, policies });
  const maintenance = new MaintenanceWindows({ db, clock });
  const alerts = new AlertService({ db, logger, targets, hooks: withFollowers(paging, pagerDuty), grantedChannels: config.tenantSlackChannels, services: servicePaging, maintenance });
  const contacts = new ContactService({ db, defaultRegion: config.defaultPhoneRegion, channels: registry });
  const phones = new PhoneVerificationService({ db, registry, clock, logger, defaultRegion: config.defaultPhoneRegion, globalCodesPerHour: config.phoneCodeLimitGlobal });
  const alertmanager = new AlertmanagerService({ alerts, logger, services: servicePaging });
  const pagingLimits = new PagingLimitService({ db, clock, logger, limits: config.pagingLimits });
  const limiter = (overrides.pagingLimiter ?? pagingLimiter)({ service: pagingLimits, db, onRefused: (limit) => metrics.rateLimited.inc({ limit }) });
  let worker: NotificationWorker | null = null;
  let workerStarted = false;
  const workerState = (): WorkerState => (worker?.running() ? 'running' : workerStarted ? 'stopped' : 'not_started');
  const testPages = new TestPages({ targets, registry, logger, clock });
  const webhooks = new TwilioWebhookMemory({
    db,
    clock,
    logger,
    ...(overrides.twilioWebhookWaitMs !== undefined ? { waitMs: overrides.twilioWebhookWaitMs } : {}),
    ...(overrides.sleep ? { sleep: overrides.sleep } : {}),
  });
  const answers = new PhoneAnswers({ db, alerts, receipts, escalations, notices, contacts, registry, clock, logger });
  const twilio = new TwilioWebhooks({ inbound: answers, memory: webhooks });
  const services = new ServiceCatalog({ db, clock });
  const oncall = { schedules, policies: new EscalationPolicyService({ db, clock }), services, overview: new OnCallOverview({ db, clock, schedules, services }) };
  const calendars = new CalendarFeeds({ db, clock, schedules, names: new PersonNames({ directory, clock, logger }) });
  const messenger = overrides.directMessenger ?? new SlackDirectMessenger({ botToken: config.slack.botToken, apiUrl: config.slack.apiUrl, logger });
  const handoffs = new HandoffNotices({ db, clock, logger, schedules, messenger });
  const serviceAlerts = new ServiceAlertRaiser({ alerts });
  const heartbeats = new HeartbeatRegistry({ db, clock, logger, alerts: serviceAlerts });
  const heartbeatMonitor = new HeartbeatMonitor({
    db,
    clock,
    logger,
    alerts: serviceAlerts,
    ...(overrides.heartbeatCheckEveryMs !== undefined ? { checkEveryMs: overrides.heartbeatCheckEveryMs } : {}),
  });
  const health = {
    role: config.role,
    runs: dutiesOf(config.role),
    worker: workerState,
    channels: () => Object.fromEntries(registry.list().map((sender) => [sender.channel, sender.provider])),
    maxBacklogAgeMs: config.healthMaxBacklogAgeMs,
  };
  const version = overrides.version ?? 'dev';
  const app = createApp({
    db,
    logger,
    metrics,
    health,
    serviceKeys: config.serviceKeys,
    version,
    limiter,
    alerts,
    contacts,
    phones,
    alertmanager,
    pagerDuty,
    testPages,
    receipts: (alertIds) => reportedDeliveries(db, alertIds),
    channelLabels: registry.labels(),
    twilio,
    oncall,
    oncallConfig: new OnCallConfigService({ db, clock }),
    calendars,
    maintenanceHeartbeats: { maintenance, heartbeats, clock },
  });

  return {
    app,
    probeApp: createProbeApp({ db, logger, metrics, health, version }),
    db,
    clock,
    registry,
    alerts,
    contacts,
    sender,
    holds,
    escalations,
    messages,
    pagerDuty,
    pagingLimits,
    handoffs,
    maintenance,
    heartbeats,
    heartbeatMonitor,
    startWorker: async () => {
      workerStarted = true;
      // Every task the backend queues, each a thin adapter over its service.
      const tasks: TaskList = {
        deliver: (payload) => sender.deliver((payload as JobPayloads['deliver']).deliveryId),
        escalate: (payload) => {
          const { alertId, round } = payload as JobPayloads['escalate'];
          return escalations.escalate(alertId, round);
        },
        'slack-message': (payload) => messages.publish((payload as JobPayloads['slack-message']).alertId),
        'pagerduty-event': (payload) => pagerDuty.sync((payload as JobPayloads['pagerduty-event']).alertId),
        'handoff-notice': async (payload) => {
          await handoffs.send(payload as JobPayloads['handoff-notice']);
        },
      };
      worker ??= await startNotificationWorker({ databaseUrl: config.databaseUrl, db, logger, clock, sender, holds, webhooks, policy: notify, tasks, ...overrides.sweeper });
      // Plans hand-off notices now and every few minutes; their jobs run on the worker just started.
      await handoffs.start();
      // Checks for missed heartbeats now (a restart catches up at once) and every second.
      await heartbeatMonitor.start();
      return worker;
    },
    close: async () => {
      handoffs.stop();
      await heartbeatMonitor.stop();
      const running = worker;
      worker = null;
      await running?.stop();
      if (!overrides.db) await closeDatabase(db);
    },
  };
}
