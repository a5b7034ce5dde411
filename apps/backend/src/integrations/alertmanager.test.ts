import {
  alertDedupKey,
  groupNameOf,
  highestSeverity,
  lenientAlert,
  messageOf,
  PageListError,
  parsePageList,
  readPageList,
  routeOf,
  severityOf,
  sourceOf,
  summaryDedupKey,
  summaryMessage,
  targetsKey,
  type ReceiverRoute,
} from './alertmanager';

describe('severityOf (the severity label)', () => {
  it.each([
    ['critical', 'critical'],
    ['CRITICAL', 'critical'],
    ['high', 'high'],
    ['error', 'high'],
    ['warning', 'medium'],
    ['info', 'low'],
    ['page', 'high'],
    ['', 'high'],
    [undefined, 'high'],
  ] as const)('%p → %s', (label, severity) => {
    expect(severityOf(label)).toBe(severity);
  });
});

describe('messageOf', () => {
  it('is the summary annotation, on one line', () => {
    expect(messageOf({ labels: { alertname: 'X' }, annotations: { summary: ' disk\nfull on db-1 ' } })).toBe('disk full on db-1');
  });

  it('is the alert name and its labels (sorted; page and severity left out) without a summary', () => {
    expect(messageOf({ labels: { alertname: 'HighLatency', page: 'U1', severity: 'critical', job: 'api', instance: 'db-1' }, annotations: { description: 'd' } })).toBe(
      'HighLatency {instance="db-1", job="api"}',
    );
    expect(messageOf({ labels: { alertname: 'Bare' }, annotations: {} })).toBe('Bare');
  });

  it('fits in a message (2000 characters)', () => {
    expect(messageOf({ labels: {}, annotations: { summary: 'x'.repeat(5000) } })).toHaveLength(2000);
  });
});

describe('sourceOf', () => {
  it.each([
    [{ instance: 'db-1:9100', job: 'node' }, 'db-1:9100'],
    [{ job: 'node' }, 'node'],
    [{}, 'team-db'],
  ])('%p → %s', (labels, source) => {
    expect(sourceOf({ labels }, 'team-db')).toBe(source);
  });
});

describe('parsePageList', () => {
  it('reads Slack user ids and E.164 numbers, comma-separated, each person once', () => {
    expect(parsePageList(' U024BE7LH, +14155550101,,W0ABC,U024BE7LH ')).toEqual([{ slackUserId: 'U024BE7LH' }, { phone: '+14155550101' }, { slackUserId: 'W0ABC' }]);
  });

  it.each([
    ['', /is empty/],
    ['jane', /"jane" is neither a Slack user id .* nor an E\.164 number/],
    ['4155550101', /neither .*; in a URL write the "\+" of a number as %2B/],
    [Array.from({ length: 21 }, (_, i) => `U0${i}AA`).join(','), /at most 20/],
  ])('refuses %p', (list, reason) => {
    expect(() => parsePageList(list)).toThrow(PageListError);
    expect(() => parsePageList(list)).toThrow(reason);
  });
});

describe('readPageList (a page label)', () => {
  it('names Slack users; a number only when numbers are allowed, masked when refused; the rest still read', () => {
    expect(readPageList('U0AA, +14155550101, jane', { allowNumbers: false })).toEqual({
      targets: [{ slackUserId: 'U0AA' }],
      refused: [expect.stringMatching(/^"\+1 \*+0101" is a phone number: a label may name Slack user ids only .*allow_numbers=true/), '"jane" is not a Slack user id (U024BE7LH)'],
    });
    expect(readPageList('U0AA,+14155550101', { allowNumbers: true })).toEqual({ targets: [{ slackUserId: 'U0AA' }, { phone: '+14155550101' }], refused: [] });
    expect(readPageList('415 555 0101', { allowNumbers: false }).refused).toEqual(['"******0101" is not a Slack user id (U024BE7LH)']);
  });
});

describe('routeOf: the receiver URL is authoritative', () => {
  const url: ReceiverRoute = { page: [{ slackUserId: 'U0URL' }], service: null, allowNumbers: false };
  const none: ReceiverRoute = { page: null, service: null, allowNumbers: false };
  const numbers: ReceiverRoute = { page: null, service: null, allowNumbers: true };
  const urlService: ReceiverRoute = { page: null, service: 'payments', allowNumbers: false };
  const malformed = { field: 'fingerprint', reason: 'Required' };
  const labelProblem = { field: 'labels.page', reason: expect.any(String) };
  it.each([
    ['the URL page, no label', {}, url, null, [{ slackUserId: 'U0URL' }], null],
    ['the URL page over a label naming someone else', { page: 'U0LBL' }, url, null, [{ slackUserId: 'U0URL' }], null],
    ['the URL page over a label naming a number (reported)', { page: '+19005550100' }, url, null, [{ slackUserId: 'U0URL' }], labelProblem],
    ['the URL page for a malformed alert (reported)', {}, url, malformed, [{ slackUserId: 'U0URL' }], malformed],
    ['a label without a URL page', { page: 'U0LBL' }, none, null, [{ slackUserId: 'U0LBL' }], null],
    ['the users of a label, its number refused', { page: 'U0LBL,+14155550101' }, none, null, [{ slackUserId: 'U0LBL' }], labelProblem],
    ['a number of a label with allow_numbers', { page: '+14155550101' }, numbers, null, [{ phone: '+14155550101' }], null],
    ['nobody: no URL page, no label', {}, none, null, [], { field: 'labels.page', reason: expect.stringMatching(/^nobody to page/) }],
    ['nobody: an empty label', { page: ' , ' }, none, null, [], { field: 'labels.page', reason: expect.stringMatching(/^nobody to page/) }],
    ['nobody: a malformed alert without a URL page, whatever its label', { page: 'U0LBL' }, none, malformed, [], malformed],
  ])('%s', (_name, labels, route, problem, targets, expected) => {
    expect(routeOf({ labels }, route, problem)).toEqual({ targets, service: null, problem: expected });
  });

  const serviceProblem = { field: 'labels.service', reason: expect.stringMatching(/is not a service name/) };
  it.each([
    ['a service label', { service: 'payments' }, none, null, [], 'payments', null],
    ['a service label and a page label: both', { service: 'payments', page: 'U0LBL' }, none, null, [{ slackUserId: 'U0LBL' }], 'payments', null],
    ['the URL service over a service label', { service: 'ledger' }, urlService, null, [], 'payments', null],
    ['the URL service over a page label', { page: 'U0LBL' }, urlService, null, [], 'payments', null],
    ['the URL page over a service label', { service: 'ledger' }, url, null, [{ slackUserId: 'U0URL' }], null, null],
    ['the URL service for a malformed alert (reported)', {}, urlService, malformed, [], 'payments', malformed],
    ['a service label that is no name (reported), its page label paged', { service: 'Pay ments', page: 'U0LBL' }, none, null, [{ slackUserId: 'U0LBL' }], null, serviceProblem],
    ['a service label that is no name, nobody else (reported)', { service: 'Pay ments' }, none, null, [], null, serviceProblem],
  ])('%s', (_name, labels, route, problem, targets, service, expected) => {
    expect(routeOf({ labels }, route, problem)).toEqual({ targets, service, problem: expected });
  });
});

