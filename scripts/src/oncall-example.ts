import { readFileSync } from 'node:fs';
import { ONCALL_CONFIG_KINDS, ONCALL_CONFIG_SECTIONS, type OnCallConfigDto, type OnCallPlanDto } from '@klaxon/contracts';
import { callBackend, readRefusal, type BackendClient } from './backend-call';
import { formatProblem, readOnCallYaml, withPositions } from './oncall-yaml';

// npm start loads deploy/oncall.example.yaml into the dev tenant, so the first `/alert oncall` shows a rotation.
// Only into a tenant with no on-call setup at all: a developer's own changes (a schedule edited through the API,
// a file applied) are never overwritten, and a restart finds the example already there and changes nothing.

export const EXAMPLE_FILE = 'deploy/oncall.example.yaml';

/**
 * Loads the example into `client.tenant` unless the tenant has an on-call setup; answers what happened, as the
 * banner says it. Throws when the file or the backend refuses (npm start goes on without it).
 */
export async function loadOnCallExample(client: BackendClient, file = EXAMPLE_FILE): Promise<string> {
  const read = readOnCallYaml(readFileSync(file, 'utf8'));
  if (!read.ok) throw new Error(read.problems.map((p) => formatProblem(file, p)).join('\n'));
  const path = `/oncall-config/${encodeURIComponent(client.tenant)}`;
  const current = await expectOk<OnCallConfigDto>(await callBackend(client, path, { method: 'GET' }));
  const empty = Object.values(current).every((section) => Object.keys(section).length === 0);
  const post = async (dryRun: boolean) => {
    const response = await callBackend(client, `${path}?dry_run=${dryRun}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(read.document) });
    if (response.status === 422) {
      const { body } = await readRefusal(response);
      throw new Error(withPositions((body?.problems ?? []) as { path: string; message: string }[], read.locate).map((p) => formatProblem(file, p)).join('\n'));
    }
    return expectOk<OnCallPlanDto>(response);
  };
  if (empty) {
    const applied = await post(false);
    // The sections the file has: the example leaves heartbeats out (see the file), and says nothing of them.
    const sections = ONCALL_CONFIG_SECTIONS.filter((section) => Object.hasOwn(read.document as object, section));
    const created = sections.map((section) => counted(applied.changes.filter((c) => c.section === section).length, ONCALL_CONFIG_KINDS[section]));
    return `${file} loaded for ${client.tenant}: ${created.join(', ')}`;
  }
  // What the tenant has may be the example itself, from an earlier start: then nothing would change.
  const plan = await post(true);
  if (plan.changes.length === 0 && plan.kept.length === 0) return `${client.tenant} has ${file} (loaded at an earlier start, unchanged)`;
  return `${client.tenant} has its own on-call setup, kept as it is (${file} is loaded only into a tenant without one)`;
}

/** `1 schedule`, `2 escalation policies`. */
const counted = (count: number, kind: string): string => `${count} ${count === 1 ? kind : kind.endsWith('y') ? `${kind.slice(0, -1)}ies` : `${kind}s`}`;

async function expectOk<T>(response: Response): Promise<T> {
  if (!response.ok) throw new Error(`the backend answered HTTP ${response.status}: ${(await readRefusal(response)).detail}`);
  return (await response.json()) as T;
}
