#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests: no system service, no TCP port, nothing kept.
#
#   cluster.sh start INFO [WATCH_PID]   starts a fresh cluster in a new /tmp/hubrules-pg.XXXXXX
#                                       and writes INFO (shell variables, see below); with
#                                       WATCH_PID, the cluster is also stopped once that process
#                                       is gone (a killed test run leaves nothing running);
#                                       WATCH_PID `parent` watches the caller (ctest)
#   cluster.sh stop INFO                stops the cluster INFO names, removes its folder and INFO
#   cluster.sh restart INFO             pg_ctl restart (the same folder and socket)
#
# INFO holds PGHOST (the socket folder), PGPORT, PGUSER=postgres, CLUSTER_DIR, POSTMASTER_PID
# and BINDIR. The server listens only on a Unix socket in CLUSTER_DIR, so the port merely names
# the socket and cannot clash with anything. It runs initdb/pg_ctl from the newest
# /usr/lib/postgresql/*/bin (Debian's `postgresql`, scripts/install-deps.sh), as the `postgres`
# user when run as root (PostgreSQL refuses to run as root), else as the caller. Clients connect
# as the superuser `postgres`, trusted (the socket folder is private to the cluster's owner).
#
# `start` first stops whatever cluster an INFO left by a killed run still names, and every
# cluster gets a folder of its own, so a stale one never gets in the way.
set -euo pipefail

usage() { echo "usage: $0 start INFO [WATCH_PID] | stop INFO | restart INFO" >&2; exit 2; }
(($# >= 2)) || usage
command=$1 info=$2
script=$(readlink -f -- "$0")

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [[ -z $bindir || ! -x $bindir/initdb || ! -x $bindir/pg_ctl ]]; then
  echo "cluster.sh: no PostgreSQL server (/usr/lib/postgresql/*/bin/initdb); scripts/install-deps.sh installs Debian's postgresql" >&2
  exit 1
fi

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# Reads INFO's variables without running it (it is ours, but a test folder is no place to execute).
read_info() {
  PGHOST='' PGPORT='' CLUSTER_DIR='' POSTMASTER_PID=''
  local key value
  while IFS='=' read -r key value; do
    case $key in
      PGHOST) PGHOST=$value ;;
      PGPORT) PGPORT=$value ;;
      CLUSTER_DIR) CLUSTER_DIR=$value ;;
      POSTMASTER_PID) POSTMASTER_PID=$value ;;
    esac
  done < "$1"
}

is_postmaster() {  # PID: still a running postgres server (not a recycled pid)?
  [[ -n $1 ]] && [[ $(ps -o comm= -p "$1" 2>/dev/null || true) == postgres* ]]
}

stop_cluster() {
  [[ -f $info ]] || return 0
  read_info "$info"
  if [[ -n $CLUSTER_DIR && -d $CLUSTER_DIR/data ]]; then
    (cd "$CLUSTER_DIR" && as_owner "$bindir/pg_ctl" stop -D "$CLUSTER_DIR/data" -m immediate -w -t 30) \
      >/dev/null 2>&1 || true
  fi
  if is_postmaster "$POSTMASTER_PID"; then
    kill -KILL "$POSTMASTER_PID" 2>/dev/null || true
  fi
  # Only ever a folder this script made.
  if [[ $CLUSTER_DIR == /tmp/hubrules-pg.* ]]; then
    rm -rf -- "$CLUSTER_DIR"
  fi
  rm -f -- "$info"
}

case $command in
  start)
    stop_cluster  # left by a killed run
    mkdir -p -- "$(dirname -- "$info")"
    info=$(readlink -f -- "$info")  # it is used after cd
    # /tmp, not the build folder: the postgres user must be able to reach it.
    dir=$(mktemp -d /tmp/hubrules-pg.XXXXXX)
    chmod 0700 "$dir"
    if [[ $(id -u) -eq 0 ]]; then chown postgres: "$dir"; fi
    port=$((20000 + RANDOM % 30000))
    cd "$dir"  # initdb and pg_ctl need a current folder their user can read
    if ! as_owner "$bindir/initdb" -D "$dir/data" -U postgres -A trust -N -E UTF8 --locale=C \
        >"$dir/initdb.log" 2>&1; then
      cat "$dir/initdb.log" >&2
      rm -rf -- "$dir"
      exit 1
    fi
    options="-c listen_addresses='' -k $dir -p $port -c max_connections=300"
    options+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    if ! as_owner "$bindir/pg_ctl" start -D "$dir/data" -w -t 60 -l "$dir/server.log" -o "$options" >/dev/null; then
      cat "$dir/server.log" >&2 || true
      as_owner "$bindir/pg_ctl" stop -D "$dir/data" -m immediate >/dev/null 2>&1 || true
      rm -rf -- "$dir"
      exit 1
    fi
    postmaster_pid=$(head -n 1 "$dir/data/postmaster.pid")
    printf 'PGHOST=%s\nPGPORT=%s\nPGUSER=postgres\nCLUSTER_DIR=%s\nPOSTMASTER_PID=%s\nBINDIR=%s\n' \
      "$dir" "$port" "$dir" "$postmaster_pid" "$bindir" > "$info.tmp"
    mv -f -- "$info.tmp" "$info"
    if (($# >= 3)); then
      watch_pid=$3
      if [[ $watch_pid == parent ]]; then watch_pid=$PPID; fi  # under ctest: ctest itself
      # The watchdog: its own session, no inherited output (ctest waits for the test's output to close).
      setsid bash "$script" watch "$info" "$watch_pid" "$dir" </dev/null >/dev/null 2>&1 &
    fi
    echo "PostgreSQL $(basename "$(dirname "$bindir")") on $dir/.s.PGSQL.$port (info: $info)"
    ;;
  stop)
    stop_cluster
    ;;
  restart)
    read_info "$info"
    (cd "$CLUSTER_DIR" && as_owner "$bindir/pg_ctl" restart -D "$CLUSTER_DIR/data" -m fast -w -t 60 >/dev/null)
    postmaster_pid=$(head -n 1 "$CLUSTER_DIR/data/postmaster.pid")
    sed -i "s/^POSTMASTER_PID=.*/POSTMASTER_PID=$postmaster_pid/" "$info"
    ;;
  watch)  # internal: cluster.sh watch INFO PID DIR
    (($# >= 4)) || usage
    while kill -0 "$3" 2>/dev/null; do sleep 1; done
    # Stop only the cluster this watchdog was started for, not a later one written to INFO.
    if [[ -f $info ]]; then
      read_info "$info"
      if [[ $CLUSTER_DIR == "$4" ]]; then stop_cluster; fi
    fi
    ;;
  *)
    usage
    ;;
esac
