#!/usr/bin/env bash
# Installs Debian's Chromium for the dashboard's end-to-end tests and bench (playwright-core
# drives it; no browser is ever downloaded from elsewhere). A no-op when it is already there.
set -euo pipefail
CHROMIUM="${AGENTMETER_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  echo "chromium: $("$CHROMIUM" --version 2>/dev/null || echo present) at $CHROMIUM"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium: not found at $CHROMIUM and no apt-get to install it; the browser tests will skip" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only when they do not know the package yet.
if ! apt-cache show chromium >/dev/null 2>&1; then
  $SUDO apt-get update -qq
fi
# Stale lists name versions the mirror no longer has: refresh once and retry.
if ! $SUDO apt-get install -y -qq chromium >/dev/null; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq chromium >/dev/null
fi
echo "chromium: installed $("$CHROMIUM" --version 2>/dev/null || echo '?')"
