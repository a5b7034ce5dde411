import { parse } from 'yaml';
import type { OnCallConfigDto } from '@klaxon/contracts';
import { configToYaml, formatProblem, pathSegments, readOnCallYaml, withoutNpmBanner } from './oncall-yaml';

const problemsOf = (text: string): string[] => {
  const read = readOnCallYaml(text);
  return read.ok ? [] : read.problems.map((p) => formatProblem('oncall.yaml', p));
};

const FILE = `schedules:
  payments:
    time_zone: Europe/Berlin
    layers:
      - name: weekly
        members: [U0ANNA, U0BEN]
        shift: 1w
        handoff: 2026-12-07T09:00
`;

describe('readOnCallYaml', () => {
  it('reads a valid file as the plain document to send', () => {
    const read = readOnCallYaml(FILE);
    expect(read.ok && read.document).toEqual({ schedules: { payments: { time_zone: 'Europe/Berlin', layers: [{ name: 'weekly', members: ['U0ANNA', 'U0BEN'], shift: '1w', handoff: '2026-12-07T09:00' }] } } });
  });

  it('names the line and column of YAML that does not parse, with the lines around it', () => {
    const [problem] = problemsOf(FILE.replace('members: [U0ANNA, U0BEN]', 'members: [U0ANNA, U0BEN'));
    expect(problem).toMatch(/^oncall\.yaml:7:9: Flow sequence in block collection must be sufficiently indented and end with a \]\n/);
    expect(problem).toContain('        shift: 1w\n        ^');
  });

  it('names the line and column of a duplicate key', () => {
    expect(problemsOf(`${FILE}  payments: {}\n`)).toEqual([expect.stringMatching(/^oncall\.yaml:9:3: Map keys must be unique/)]);
  });

  it('names each bad field by its path, at its line and column', () => {
    const text = FILE.replace('shift: 1w', 'shift: 30m').replace('U0BEN]', 'jane]').replace('    time_zone:', '    timezone: UTC\n    time_zone:');
    expect(problemsOf(text)).toEqual([
      'oncall.yaml:7:27: schedules.payments.layers[0].members[1]: "jane" is not a Slack user id (such as U024BE7LH)',
      'oncall.yaml:8:9: schedules.payments.layers[0].shift: shorter than 1h: shifts are an hour or longer (for a short swap, add an override)',
      'oncall.yaml:3:5: schedules.payments.timezone: unknown field (check the spelling)',
    ]);
  });

  it('shows a missing field at the object that lacks it', () => {
    expect(problemsOf(FILE.replace('        shift: 1w\n', ''))).toEqual([expect.stringMatching(/^oncall\.yaml:5:9: schedules\.payments\.layers\[0\]\.shift: /)]);
  });

  it('refuses an empty file, saying what belongs in it', () => {
    expect(problemsOf('# nothing yet\n')).toEqual(['oncall.yaml: the file holds no on-call config: write one or more of the sections schedules, escalation_policies, services, heartbeats']);
  });
});

describe('withoutNpmBanner', () => {
  it("turns npm run's header in front of piped YAML into comments, keeping every line where it was", () => {
    const piped = `\n> klaxon@0.1.0 oncall\n> npm run build --silent && node scripts/dist/oncall.js export\n\n${FILE}`;
    const text = withoutNpmBanner(piped);
    expect(text.split('\n')).toHaveLength(piped.split('\n').length);
    expect(text.startsWith('\n# klaxon@0.1.0 oncall\n# npm run build')).toBe(true);
    expect(readOnCallYaml(text).ok).toBe(true);
    // Only in front: a line starting with > inside the document is left to the YAML parser.
    expect(withoutNpmBanner('a: 1\n> b\n')).toBe('a: 1\n> b\n');
  });
});

describe('configToYaml', () => {
  const config: OnCallConfigDto = {
    schedules: {
      '2024': { time_zone: 'UTC', layers: [{ name: 'layer-1', members: ['U0A'], shift: '1d', handoff: '2026-12-07T09:00' }] },
      payments: {
        time_zone: 'Europe/Berlin',
        layers: [{ name: 'office', members: ['U0A', 'U0B'], shift: '1w', handoff: '2026-12-07T09:00', restrict: [{ days: ['mon', 'fri'], from: '09:00', to: '17:00' }] }],
      },
      'a-b': { time_zone: 'UTC', layers: [{ name: 'layer-1', members: ['U0C'], shift: '12h', handoff: '2026-12-07T09:00' }] },
    },
    escalation_policies: { std: { steps: [{ targets: [{ schedule: 'payments' }, { person: 'U0BOSS' }], escalate_after: '5m' }], repeat: 0 } },
    services: {},
    heartbeats: { 'nightly-backup': { service: 'payments', interval: '1m', grace: '30s', severity: 'high' } },
  };

  it('writes names in code-point order, lists of plain values on one line, and quotes what a YAML 1.1 reader would misread', () => {
    expect(configToYaml(config, 'T0DEV')).toBe(`# On-call config of tenant T0DEV: schedules, escalation policies, services and heartbeats.
# Apply it with: npm run oncall -- apply <this file> --tenant T0DEV
# Overrides are not config and are not here (see docs/oncall.md, "Config as code").

schedules:
  "2024":
    time_zone: UTC
    layers:
      - name: layer-1
        members: [U0A]
        shift: 1d
        handoff: 2026-12-07T09:00
  a-b:
    time_zone: UTC
    layers:
      - name: layer-1
        members: [U0C]
        shift: 12h
        handoff: 2026-12-07T09:00
  payments:
    time_zone: Europe/Berlin
    layers:
      - name: office
        members: [U0A, U0B]
        shift: 1w
        handoff: 2026-12-07T09:00
        restrict:
          - days: [mon, fri]
            from: "09:00"
            to: "17:00"

escalation_policies:
  std:
    steps:
      - targets: [{schedule: payments}, {person: U0BOSS}]
        escalate_after: 5m
    repeat: 0

services: {}

heartbeats:
  nightly-backup:
    service: payments
    interval: 1m
    grace: 30s
    severity: high
`);
  });

  it('reads back as the same config, as YAML 1.1 too', () => {
    const text = configToYaml(config, 'T0DEV');
    expect(parse(text)).toEqual(config);
    expect(parse(text, { version: '1.1' })).toEqual(config);
    expect(readOnCallYaml(text).ok).toBe(true);
  });
});

describe('pathSegments', () => {
  it('splits a path the way configPath writes it', () => {
    expect(pathSegments('schedules.payments.layers[0].restrict[12].days')).toEqual(['schedules', 'payments', 'layers', 0, 'restrict', 12, 'days']);
  });
});
