# CI only (.ci/docker.sh): PostgreSQL 15, Redis and nginx from Debian's packages on the local base
# image, standing in for the official images docker-compose.yml names, which cannot be pulled here.
FROM staff-sync/node-base:latest
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql-15 redis-server nginx-light >/dev/null \
 && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/default
COPY pg-start.sh /usr/local/bin/pg-start
