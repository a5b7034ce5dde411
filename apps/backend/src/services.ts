import type { BackendConfig } from '@klaxon/config';
import type { Logger } from '@klaxon/logger';
import { AlertService } from './alerts/alert.service';
import { ContactResolver } from './contacts/contact-resolver';
import { ContactService } from './contacts/contact.service';
import { createSlackDirectory } from './contacts/slack-directory';
import type { Database } from './db/database';
import { PagingScheduler } from './notify/paging-scheduler';

/** The part of the configuration the domain needs (tests build it without a whole environment). */
export type ServicesConfig = Pick<BackendConfig, 'defaultPhoneRegion' | 'contactCacheTtlMs' | 'slack' | 'notify'>;

export interface BackendServices {
  alerts: AlertService;
  contacts: ContactService;
}

/** The composition root of the domain: one place that decides which implementation serves each role. */
export function createBackendServices({ db, logger, config }: { db: Database; logger: Logger; config: ServicesConfig }): BackendServices {
  const directory = createSlackDirectory({ botToken: config.slack.botToken, apiUrl: config.slack.apiUrl, logger });
  const targets = new ContactResolver({ db, directory, defaultRegion: config.defaultPhoneRegion, cacheTtlMs: config.contactCacheTtlMs, logger });
  return {
    alerts: new AlertService({ db, logger, targets, hooks: new PagingScheduler(config.notify) }),
    contacts: new ContactService({ db, defaultRegion: config.defaultPhoneRegion }),
  };
}
