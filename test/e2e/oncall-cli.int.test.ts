// The built `npm run oncall` against the real backend listening on loopback: a YAML file applied, exported and
// applied again through the CLI and the routes over HTTP.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import request from 'supertest';
import { SERVICE_KEY } from '../../apps/backend/test/integration/helpers';
import { loadOnCallExample } from '../../scripts/src/oncall-example';
import { useCliHarness, type CliRun } from './cli-harness';

const REPO = path.resolve(__dirname, '../..');
const EXAMPLE = path.join(REPO, 'deploy/oncall.example.yaml');
const cli = useCliHarness('oncall');
const run = cli.run;
const writeFile = cli.writeFile;

const count = async (table: string, tenant: string) => Number((await cli.backend.db.one<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE tenant_id = $1`, [tenant])).n);
const example = readFileSync(EXAMPLE, 'utf8');

describe('npm run oncall', () => {
  it('applies a file after printing its plan, exports it, and an export applied again changes nothing', async () => {
    const dry = await run(['apply', EXAMPLE, '--tenant', 'T-CLI', '--dry-run']);
    expect(dry).toMatchObject({ code: 0, stderr: '' });
    expect(dry.stdout).toMatch(/^Plan for tenant T-CLI from .*oncall\.example\.yaml: 4 to create, 0 to change, 0 to delete \(0 unchanged\)\.\n/);
    expect(dry.stdout).toContain('\n+ create schedule payments\n    time_zone: Europe/Berlin\n    layers:\n      - name: weekly\n        members: [U0DEV, U0ANNA, U0BEN]\n');
    expect(dry.stdout).toMatch(/\nDry run: nothing was written\.\n$/);
    expect(await count('schedules', 'T-CLI')).toBe(0);

    const applied = await run(['apply', EXAMPLE, '--tenant', 'T-CLI']);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('+ create service payments\n    escalation_policy: payments-escalation\n    slack_channel: C0DEV\n    slack_usergroup: S0PAY\n');
    expect(applied.stdout).toMatch(/\nApplied to tenant T-CLI in one transaction: 4 created, 0 changed, 0 deleted\.\n$/);
    const written = await cli.backend.db.one<{ updated_at: Date }>("SELECT max(updated_at) AS updated_at FROM schedules WHERE tenant_id = 'T-CLI'");

    const exported = await run(['export', '--tenant', 'T-CLI']);
    expect(exported).toMatchObject({ code: 0, stderr: '' });
    expect(exported.stdout).toMatch(/^# On-call config of tenant T-CLI/);
    expect(exported.stdout).toContain('\nescalation_policies:\n  payments-escalation:\n    steps:\n      - targets: [{schedule: payments}]\n        escalate_after: 5m\n');

    const again = await run(['apply', '-', '--tenant', 'T-CLI'], { stdin: exported.stdout });
    expect(again).toEqual({ code: 0, stdout: 'No changes: tenant T-CLI already matches stdin (4 unchanged).\n', stderr: '' });
    expect((await run(['export', '--tenant', 'T-CLI'])).stdout).toBe(exported.stdout);
    const untouched = await cli.backend.db.one<{ updated_at: Date }>("SELECT max(updated_at) AS updated_at FROM schedules WHERE tenant_id = 'T-CLI'");
    expect(untouched.updated_at).toEqual(written.updated_at);
  });

  it('changes nothing with `npm run oncall -- export | npm run oncall -- apply -`, npm’s own header lines and all', async () => {
    await run(['apply', EXAMPLE, '--tenant', 'T-PIPE']);
    const piped = await new Promise<CliRun>((resolve) => {
      execFile('bash', ['-o', 'pipefail', '-c', 'npm run oncall -- export --tenant T-PIPE | npm run oncall -- apply - --tenant T-PIPE'], { cwd: REPO, env: cli.env(), timeout: 60_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(piped.code).toBe(0);
    expect(piped.stdout).toContain('\nNo changes: tenant T-PIPE already matches stdin (4 unchanged).\n');
  });

  it('names the line and column of YAML that does not parse, and applies nothing', async () => {
    const file = writeFile('broken.yaml', example.replace('members: [U0DEV, U0ANNA, U0BEN]', 'members: [U0DEV, U0ANNA, U0BEN'));
    const res = await run(['apply', file, '--tenant', 'T-SYNTAX']);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(new RegExp(`^${escape(file)}:21:9: Flow sequence in block collection must be sufficiently indented and end with a \\]\\n`));
    expect(res.stderr).toMatch(/\noncall: a problem in .*broken\.yaml; nothing was applied\.\n$/);
    expect(await count('schedules', 'T-SYNTAX')).toBe(0);
  });

  it('names each bad field by its path and line, and applies nothing', async () => {
    const file = writeFile('bad-field.yaml', example.replace('shift: 1w', 'shift: 30m').replace('slack_channel: C0DEV', 'slack_chanel: C0DEV'));
    const res = await run(['apply', file, '--tenant', 'T-FIELD']);
    expect(res.code).toBe(1);
    expect(res.stderr.split('\n').slice(0, 2)).toEqual([
      `${file}:21:9: schedules.payments.layers[0].shift: shorter than 1h: shifts are an hour or longer (for a short swap, add an override)`,
      `${file}:57:5: services.payments.slack_chanel: unknown field (check the spelling)`,
    ]);
    expect(await count('schedules', 'T-FIELD')).toBe(0);
  });

  it('applies nothing at all when one object fails, naming it where the file has it', async () => {
    const file = writeFile('unknown-schedule.yaml', example.replace('- targets: [{schedule: payments-leads}, {schedule: payments}]', '- targets: [{schedule: payments-lead}, {schedule: payments}]'));
    const res = await run(['apply', file, '--tenant', 'T-ATOMIC']);
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(
      `${file}:48:20: escalation_policies.payments-escalation.steps[1].targets[0].schedule: no schedule "payments-lead" in the file or the tenant\n\noncall: a problem in ${file}; nothing was applied.\n`,
    );
    for (const table of ['schedules', 'escalation_policies', 'services']) expect(await count(table, 'T-ATOMIC')).toBe(0);
  });

  it('deletes what the file does not name only with --prune', async () => {
    await run(['apply', EXAMPLE, '--tenant', 'T-PRUNE']);
    const file = writeFile('services-only.yaml', 'services: {}\n');
    const kept = await run(['apply', file, '--tenant', 'T-PRUNE']);
    expect(kept.stdout).toBe(`No changes: tenant T-PRUNE already matches ${file} (0 unchanged).\n\nKept, not in ${file} (--prune would delete them): service payments.\n`);
    const pruned = await run(['apply', file, '--tenant', 'T-PRUNE', '--prune']);
    expect(pruned.stdout).toContain('\n- delete service payments\n');
    expect(await count('services', 'T-PRUNE')).toBe(0);
    expect(await count('schedules', 'T-PRUNE')).toBe(2);
  });

  it('says what it is waiting for when the backend takes long', async () => {
    const slow = http.createServer((_req, res) => {
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"schedules":{},"escalation_policies":{},"services":{},"heartbeats":{}}'), 1500);
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    try {
      const res = await run(['export', '--tenant', 'T-SLOW'], { backendUrl: `http://127.0.0.1:${(slow.address() as { port: number }).port}` });
      expect(res.code).toBe(0);
      // Not a terminal: the line is written once, not every second.
      expect(res.stderr).toBe("▸ reading tenant T-SLOW's on-call setup…\n");
      expect(res.stdout).toContain('schedules: {}\n');
    } finally {
      await new Promise((resolve) => slow.close(resolve));
    }
  });

  it('explains itself with --help, and asks for the tenant outside npm start’s dev setup', async () => {
    const help = await run(['--help']);
    expect(help.stdout).toContain('npm run oncall -- export | npm run oncall -- apply -   changes nothing');
    expect(help.stdout).toContain('Overrides are operational, not config');
    const bad = await run(['apply', EXAMPLE]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^oncall: --tenant is required/);
  });
});

