#!/usr/bin/env bash
# Make sure a Redis server answers on 127.0.0.1:6379 (the rate-limit and cache tests use it).
# Installs redis-server with apt-get when absent and starts it when down (no persistence).
# Prints the URL of the tests' Redis database (index 5, which only the tests flush) last.
set -euo pipefail

HOST=127.0.0.1
PORT=${REDIS_PORT:-6379}
DB_INDEX=${TEST_REDIS_DB:-5}

ping_redis() {
  # RESP PING over bash's /dev/tcp: needs no client binary.
  exec 3<>"/dev/tcp/$HOST/$PORT" 2>/dev/null || return 1
  printf 'PING\r\n' >&3
  local reply=""
  read -r -t 2 reply <&3 || true
  exec 3>&- 3<&-
  [[ "$reply" == "+PONG"* ]]
}

if ! ping_redis; then
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "ensure-redis: installing redis-server" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq redis-server >&2
  fi
  echo "ensure-redis: starting redis-server on $HOST:$PORT" >&2
  redis-server --bind "$HOST" --port "$PORT" --daemonize yes --save "" --appendonly no \
    --logfile /tmp/taskdesk-redis.log >&2
  for _ in $(seq 1 40); do ping_redis && break; sleep 0.25; done
  ping_redis || { echo "ensure-redis: Redis did not come up on $HOST:$PORT" >&2; exit 1; }
fi
echo "redis://$HOST:$PORT/$DB_INDEX"
