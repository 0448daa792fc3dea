#!/usr/bin/env bash
# Makes sure Debian's `prometheus` package (prometheus and promtool) is installed; prints the bin dir.
#
#   ensure.sh            install when missing (as root), then print the directory of both binaries
#   ensure.sh --check    exit 0 when installed, 3 when not (installs nothing)
#
# The package's own service is never started: while installing, a temporary policy-rc.d (Debian's
# mechanism for it) refuses every service start, and the tests and `make run` start the binary
# themselves with a configuration and data directory of their own, on a port of their own.
set -euo pipefail

installed() { command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; }

if [[ ${1:-} == --check ]]; then
    installed && exit 0 || exit 3
fi

if ! installed; then
    if [[ $EUID -ne 0 ]]; then
        echo "ensure.sh: Prometheus is not installed; as root run:" \
            "apt-get update && apt-get install -y prometheus" >&2
        exit 2
    fi
    echo "ensure.sh: installing Debian's prometheus package (its service is not started)" >&2
    policy=/usr/sbin/policy-rc.d
    own_policy=0
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod 755 "$policy"
        own_policy=1
    fi
    trap '[[ $own_policy == 1 ]] && rm -f "$policy"' EXIT
    apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends prometheus >&2
    installed || { echo "ensure.sh: prometheus or promtool missing after installing" >&2; exit 1; }
fi
dirname "$(command -v promtool)"
