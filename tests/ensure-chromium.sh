#!/usr/bin/env bash
# Make sure a headless Chromium and its WebDriver exist for the browser tests of the buyer chat
# page (Debian's chromium + chromium-driver). Installs the OS packages when missing and running
# as root, non-interactively. Called by `make test`; under CI=true a missing browser is an error.
set -euo pipefail

have_browser() {
  command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1
}

if have_browser; then
  exit 0
fi

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Chromium not found: installing it from the OS packages (apt-get install chromium chromium-driver)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq </dev/null
  apt-get install -y -qq --no-install-recommends chromium chromium-driver </dev/null >/dev/null
  have_browser && exit 0
  echo "error: chromium installed but chromium/chromedriver still not found" >&2
  exit 1
fi

msg="chromium and chromedriver not found; install the 'chromium' and 'chromium-driver' packages"
if [ "${CI:-}" = "true" ]; then
  echo "error: $msg (CI: browser tests must run)" >&2
  exit 1
fi
echo "warning: $msg; tests marked browser will be skipped" >&2
