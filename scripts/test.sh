#!/usr/bin/env bash
# Runs every test of the workspace. Installs the test peers (nc, socat, ncat, python3, tshark, Xvfb,
# AT-SPI, xwd, desktop-file-validate, man) first when they are missing and we are root, as on a fresh
# Debian machine or in CI.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v nc >/dev/null || need+=(netcat-openbsd)
command -v socat >/dev/null || need+=(socat)
command -v ncat >/dev/null || need+=(ncat)
command -v python3 >/dev/null || need+=(python3)
command -v script >/dev/null || need+=(bsdutils)
command -v ss >/dev/null || need+=(iproute2)
# scripts/bench-bulk.sh (smoke-tested) reads each end's CPU time with GNU time.
[ -x /usr/bin/time ] || need+=(time)
# Reads the .pcap files of --pcap back (Wireshark's command line).
command -v tshark >/dev/null || need+=(tshark)
# TLS peers: openssl s_client and s_server (ncat --ssl is above).
command -v openssl >/dev/null || need+=(openssl)
# The packaging tests: the launchers are checked with desktop-file-validate, the man page
# rendered with man -l.
command -v desktop-file-validate >/dev/null || need+=(desktop-file-utils)
command -v man >/dev/null || need+=(man-db)
# The real-window benchmark's smoke test runs the windows under Xvfb.
command -v Xvfb >/dev/null || need+=(xvfb)
# ... and resizes them to a full-HD window as a window manager would.
command -v xdotool >/dev/null || need+=(xdotool)
# The windows read over AT-SPI as a screen reader does (tests/atspi/windows.py).
command -v dbus-run-session >/dev/null || need+=(dbus)
command -v gdbus >/dev/null || need+=(libglib2.0-bin)
[ -x /usr/libexec/at-spi-bus-launcher ] || need+=(at-spi2-core)
/usr/bin/python3 -c 'import pyatspi' 2>/dev/null || need+=(python3-pyatspi)
# ... and reads the screen back to check the windows were painted.
command -v xwd >/dev/null || need+=(x11-apps)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "installing test peers: ${need[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    else
        echo "missing test peers: ${need[*]} (run as root, or: sudo apt-get install -y ${need[*]})" >&2
        exit 1
    fi
fi

cargo test --workspace --locked "$@"
