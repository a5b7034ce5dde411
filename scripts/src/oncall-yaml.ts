import { Document, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Node } from 'yaml';
import { configProblemsOf, oncallConfigSchema, ONCALL_CONFIG_SECTIONS, type ConfigProblemDto, type OnCallConfigDto } from '@klaxon/contracts';

// The on-call config as YAML (docs/oncall.md, "Config as code"): read with every problem at its line and
// column, and written the same way every time, so an export applied again changes nothing and diffs well.

/** 1-based, as editors count. */
export interface Position {
  line: number;
  col: number;
}

/** A problem of the file: where (`schedules.payments.layers[0].shift`, and its line when the file has it) and what. */
export interface FileProblem {
  path: string;
  message: string;
  at: Position | null;
}

export type ReadConfig =
  | { ok: true; document: unknown; locate: (path: string) => Position | null }
  | { ok: false; problems: FileProblem[]; locate: (path: string) => Position | null };

/**
 * Parses the text as YAML 1.2 and validates it with the contracts' schema, the one the backend applies again.
 * `document` is the plain data to send (aliases resolved); `locate` finds a path the backend names.
 */
export function readOnCallYaml(text: string): ReadConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true });
  const locate = (path: string) => locatePath(doc, lines, path);
  if (doc.errors.length > 0) {
    // The first error only: the ones after it mostly follow from it (an unclosed bracket breaks every line below).
    return {
      ok: false,
      locate,
      problems: doc.errors.slice(0, 1).map((error) => {
        const at = error.linePos?.[0] ?? null;
        // yaml writes "… at line 4, column 3:\n\n<the lines around it>": the position goes in front instead.
        const [sentence = error.message, ...context] = error.message.split('\n');
        return { path: '', message: [sentence.replace(/ at line \d+, column \d+:?$/, ''), ...context].join('\n').trimEnd(), at: at && { line: at.line, col: at.col } };
      }),
    };
  }
  const document: unknown = doc.toJS({ maxAliasCount: 100 });
  if (document === null || document === undefined) {
    return { ok: false, locate, problems: [{ path: '', message: `the file holds no on-call config: write one or more of the sections ${ONCALL_CONFIG_SECTIONS.join(', ')}`, at: null }] };
  }
  const parsed = oncallConfigSchema.safeParse(document);
  if (!parsed.success) return { ok: false, locate, problems: withPositions(configProblemsOf(parsed.error), locate) };
  return { ok: true, document, locate };
}

/**
 * `npm run oncall -- export | npm run oncall -- apply -` pipes npm's own header (`> klaxon@0.1.0 oncall`, the
 * command) in front of the YAML, on stdout where npm writes it. Those lines at the very start become comments,
 * so the line numbers of problems still match the input. No YAML config starts with `> ` (a folded string).
 */
export function withoutNpmBanner(text: string): string {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('> ')) lines[i] = `#${line.slice(1)}`;
    else if (line.trim() !== '') break;
  }
  return lines.join('\n');
}

export const withPositions = (problems: readonly ConfigProblemDto[], locate: (path: string) => Position | null): FileProblem[] =>
  problems.map((problem) => ({ ...problem, at: locate(problem.path) }));

/** `oncall.yaml:12:16: schedules.payments.layers[0].shift: shorter than 1h…`: one problem as compilers write them. */
export function formatProblem(file: string, problem: FileProblem): string {
  const where = problem.at ? `${file}:${problem.at.line}:${problem.at.col}` : file;
  return `${where}: ${problem.path ? `${problem.path}: ` : ''}${problem.message}`;
}

/** `schedules.payments.layers[0]` → `['schedules', 'payments', 'layers', 0]` (names are slugs: no dots or brackets). */
export function pathSegments(path: string): (string | number)[] {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((match) => (match[2] === undefined ? match[1]! : Number(match[2])));
}

/**
 * The line and column of the value at `path`, or of the nearest part of it the file has (a missing field is
 * shown at the object that lacks it); null for an empty path.
 */
function locatePath(doc: Document, lines: LineCounter, path: string): Position | null {
  let node: unknown = doc.contents;
  let found: Node | null = null;
  for (const segment of pathSegments(path)) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) break;
      // The field's key: what the path names, and on the line people look at (a block value starts below it).
      found = pair.key as Node;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
      found = node.items[segment] as Node;
      node = found;
    } else break;
  }
  const offset = found?.range?.[0];
  if (offset === undefined) return null;
  const { line, col } = lines.linePos(offset);
  return { line, col };
}


/**
 * The tenant's config as the YAML `npm run oncall -- export` writes: sections in their fixed order, names in
 * code-point order, fields in the order of the API, lists of plain values on one line. Strings are quoted where
 * any YAML reader (1.1 included, which reads 17:00 as a number) would take them for something else.
 */
export function configToYaml(config: OnCallConfigDto, tenant: string): string {
  const doc = yamlDocument(Object.fromEntries(ONCALL_CONFIG_SECTIONS.map((section) => [section, config[section]])));
  // A name such as "2024" is an integer-like key, which JavaScript objects list first: sort the pairs themselves.
  for (const section of ONCALL_CONFIG_SECTIONS) {
    const map = doc.get(section, true);
    if (isMap(map)) map.items.sort((a, b) => codePointOrder(String((a.key as { value?: unknown }).value), String((b.key as { value?: unknown }).value)));
  }
  // A blank line between sections, as people write them.
  if (isMap(doc.contents)) for (const pair of doc.contents.items.slice(1)) if (isScalar(pair.key)) pair.key.spaceBefore = true;
  doc.commentBefore = ` On-call config of tenant ${tenant}: schedules, escalation policies, services and heartbeats.\n Apply it with: npm run oncall -- apply <this file> --tenant ${tenant}\n Overrides are not config and are not here (see docs/oncall.md, "Config as code").`;
  return doc.toString(WRITE_OPTIONS);
}

/** One object (or value) in the file's style: block by default, `flow` on one line (`{targets: [{schedule: payments}]}`). */
export function toYamlText(value: unknown, style: 'block' | 'flow' = 'block'): string {
  return yamlDocument(value)
    .toString({ ...WRITE_OPTIONS, ...(style === 'flow' ? { collectionStyle: 'flow', lineWidth: 0 } : {}) })
    .trimEnd();
}

const WRITE_OPTIONS = { flowCollectionPadding: false } as const;

// Written as YAML 1.1 would read it (no directive is printed): strings 1.1 or 1.2 readers could mistake are
// quoted. Lists of plain values, and of one-field objects (a step's targets), go on one line.
function yamlDocument(value: unknown): Document {
  const doc = new Document(value, { version: '1.1' });
  visit(doc, {
    Seq(_key, seq) {
      if (seq.items.every((item) => isScalar(item) || (isMap(item) && item.items.length === 1 && isScalar(item.items[0]?.value)))) seq.flow = true;
    },
  });
  return doc;
}

const codePointOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
