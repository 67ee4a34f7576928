export * from './decimal.js';
export * from './event.js';
export * from './geography.js';
export * from './rooms.js';
export * from './delta.js';
export * from './ws.js';
export * from './api.js';
export * from './web-config.js';
