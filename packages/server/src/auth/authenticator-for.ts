import { signInEnabled } from '../config/checks.ts';
import type { Config } from '../config/settings.ts';
import { type Authenticator, openAccess, withAllowedOrigins } from './authenticator.ts';
import { jwtAuth } from './jwt-auth.ts';

/** The authenticator the configuration asks for: JWTs when a secret or JWKS is set, else open access. */
export function authenticatorFor(config: Config): Authenticator {
  const base = signInEnabled(config) ? jwtAuth(config) : openAccess(config.defaultRestaurantId);
  return config.allowedOrigins ? withAllowedOrigins(base, config.allowedOrigins) : base;
}
