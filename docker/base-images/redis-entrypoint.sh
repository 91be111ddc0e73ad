#!/bin/bash
# Stand-in for the official redis image's entry point: `redis-server …` runs as `redis` in
# /data, without protected mode (the official image builds it off: other containers connect).
set -e

if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then set -- redis-server "$@"; fi

if [ "$1" = 'redis-server' ] && [ "$(id -u)" = '0' ]; then
  chown -R redis:redis /data
  exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi

if [ "$1" = 'redis-server' ]; then
  case " $* " in
    *' --protected-mode '*) ;;
    *) set -- "$@" --protected-mode no ;;
  esac
fi

exec "$@"
