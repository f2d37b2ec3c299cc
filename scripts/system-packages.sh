#!/usr/bin/env bash
# Debian packages beside Python. The service itself needs Pango and a font
# (WeasyPrint draws letters and plans with them): `make run` checks those only
# (--runtime). The tests also need PostgreSQL's server binaries (the suite starts
# its own throwaway server on loopback) and Chromium (browser tests drive it with
# Playwright). Idempotent and quick when everything is there; installs with
# apt-get when run as root.
set -euo pipefail

missing=()
has_library() { { ldconfig -p 2>/dev/null || /sbin/ldconfig -p; } | grep -q "$1"; }

if ! command -v python3.11 >/dev/null 2>&1; then
  missing+=(python3.11 python3.11-venv)
fi
if ! has_library "libpango-1.0.so.0" || ! has_library "libpangoft2-1.0.so.0"; then
  missing+=(libpango-1.0-0 libpangoft2-1.0-0)
fi
if ! fc-list 2>/dev/null | grep -qi "dejavu\|liberation"; then
  missing+=(fontconfig fonts-dejavu-core)
fi
if [ "${1:-}" != "--runtime" ]; then
  if ! command -v pg_ctl >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
    missing+=(postgresql)
  fi
  if [ ! -x /usr/bin/chromium ]; then
    missing+=(chromium)
  fi
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing system packages: ${missing[*]}. Install them (sudo apt-get install ${missing[*]}) and run again." >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
