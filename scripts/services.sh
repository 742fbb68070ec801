#!/usr/bin/env bash
# Start the local PostgreSQL and Redis that the test suite uses, when they are down.
# On a machine without them, say so: the tests that need them skip (or fail when CI=true).
set -u

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

if command -v pg_isready >/dev/null 2>&1 && ! pg_up; then
  if [ -d /etc/postgresql ] && command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "services: starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    for _ in $(seq 1 30); do pg_up && break; sleep 0.5; done
  fi
fi
if pg_up; then echo "services: PostgreSQL is up"; else echo "services: PostgreSQL is not available"; fi

if command -v redis-server >/dev/null 2>&1 && ! redis_up; then
  echo "services: starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no || true
  for _ in $(seq 1 30); do redis_up && break; sleep 0.2; done
fi
if redis_up; then echo "services: Redis is up"; else echo "services: Redis is not available"; fi

# Debian's Chromium for the browser tests (Playwright drives it; it never downloads a browser).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "services: installing Debian's chromium for the browser tests"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 || true
  fi
fi
if command -v chromium >/dev/null 2>&1; then echo "services: chromium is installed"; else echo "services: chromium is not available"; fi
exit 0
