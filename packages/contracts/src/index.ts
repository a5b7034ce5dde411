export * from './alert';
export * from './requests';
export * from './errors';
export * from './headers';
export * from './http-timeouts';
export * from './labels';
export * from './text';
export * from './time-zone';
