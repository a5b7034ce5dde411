import { readFileSync } from 'node:fs';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import type { ConfigProblemDto, OnCallConfigDto, OnCallPlanDto } from '@klaxon/contracts';
import { backendClient, callBackend, DEV_TENANT, readRefusal, toolEnvironment, type BackendClient } from './backend-call';
import { formatApplied, formatPlan } from './oncall-plan-text';
import { configToYaml, formatProblem, readOnCallYaml, withoutNpmBanner, withPositions, type FileProblem, type Position, type ReadConfig } from './oncall-yaml';
import { SlowNotice } from './slow-notice';

const HELP = `npm run oncall -- <apply|export> [options] — a tenant's on-call setup (schedules, escalation policies,
services, heartbeats) as one YAML file, on a running backend. See docs/oncall.md, "Config as code".

  npm run oncall -- apply oncall.yaml [--dry-run] [--prune] [--tenant T024BE7LD]
      Prints the plan first, what will be created, changed and deleted, with a diff per object; then applies
      it in one transaction: all of it or nothing. - reads the file from stdin. --dry-run prints the plan only.
      A section the file leaves out (say services) is not touched. Objects of a section the file has but does
      not name are kept and listed, unless --prune: then they are deleted (a schedule with its overrides).
      Deleting what a policy, service or heartbeat still uses is refused, as is a link to nothing (a policy
      naming an unknown schedule). Problems are shown by line and column: oncall.yaml:12:16: schedules.payments.…
      Exit code 0 when applied (or nothing to change), 1 when refused, 2 for a wrong call.

  npm run oncall -- export [--tenant T024BE7LD]
      Prints the tenant's whole on-call setup as that YAML, always in the same order and form, so
      npm run oncall -- export | npm run oncall -- apply -   changes nothing.
      Overrides are operational, not config: neither export nor apply touches them.

  Options:
    --tenant <id>   the tenant (Slack team id); ${DEV_TENANT}, npm start's dev tenant, when the key is the one
                    npm start generated, required otherwise
    --url <url>     the backend (default BACKEND_URL, else http://127.0.0.1:5002)
    --dry-run       apply: print the plan, write nothing
    --prune         apply: delete what the file's sections do not name
    -h, --help      this text

  Authenticates with a key from INTERNAL_SERVICE_KEYS (one bound to the tenant, else an unbound one), read from
  the environment, .env, or .data/dev-secrets.json (what npm start generated).`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      tenant: { type: 'string' },
      url: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      prune: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const usage = (problem: string) => {
    console.error(`oncall: ${problem}\n\n${HELP}`);
    return 2;
  };
  const [command, file, ...rest] = positionals;
  if (command !== 'apply' && command !== 'export') return usage('say apply or export');
  if (command === 'apply' && !file) return usage('name the YAML file to apply (- for stdin)');
  if (command === 'export' && file) return usage('export takes no file: it prints to stdout (redirect it)');
  if (rest.length > 0) return usage(`unexpected ${rest.join(' ')}`);

  const env = toolEnvironment();
  // Keys neither the environment nor .env sets are npm start's generated ones, which reach only its backend,
  // whose tenant is the dev one; anywhere else the tenant must be named.
  const devSetup = env.NODE_ENV !== 'production' && !process.env.INTERNAL_SERVICE_KEYS;
  const tenant = values.tenant ?? (devSetup ? DEV_TENANT : undefined);
  if (!tenant) return usage('--tenant is required (INTERNAL_SERVICE_KEYS is set: this is not npm start’s dev setup)');
  if (command === 'export') return exportConfig(backendClient(env, tenant, values.url));
  // The file is read and checked first: its mistakes need no backend to be found.
  const source = file === '-' ? 'stdin' : file!;
  const read = readOnCallYaml(withoutNpmBanner(readFileSync(file === '-' ? 0 : file!, 'utf8')));
  if (!read.ok) return report(source, read.problems);
  return applyFile(backendClient(env, tenant, values.url), source, read, { dryRun: values['dry-run'], prune: values.prune });
}

async function exportConfig(client: BackendClient): Promise<number> {
  const response = await withNotice(`reading tenant ${client.tenant}'s on-call setup`, () => callBackend(client, configPath(client), { method: 'GET' }));
  if (!response.ok) return refused(response, null);
  process.stdout.write(configToYaml((await response.json()) as OnCallConfigDto, client.tenant));
  return 0;
}

/** Prints the plan, then (unless a dry run, or nothing changes) applies it. */
async function applyFile(client: BackendClient, source: string, read: Extract<ReadConfig, { ok: true }>, options: { dryRun: boolean; prune: boolean }): Promise<number> {
  const locate = read.locate;

  const plan = await post(client, read.document, { ...options, dryRun: true }, 'planning');
  if ('problems' in plan) return report(source, withPositions(plan.problems, locate));
  if ('failed' in plan) return plan.failed;
  for (const line of formatPlan(plan, source)) console.log(line);
  if (options.dryRun) {
    console.log('\nDry run: nothing was written.');
    return 0;
  }
  if (plan.changes.length === 0) return 0;

  const applied = await post(client, read.document, { ...options, dryRun: false }, 'applying');
  if ('problems' in applied) return report(source, withPositions(applied.problems, locate));
  if ('failed' in applied) return applied.failed;
  // Someone changed the tenant between the two calls: say what was really written.
  if (!isDeepStrictEqual(applied.changes, plan.changes)) {
    console.log('\nThe tenant changed while this ran; the apply did this instead:');
    for (const line of formatPlan(applied, source)) console.log(line);
  }
  console.log(`\n${formatApplied(applied)}`);
  return 0;
}

const configPath = (client: BackendClient) => `/oncall-config/${encodeURIComponent(client.tenant)}`;

/** The plan (or what was applied); the file's problems when the backend refused them; else the exit code. */
async function post(
  client: BackendClient,
  document: unknown,
  options: { dryRun: boolean; prune: boolean },
  what: string,
): Promise<OnCallPlanDto | { problems: ConfigProblemDto[] } | { failed: number }> {
  const query = new URLSearchParams({ dry_run: String(options.dryRun), prune: String(options.prune) });
  const response = await withNotice(`${what} tenant ${client.tenant}'s on-call setup`, () =>
    callBackend(client, `${configPath(client)}?${query}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(document) }),
  );
  if (response.ok) return (await response.json()) as OnCallPlanDto;
  const refusal = await readRefusal(response);
  const problems = refusal.body?.problems;
  if (response.status === 422 && Array.isArray(problems)) return { problems: problems as ConfigProblemDto[] };
  return { failed: await refused(response, refusal.detail) };
}

async function refused(response: Response, detail: string | null): Promise<number> {
  console.error(`oncall: the backend answered HTTP ${response.status}: ${detail ?? (await readRefusal(response)).detail}`);
  return 1;
}

/** Each problem at its line, then a line saying nothing was written. */
function report(source: string, problems: readonly FileProblem[]): number {
  const sorted = [...problems].sort((a, b) => lineOf(a.at) - lineOf(b.at));
  for (const problem of sorted) console.error(formatProblem(source, problem));
  console.error(`\noncall: ${problems.length === 1 ? 'a problem' : `${problems.length} problems`} in ${source}; nothing was applied.`);
  return 1;
}
const lineOf = (at: Position | null) => at?.line ?? 0;

function withNotice<T>(what: string, work: () => Promise<T>): Promise<T> {
  const notice = new SlowNotice(what);
  return work().finally(() => notice.done());
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`oncall: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
