#!/usr/bin/env bash
# Debian packages beside Python. The service itself needs Pango and a font
# (WeasyPrint draws letters and plans with them): `make run` checks those only
# (--runtime). The tests also need PostgreSQL's server binaries (the suite starts
# its own throwaway server on loopback), Chromium (browser tests drive it with
# Playwright) and Redis (the two-API-server test). Idempotent and quick when everything is there; installs with
# apt-get when run as root, unless --check (report only, exit 1 if anything is
# missing).
set -euo pipefail

runtime_only=false
check_only=false
for argument in "$@"; do
  case "$argument" in
    --runtime) runtime_only=true ;;
    --check) check_only=true ;;
    *) echo "usage: $0 [--runtime] [--check]" >&2; exit 2 ;;
  esac
done

# Read each listing once into a variable and match in bash. Piping `ldconfig -p`
# into `grep -q` under pipefail failed at random (grep exits at its first match,
# ldconfig dies of SIGPIPE, and the pipeline reports that), so an installed library
# was reported missing about one time in sixteen.
libraries="$( (ldconfig -p || /sbin/ldconfig -p) 2>/dev/null || true)"
fonts="$(fc-list 2>/dev/null || true)"
has_library() { [[ "$libraries" == *"$1"* ]]; }
has_font() { [[ "${fonts,,}" == *dejavu* || "${fonts,,}" == *liberation* ]]; }

missing=()
if ! command -v python3.11 >/dev/null 2>&1; then
  missing+=(python3.11 python3.11-venv)
fi
if ! has_library "libpango-1.0.so.0" || ! has_library "libpangoft2-1.0.so.0"; then
  missing+=(libpango-1.0-0 libpangoft2-1.0-0)
fi
if ! has_font; then
  missing+=(fontconfig fonts-dejavu-core)
fi
if [ "$runtime_only" = false ]; then
  if ! command -v pg_ctl >/dev/null 2>&1 && ! compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null; then
    missing+=(postgresql)
  fi
  if [ ! -x /usr/bin/chromium ]; then
    missing+=(chromium)
  fi
  # The production profile's two-API-server test puts Prefect's messaging on Redis.
  if ! command -v redis-server >/dev/null 2>&1; then
    missing+=(redis-server)
  fi
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$check_only" = true ] || [ "$(id -u)" -ne 0 ]; then
  echo "Missing system packages: ${missing[*]}. Install them (sudo apt-get install ${missing[*]}) and run again." >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
