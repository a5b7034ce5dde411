import { execFileSync } from 'node:child_process';
import path from 'node:path';

// `npm run lint:graph`: the backend's rooms and the imports between them, as a Mermaid flowchart (GitHub draws
// it; docs/architecture.md holds the latest). Measured by dependency-cruiser from the code's own imports, so the
// picture cannot drift from the rules `npm run lint` enforces.

const ROOT = path.resolve(__dirname, '../..');
const SRC = 'apps/backend/src/';

interface CruiseResult {
  modules: { source: string; dependencies: { resolved: string }[] }[];
}

/** `alerts` for apps/backend/src/alerts/x.ts; the root files (backend.ts, app.ts…) are rooms of their own. */
export function roomOf(file: string): string | null {
  if (!file.startsWith(SRC)) return null;
  const rest = file.slice(SRC.length);
  const slash = rest.indexOf('/');
  return slash === -1 ? rest.replace(/\.ts$/, '') : rest.slice(0, slash);
}

/** Each import between two rooms once, with how many file imports it stands for. */
export function roomEdges(result: CruiseResult): Map<string, number> {
  const edges = new Map<string, number>();
  for (const module of result.modules) {
    const from = roomOf(module.source);
    for (const dependency of module.dependencies) {
      const to = roomOf(dependency.resolved);
      if (!from || !to || from === to) continue;
      const key = `${from} --> ${to}`;
      edges.set(key, (edges.get(key) ?? 0) + 1);
    }
  }
  return edges;
}

export function mermaid(edges: Map<string, number>): string {
  const lines = [...edges.keys()].sort().map((edge) => `  ${edge.replace(/\./g, '_')}`);
  return ['flowchart TB', ...lines].join('\n');
}

function main(): void {
  const json = execFileSync('npx', ['depcruise', 'apps/backend/src', '--include-only', '^apps/backend/src', '--output-type', 'json'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  console.log(mermaid(roomEdges(JSON.parse(json) as CruiseResult)));
}

if (require.main === module) main();