describe('lenientAlert (one that failed the schema)', () => {
  it('keeps string labels and annotations, a valid status, a usable fingerprint', () => {
    expect(lenientAlert({ status: 'resolved', labels: { a: 'x', n: 3 }, annotations: { summary: 's', n: null }, fingerprint: 'f1' })).toEqual({
      status: 'resolved',
      labels: { a: 'x' },
      annotations: { summary: 's' },
      fingerprint: 'f1',
      fingerprintGiven: true,
    });
  });

  it('is firing unless it says resolved, and is known by its labels (in any order) without a fingerprint', () => {
    const one = lenientAlert({ status: 'pending', labels: { b: '2', a: '1' } });
    expect(one).toMatchObject({ status: 'firing', fingerprint: expect.stringMatching(/^labels-[0-9a-f]{16}$/), fingerprintGiven: false });
    expect(lenientAlert({ labels: { a: '1', b: '2' }, fingerprint: '' }).fingerprint).toBe(one.fingerprint);
    expect(lenientAlert({ labels: { a: '1' } }).fingerprint).not.toBe(one.fingerprint);
    expect(lenientAlert('not an alert')).toMatchObject({ status: 'firing', labels: {}, annotations: {} });
  });
});

describe('alertDedupKey', () => {
  it('is one per fingerprint and receiver, the fingerprint readable, the receiver hashed', () => {
    expect(alertDedupKey('team-a', 'c2b0a1f9e4d3c7b6')).toMatch(/^alertmanager:c2b0a1f9e4d3c7b6:[0-9a-f]{16}$/);
    expect(alertDedupKey('team-a', 'f1')).toBe(alertDedupKey('team-a', 'f1'));
    expect(alertDedupKey('team-a', 'f1')).not.toBe(alertDedupKey('team-b', 'f1'));
    // However the two are cut, the receiver's hash has a fixed length at the end: no two pairs meet.
    expect(alertDedupKey('a:b', 'c')).not.toBe(alertDedupKey('a', 'b:c'));
  });
});

describe('summaries', () => {
  it('name the group by its grouping labels, else the receiver', () => {
    expect(groupNameOf({ groupLabels: { service: 'checkout', alertname: 'X' }, receiver: 'r' })).toBe('X/checkout');
    expect(groupNameOf({ groupLabels: {}, receiver: 'team-payments' })).toBe('team-payments');
  });

  it('say how many fire and which, counting repeats of a name', () => {
    const alerts = [
      { labels: { alertname: 'HighLatency' }, annotations: {} },
      { labels: { alertname: 'ErrorRate' }, annotations: {} },
      { labels: { alertname: 'ErrorRate' }, annotations: {} },
    ];
    expect(summaryMessage('checkout', alerts)).toBe('3 alerts firing for checkout: HighLatency, ErrorRate (2)');
  });

  it('say first how many Alertmanager left out, where a long list of names cannot cut it', () => {
    const alerts = Array.from({ length: 300 }, (_, i) => ({ labels: { alertname: `Rule${i}-${'x'.repeat(20)}` }, annotations: {} }));
    const message = summaryMessage('checkout', alerts, 700);
    expect(message).toMatch(/^300 alerts firing for checkout \(and 700 more Alertmanager left out: max_alerts\): Rule0-/);
    expect(message).toHaveLength(2000);
  });

  it('take the highest severity, and one dedup key per group and set of people', () => {
    expect(highestSeverity(['low', 'critical', 'medium'])).toBe('critical');
    const people = targetsKey([{ phone: '+14155550101' }, { slackUserId: 'U1AA' }]);
    expect(people).toBe(targetsKey([{ slackUserId: 'U1AA' }, { phone: '+14155550101' }]));
    expect(summaryDedupKey('{}:{alertname="X"}', people)).toMatch(/^alertmanager-group:[0-9a-f]{32}$/);
    expect(summaryDedupKey('{}:{alertname="X"}', people)).not.toBe(summaryDedupKey('{}:{alertname="Y"}', people));
  });
});
