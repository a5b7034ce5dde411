// @ts-check
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

module.exports = tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', __dirname: 'readonly', console: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // The gateway is the public edge: it never touches the database, Twilio or another app.
    files: ['apps/gateway/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['pg-promise', 'pg', 'graphile-worker'], message: 'The gateway is stateless: no database, no Twilio.' },
        // One exception: Twilio's webhook signature check (node built-ins only, not the SDK), for /twilio/*.
        { regex: '^twilio(?!/lib/webhooks/webhooks$)(/.*)?$', message: 'The gateway sends nothing to Twilio: only twilio/lib/webhooks/webhooks, to verify signatures.' },
        { group: ['**/apps/**', '@klaxon/backend', '@klaxon/backend/*'], message: 'Apps never import each other; share through packages/.' },
      ] }],
    },
  },
  {
    files: ['apps/backend/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['@slack/bolt', '**/apps/**', '@klaxon/gateway', '@klaxon/gateway/*'], message: 'Apps never import each other; share through packages/.' },
      ] }],
    },
  },
  {
    // Pure domain modules: no HTTP, no database, no I/O.
    files: ['apps/backend/src/alerts/alert-state.ts', 'apps/backend/src/notify/notification-policy.ts', 'apps/backend/src/contacts/phone.ts', 'apps/backend/src/contacts/phone-number.ts', 'apps/gateway/src/slack/command-parser.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['express', 'pg-promise', 'pg', 'twilio', 'axios', 'node:*', '@slack/*'], message: 'This module is pure: no I/O.' },
      ] }],
    },
  },
  {
    // Nothing in the backend names a channel but the provider rooms that register one: the engine, the channel kit and
    // the policy (written in roles) ask the ChannelRegistry, so a new channel is its module and its registration line
    // (docs/architecture.md, "Adding a channel"; Delivery engine issue, "no other if").
    files: ['apps/backend/src/**/*.ts'],
    ignores: ['apps/backend/src/**/*.test.ts', 'apps/backend/src/{twilio,email,slack}/**'],
    rules: {
      'no-restricted-syntax': ['error', {
        selector: 'Literal[value=/^(whatsapp|sms|voice|email)$/]:not(TSLiteralType > Literal)',
        message: 'Do not name a channel here: ask the ChannelRegistry (label, role, address, capabilities, fallback).',
      }],
    },
  },
);
