export * from './schema.js';
export * from './types.js';
export * from './fields.js';
export * from './commands.js';
export * from './codec.js';
export * from './spec-tables.js';
export * from './redact.js';
