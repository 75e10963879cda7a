import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/**
 * Docker for the image tests, where it runs: the daemon answers and the base image that
 * deploy/Dockerfile names is there (no registry is reachable here: .ci/docker-base-image.sh makes
 * it from Debian's packages, and .ci/docker.sh runs that before the tests). Elsewhere the tests
 * fall back to running the Dockerfile's steps as plain commands (support/dockerfile.ts).
 */
const DOCKER_BIN = process.env.DOCKER_BIN ?? (existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker');

export function docker(args: string[], timeoutMs = 600_000) {
  return spawnSync(DOCKER_BIN, args, { encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, DOCKER_BUILDKIT: '1' } });
}

/** Why the real build cannot run here, or undefined when it can. */
export function dockerUnavailable(dockerfile: string): string | undefined {
  const info = docker(['info', '--format', '{{.ServerVersion}}'], 20_000);
  if (info.error || info.status !== 0) return 'the Docker daemon does not answer';
  const base = /^FROM\s+(\S+)/m.exec(readFileSync(dockerfile, 'utf8'))?.[1] as string;
  if (docker(['image', 'inspect', base], 20_000).status !== 0)
    return `the base image ${base} is not here (bash .ci/docker-base-image.sh makes it)`;
  return undefined;
}
