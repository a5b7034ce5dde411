import { randomBytes } from 'node:crypto';
import { loadBackendConfig, type BackendConfig } from '@klaxon/config';
import type { Cleanup } from './cleanup';
import type { Measured } from './closed-loop';
import type { DatabaseServer } from './databases';
import type { GoalId } from './goals';
import type { LoadGenerator } from './load';
import type { BenchOptions } from './options';
import type { StackSecrets } from './stack';

/** What every phase is given: the run's options and secrets, the PostgreSQL server, the load worker. */
export interface BenchContext {
  options: BenchOptions;
  secrets: StackSecrets;
  database: DatabaseServer;
  load: LoadGenerator;
  /** Whatever a phase starts is stopped here, at the end of the run, even when the phase fails. */
  cleanup: Cleanup;
  /**
   * Something broken (failed requests, wrong rows): the bench exits non-zero. A sink rather than part of a
   * phase's result, so what a phase found before it failed is still reported.
   */
  problems: string[];
}

/** A table of the report (and of bench/results.json), printed in the order the phases ran. */
export interface ReportTable {
  title: string;
  header: string[];
  rows: string[][];
}

/** What a phase measured. */
export interface PhaseResult {
  /** Runs per goal (see goals.ts): the goals table judges their median. */
  figures: Partial<Record<GoalId, number[]>>;
  /** Closed-loop measurements: rows of the first table, beside their baselines. */
  closedLoop?: Measured[];
  tables?: ReportTable[];
}

export function benchSecrets(): StackSecrets {
  return { signingSecret: randomBytes(16).toString('hex'), serviceKey: randomBytes(24).toString('hex'), botToken: 'xoxb-klaxon-bench' };
}

// Known bot ids: Bolt then never calls auth.test. The Web API URL points at a closed loopback port, so
// nothing in the in-process phases can reach Slack even by mistake.
export const BENCH_SLACK = { botId: 'B0BENCH', botUserId: 'U0BENCHBOT', apiUrl: 'http://127.0.0.1:9/api/' };
/** Who every bench alert pages, and the number the contacts table (or the fake Slack) has for them. */
export const PAGED_USER = 'U0BENCH1';
export const PAGED_PHONE = '+14155550100';
export const BENCH_TENANTS = Array.from({ length: 8 }, (_, i) => `TBENCH${i + 1}`);
/** The backend's default DATABASE_POOL_SIZE, also the floor's. */
export const POOL_SIZE = 10;

/** A progress line. */
export function step(message: string): void {
  console.log(`▸ ${message}`);
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The configuration main.ts would read for a backend the bench runs in its own process, with the paging limits
 * out of the way (nothing is refused; what counting costs is still paid). No notification worker runs: jobs
 * are queued with each alert, as in production, and left in the queue.
 */
export function inProcessBackendConfig(databaseUrl: string, secrets: StackSecrets, pageLimitWindow: string): BackendConfig {
  return loadBackendConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: String(POOL_SIZE),
    INTERNAL_SERVICE_KEYS: secrets.serviceKey,
    SLACK_BOT_TOKEN: secrets.botToken,
    SLACK_API_URL: BENCH_SLACK.apiUrl,
    PAGE_LIMIT_PER_USER: '10000',
    PAGE_LIMIT_PER_TENANT: '100000',
    PAGE_LIMIT_GLOBAL: '1000000',
    PAGE_LIMIT_PER_RECIPIENT: '10000',
    PAGE_LIMIT_WINDOW: pageLimitWindow,
  });
}
