#!/usr/bin/env bash
# Install the Debian packages a target needs, only when they are missing.
#   scripts/ensure-system-packages.sh run    -> graphviz, WeasyPrint's Pango libraries, fonts
#   scripts/ensure-system-packages.sh test   -> the above + redis-server, postgresql, chromium, poppler-utils, npm
set -euo pipefail
target="${1:-run}"
need=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

have_cmd dot || need+=(graphviz)
have_pkg libpango-1.0-0 || need+=(libpango-1.0-0)
have_pkg libpangoft2-1.0-0 || need+=(libpangoft2-1.0-0)
have_pkg fonts-dejavu-core || need+=(fonts-dejavu-core)
if [ "$target" = "test" ] || [ "$target" = "bench" ]; then
  have_cmd redis-server || need+=(redis-server)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  [ -x /usr/bin/chromium ] || need+=(chromium)
  have_cmd pdftoppm || need+=(poppler-utils)
  have_cmd npm || need+=(npm)  # installs the editor's ESLint (make node-tools)
fi
if [ "${#need[@]}" -gt 0 ]; then
  echo "Installing system packages: ${need[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
