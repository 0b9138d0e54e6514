#!/usr/bin/env bash
# The suite must pass on any date and at any hour: run it under libfaketime at three shop-time
# instants that have broken date logic before — a Monday before the day shift starts (08:30),
# a month end one minute before midnight, and a future year. Called by `make test-dates`
# (and so by `make test`). The offset form (+Ns) keeps every child process (CLI, agents,
# PostgreSQL) on the same shifted clock.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v faketime >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "faketime not found: installing it from the OS packages" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends faketime </dev/null >/dev/null 2>&1 \
      || { apt-get update -qq </dev/null && apt-get install -y -qq --no-install-recommends faketime </dev/null >/dev/null; }
  else
    echo "error: faketime is needed for the date check (install the 'faketime' package)" >&2
    exit 1
  fi
fi

PY=${PY:-.venv/bin/python}
INSTANTS=${INSTANTS:-"2026-12-07T07:10:00+08:00 2027-01-31T23:59:00+08:00 2031-07-15T14:00:00+08:00"}
for at in $INSTANTS; do
  offset=$(( $(date -d "$at" +%s) - $(date +%s) ))
  echo "== suite at shop time $at (clock offset ${offset}s) ==" >&2
  faketime -f "${offset:+$( [ "$offset" -ge 0 ] && echo +)}${offset}s" "$PY" -m pytest -q -p no:cacheprovider "$@"
done
