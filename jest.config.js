// @ts-check
// Workspace packages resolve to their TypeScript sources, so tests never need a build first.
const moduleNameMapper = { '^@klaxon/(.*)$': '<rootDir>/packages/$1/src' };
/** @type {import('jest').Config['transform']} */
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.check.json' }] };

/** @type {import('jest').Config} */
module.exports = {
  // Global only: jest ignores testTimeout inside a project. Generous because CI runs files in parallel on 2 cores.
  testTimeout: 30_000,
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  projects: [
    {
      displayName: 'unit',
      testMatch: ['<rootDir>/{apps,packages}/*/src/**/*.test.ts', '<rootDir>/scripts/src/**/*.test.ts'],
      testEnvironment: 'node',
      moduleNameMapper,
      transform,
    },
    {
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,packages}/*/test/**/*.int.test.ts', '<rootDir>/test/**/*.int.test.ts'],
      testEnvironment: 'node',
      moduleNameMapper,
      transform,
      // One PostgreSQL for the whole run (embedded unless DATABASE_URL is set); each file gets its own database.
      globalSetup: '<rootDir>/packages/testing/src/jest-global-setup.ts',
      globalTeardown: '<rootDir>/packages/testing/src/jest-global-teardown.ts',
    },
  ],
};
