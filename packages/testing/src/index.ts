export * from './embedded-postgres';
export * from './free-port';
export * from './test-database';
export * from './slack-signer';
export * from './fake-slack-api-server';
export * from './fake-twilio-server';
export * from './local-http';
export * from './postgres-in-child';
