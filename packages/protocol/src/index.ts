export * from './envelope.ts';
export * from './errors.ts';
export * from './mutations.ts';
export * from './parse.ts';
export * from './periods.ts';
export * from './schemas.ts';
export * from './staff.ts';
export * from './types.ts';
