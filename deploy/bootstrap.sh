#!/usr/bin/env bash
# Set up this checkout on a Debian 12 / Raspberry Pi OS bookworm machine and
# run the product's demo or its whole test suite.
#
#   deploy/bootstrap.sh demo [demo options...]   set up, then: smartlib demo
#   deploy/bootstrap.sh test [pytest options...] set up, then: ruff, mypy,
#                                                import-linter, pytest
#
# As root it installs the Debian packages it needs with apt; as another user
# it names the missing ones and stops. Python packages go into ./.venv.
set -euo pipefail

cd "$(dirname "$0")/.."
mode=${1:-}
[ $# -gt 0 ] && shift
case "$mode" in
  demo|test) ;;
  *) echo "usage: $0 demo|test [options...]" >&2; exit 2 ;;
esac

# Debian packages, by purpose. Keep docs/install.md in step.
deb_python=(python3 python3-venv python3-dev gcc pkg-config)
deb_pcsc=(pcscd libpcsclite-dev swig)          # pyscard builds from source
deb_test=(
  socat                                        # pty pairs for serial emulators
  mosquitto                                    # the real MQTT broker
  pcscd vsmartcard-vpcd                        # PC/SC with a virtual reader
  postgresql                                   # the relay's production database
  xvfb xauth libgl1 libegl1 libgl1-mesa-dri libmtdev1  # Kivy in a real window
  openssl                                      # test certificates for TLS
  libusb-1.0-0                                 # nfcpy
  sqlite3                                      # smartlib-backup (deploy/backup) and its tests
  fonts-dejavu-core                            # receipts in image mode (Vietnamese glyphs)
  systemd                                      # systemd-analyze verify of the units
)
deb_demo=(
  xvfb xauth libgl1 libegl1 libgl1-mesa-dri libmtdev1  # the kiosk window (private Xvfb headless)
  libusb-1.0-0                                 # nfcpy, which reads the demo's library cards
  fonts-dejavu-core                            # receipts in image mode (Vietnamese glyphs)
)

wanted=("${deb_python[@]}" "${deb_pcsc[@]}")
if [ "$mode" = test ]; then wanted+=("${deb_test[@]}"); else wanted+=("${deb_demo[@]}"); fi

missing=()
for pkg in $(printf '%s\n' "${wanted[@]}" | sort -u); do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "bootstrap: installing Debian packages: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "bootstrap: these Debian packages are missing: ${missing[*]}" >&2
    echo "bootstrap: install them with: sudo apt-get install ${missing[*]}" >&2
    echo "bootstrap: (or run this command as root, which installs them)" >&2
    exit 1
  fi
fi

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "bootstrap: $python is older than Python 3.11" >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
stamp=.venv/.smartlib-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "bootstrap: installing smartlib-edge and its extras into .venv" >&2
  .venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v '^WARNING: Location' >&2 || true
  .venv/bin/python -m pip install -q -e ".[all,dev]" 2>&1 | grep -v '^WARNING: Location' >&2 || true
  .venv/bin/python -c 'import importlib.util as u, sys; sys.exit(any(u.find_spec(m) is None for m in "edge kivy smartcard nfc cv2 zxingcpp gpiozero escpos psycopg".split()))' \
    || { echo "bootstrap: the Python install failed (see above)" >&2; exit 1; }
  touch "$stamp"
fi
export PATH="$PWD/.venv/bin:$PATH:/usr/sbin:/sbin"

if [ "$mode" = demo ]; then
  exec smartlib demo "$@"
fi

echo "bootstrap: ruff" >&2
ruff check .
echo "bootstrap: mypy" >&2
mypy
echo "bootstrap: import-linter" >&2
lint-imports
echo "bootstrap: pytest" >&2
exec python -m pytest -n "${SMARTLIB_TEST_WORKERS:-2}" "$@"
