#!/usr/bin/env bash
# The suite must pass on any date and at any hour: run it under libfaketime at three shop-time
# instants that have broken date logic before — a Monday before the day shift starts (08:30),
# a month end one minute before midnight, and a future year. Called by `make test-dates`
# (and so by `make test`).
#
# libfaketime is the one vendored by the `libfaketime` Python package (dev extra): the Debian
# 0.9.10 build fails Python's time.sleep with EINVAL when the monotonic clock is left alone,
# and hangs threading timeouts when it is not. The realtime clock is shifted by an offset
# (+Ns), so every child process (CLI runs, agent processes, PostgreSQL) agrees on the date;
# the monotonic clock is real, so timers and timeouts behave.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
lib=$("$PY" -c 'import pathlib, libfaketime; print(next(pathlib.Path(libfaketime.__file__).parent.rglob("libfaketime.so.1")))')
INSTANTS=${INSTANTS:-"2026-12-07T07:10:00+08:00 2027-01-31T23:59:00+08:00 2031-07-15T14:00:00+08:00"}
for at in $INSTANTS; do
  offset=$(( $(date -d "$at" +%s) - $(date +%s) ))
  sign=$([ "$offset" -ge 0 ] && echo + || echo)
  echo "== the suite at shop time $at (clock offset ${offset}s) ==" >&2
  LD_PRELOAD="$lib" FAKETIME="${sign}${offset}s" FAKETIME_DONT_FAKE_MONOTONIC=1 \
    "$PY" -m pytest -q -p no:cacheprovider "$@"
done
