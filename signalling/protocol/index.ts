export * from './common.ts';
export * from './state.ts';
export * from './requests.ts';
export * from './notifications.ts';
export * from './permissions.ts';
export * from './events.ts';
export * from './api.ts';
export * from './surface.ts';
