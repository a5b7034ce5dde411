// @ts-check
// The rooms of the backend and of the packages, and which way their imports may point. `npm run lint` runs
// this (depcruise), so an import that points up, sideways between rooms of one floor, or round in a circle
// fails the build with the rule's name. docs/architecture.md draws the same table.
//
// Floors of apps/backend/src, bottom first: a room may import its own floor's files of its own room and any
// room on a lower floor, never a room on its floor or above. The root files (backend.ts: the composition
// root; app.ts: the HTTP app; main.ts, doctor.ts: processes) may import anything.
const BACKEND_FLOORS = [
  ['common'], // errors, constant-time comparison, failpoints, the package version
  ['time', 'db'], // the clock, zones, quiet hours, backoff; the database handle and migrations
  ['jobs', 'channels'], // the job runner's queue; the channel kit (what a channel is, the registry, page text)
  ['contacts'], // people, their numbers and preferences, and the ports they need (the Slack directory)
  ['twilio', 'email', 'slack'], // one room per provider, both directions: channels, clients, errors, webhooks
  ['oncall'], // schedules, escalation policies, services
  ['alerts'], // the state machine, the raise, the audit trail
  ['notify', 'integrations'], // planning, sending and following pages; Alertmanager, PagerDuty
  ['views'], // read models: an alert as the API and the channel message show it
  ['observe'], // metrics
  ['http'], // routes: thin, over everything below
];

const SRC = '^apps/backend/src/';
const room = (name) => `${SRC}${name}/`;

/** @type {import('dependency-cruiser').IForbiddenRuleType[]} */
const floorRules = BACKEND_FLOORS.flatMap((floor, level) => {
  const higher = BACKEND_FLOORS.slice(level + 1).flat();
  return floor.map((name) => ({
    name: `backend-${name}-imports-only-down`,
    comment: `apps/backend/src/${name}/ may import only rooms on lower floors (see .dependency-cruiser.js): not ${[...floor.filter((n) => n !== name), ...higher].join(', ')}, nor the root files`,
    severity: /** @type {const} */ ('error'),
    from: { path: room(name) },
    to: {
      path: [...floor.filter((n) => n !== name), ...higher].map(room).concat([`${SRC}[^/]+\\.ts$`]),
    },
  }));
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Files that import each other, directly or round a circle: one of them holds what both need, or a third file should.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'backend-rooms-only',
      comment: 'Every backend source file lives in a room of the floor table or is a root file (backend.ts, app.ts, main.ts, doctor.ts).',
      severity: 'error',
      from: { path: SRC, pathNot: [`${SRC}(${BACKEND_FLOORS.flat().join('|')})/`, `${SRC}(backend|app|main|doctor)\\.ts$`] },
      to: {},
    },
    ...floorRules,
    {
      name: 'apps-never-import-each-other',
      comment: 'The gateway and the backend share only packages/.',
      severity: 'error',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '^apps/([^/]+)/', pathNot: '^apps/$1/' },
    },
    {
      name: 'packages-import-no-app',
      comment: 'packages/ are below both apps.',
      severity: 'error',
      from: { path: '^packages/' },
      to: { path: '^apps/' },
    },
    {
      name: 'contracts-and-config-are-leaves',
      comment: 'packages/contracts and packages/config import no other package of ours.',
      severity: 'error',
      from: { path: '^packages/(contracts|config)/' },
      to: { path: '^packages/', pathNot: '^packages/$1/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['(^|/)dist/', '\\.test\\.ts$', '(^|/)test/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.check.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
