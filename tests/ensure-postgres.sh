#!/usr/bin/env bash
# Make sure the PostgreSQL server binaries (initdb, pg_ctl) exist for the test suite
# (tests/pg.py starts a throwaway cluster with them). Installs the OS package when missing
# and running as root, non-interactively. Called by `make test`.
set -euo pipefail

have_pg() {
  command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1 && return 0
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1
}

if have_pg; then
  exit 0
fi

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "PostgreSQL server not found: installing it from the OS packages (apt-get install postgresql)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq </dev/null
  apt-get install -y -qq --no-install-recommends postgresql </dev/null >/dev/null
  have_pg && exit 0
  echo "error: postgresql installed but initdb/pg_ctl still not found" >&2
  exit 1
fi

msg="PostgreSQL server binaries (initdb, pg_ctl) not found; install the 'postgresql' package"
if [ "${CI:-}" = "true" ]; then
  echo "error: $msg (CI: tests marked postgres must run)" >&2
  exit 1
fi
echo "warning: $msg; tests marked postgres will be skipped" >&2
