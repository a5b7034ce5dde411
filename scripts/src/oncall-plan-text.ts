import { assertNever, ONCALL_CONFIG_KINDS, type ConfigAction, type ConfigChangeDto, type OnCallPlanDto } from '@klaxon/contracts';
import { toYamlText } from './oncall-yaml';

// What `npm run oncall -- apply` prints: the plan, one readable diff per object, as Terraform's plan reads.

const MARK: Record<ConfigAction, string> = { create: '+', update: '~', delete: '-' };
const VERB: Record<ConfigAction, string> = { create: 'create', update: 'change', delete: 'delete' };

/** How many objects each action touches. */
export function countActions(plan: Pick<OnCallPlanDto, 'changes'>): Record<ConfigAction, number> {
  const counts: Record<ConfigAction, number> = { create: 0, update: 0, delete: 0 };
  for (const change of plan.changes) counts[change.action] += 1;
  return counts;
}

/** The plan as the operator reads it before anything is written; `source` names the file (`-` for stdin). */
export function formatPlan(plan: OnCallPlanDto, source: string): string[] {
  const counts = countActions(plan);
  const lines =
    plan.changes.length === 0
      ? [`No changes: tenant ${plan.tenant_id} already matches ${source} (${plan.unchanged} unchanged).`]
      : [`Plan for tenant ${plan.tenant_id} from ${source}: ${counts.create} to create, ${counts.update} to change, ${counts.delete} to delete (${plan.unchanged} unchanged).`];
  for (const change of plan.changes) lines.push('', ...formatChange(change));
  if (plan.kept.length > 0) {
    lines.push('', `Kept, not in ${source} (--prune would delete them): ${plan.kept.map((ref) => `${ONCALL_CONFIG_KINDS[ref.section]} ${ref.name}`).join(', ')}.`);
  }
  return lines;
}

/** `+ create schedule payments` and the object; `~ change …` and each field; `- delete …`. */
export function formatChange(change: ConfigChangeDto): string[] {
  const head = `${MARK[change.action]} ${VERB[change.action]} ${ONCALL_CONFIG_KINDS[change.section]} ${change.name}`;
  switch (change.action) {
    case 'create':
      return [head, ...indent(toYamlText(change.after), 4)];
    case 'delete':
      return [change.section === 'schedules' ? `${head} (and its overrides)` : head];
    case 'update':
      return [
        head,
        ...change.fields.map(({ path, before, after }) => {
          if (before === null) return `    + ${path}: ${toYamlText(after, 'flow')}`;
          if (after === null) return `    - ${path}: ${toYamlText(before, 'flow')}`;
          return `    ${path}: ${toYamlText(before, 'flow')} → ${toYamlText(after, 'flow')}`;
        }),
      ];
    default:
      return assertNever(change.action);
  }
}

/** After the apply: what was written. */
export function formatApplied(plan: OnCallPlanDto): string {
  const counts = countActions(plan);
  return `Applied to tenant ${plan.tenant_id} in one transaction: ${counts.create} created, ${counts.update} changed, ${counts.delete} deleted.`;
}

const indent = (text: string, by: number): string[] => text.split('\n').map((line) => `${' '.repeat(by)}${line}`);
