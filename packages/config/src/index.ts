export * from './config-error';
export * from './dev-defaults';
export * from './load';
export * from './schema';
export * from './service-keys';
