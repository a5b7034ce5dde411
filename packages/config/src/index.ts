export * from './backend-role';
export * from './config-error';
export * from './delivery-timing';
export * from './dev-defaults';
export * from './load';
export * from './schema';
export * from './service-keys';