/** `text` as a regular expression matching it literally. */
function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

describe("npm start's on-call example", () => {
  const client = (tenant: string) => ({ backend: cli.url, key: SERVICE_KEY, tenant });

  it('is loaded into a tenant without an on-call setup, found unchanged at the next start, and never overwrites a change', async () => {
    expect(await loadOnCallExample(client('T-START'), EXAMPLE)).toBe(`${EXAMPLE} loaded for T-START: 2 schedules, 1 escalation policy, 1 service`);
    expect(await loadOnCallExample(client('T-START'), EXAMPLE)).toBe(`T-START has ${EXAMPLE} (loaded at an earlier start, unchanged)`);

    // The developer's own change: the next start keeps it.
    await request(cli.backend.app).put('/escalation-policies/T-START/payments-escalation').set('x-service-key', SERVICE_KEY).send({ steps: [{ targets: [{ person: 'U0ME' }], escalate_after: '1m' }] }).expect(200);
    expect(await loadOnCallExample(client('T-START'), EXAMPLE)).toBe(`T-START has its own on-call setup, kept as it is (${EXAMPLE} is loaded only into a tenant without one)`);
    const policy = await request(cli.backend.app).get('/escalation-policies/T-START/payments-escalation').set('x-service-key', SERVICE_KEY).expect(200);
    expect(policy.body.steps).toEqual([{ targets: [{ person: 'U0ME' }], escalate_after: '1m' }]);
  });
});
