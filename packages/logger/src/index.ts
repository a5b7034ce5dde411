export * from './create-logger';
export * from './redact';
export * from './request-context';
