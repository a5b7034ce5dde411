import { mermaid, roomEdges, roomOf } from './room-graph';

describe('the room graph', () => {
  it('names a file by its room, and a root file by itself', () => {
    expect(roomOf('apps/backend/src/alerts/alert.service.ts')).toBe('alerts');
    expect(roomOf('apps/backend/src/backend.ts')).toBe('backend');
    expect(roomOf('packages/contracts/src/index.ts')).toBeNull();
  });

  it('draws each import between two rooms once, never a room to itself', () => {
    const edges = roomEdges({
      modules: [
        { source: 'apps/backend/src/alerts/a.ts', dependencies: [{ resolved: 'apps/backend/src/db/database.ts' }, { resolved: 'apps/backend/src/alerts/b.ts' }] },
        { source: 'apps/backend/src/alerts/b.ts', dependencies: [{ resolved: 'apps/backend/src/db/database.ts' }, { resolved: 'node_modules/pg/index.js' }] },
      ],
    });
    expect([...edges]).toEqual([['alerts --> db', 2]]);
    expect(mermaid(edges)).toBe('flowchart TB\n  alerts --> db');
  });
});
