// @ts-check
// `npm run test:faults`: the fault suite (kills, a stopped database, a failing Twilio, fuzzing). Slow by
// design and bounded (about five minutes on 2 cores), so it is not part of `npm test`; CI runs it after.
const base = require('./jest.config.js');
const integration = base.projects.find((project) => project.displayName === 'integration');

/** @type {import('jest').Config} */
module.exports = {
  // Each test bounds its own waits; this only stops a wedged one.
  testTimeout: 240_000,
  reporters: base.reporters,
  // One file at a time: each drives whole processes and measures what they do under stress.
  maxWorkers: 1,
  projects: [{ ...integration, displayName: 'faults', testMatch: ['<rootDir>/test/faults/**/*.fault.test.ts'] }],
};
