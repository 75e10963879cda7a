export { type Authenticator, type Identity, openAccess } from './auth/authenticator.ts';
export { ConfigError, loadConfig } from './config/load.ts';
export { type Config, SETTINGS } from './config/settings.ts';
export { createLogger } from './logger.ts';
export { type RunningServer, type ServerOptions, startServer } from './server.ts';
export type { Db } from './storage/db.ts';
export { migrate } from './storage/migrate.ts';
export { openDatabase } from './storage/open.ts';
