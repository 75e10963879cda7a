import { type Config, signInEnabled } from '../config.ts';
import { type Authenticator, openAccess, withAllowedOrigins } from './authenticator.ts';
import { jwtAuth } from './jwt-auth.ts';

/** The authenticator the configuration asks for: JWTs when a secret or JWKS is set, else open access. */
export function authenticatorFor(config: Config): Authenticator {
  const base = signInEnabled(config) ? jwtAuth(config) : openAccess(config.defaultRestaurantId);
  return config.allowedOrigins ? withAllowedOrigins(base, config.allowedOrigins) : base;
}
