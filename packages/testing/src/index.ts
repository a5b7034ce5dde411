export * from './embedded-postgres';
export * from './free-port';
export * from './test-database';
export * from './slack-signer';
