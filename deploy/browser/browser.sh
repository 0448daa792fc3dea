#!/usr/bin/env bash
# What the tracking page's browser tests need, from Debian's and npm's registries:
#
#   browser.sh chromium    print the path of Debian's chromium; installs the package (apt-get, as root)
#                          when it is missing
#   browser.sh axe         print the path of axe-core's axe.min.js (pinned version, checked against its
#                          pinned sha512) in ~/.cache/acikkapi/; fetched with `npm pack` when missing
#
# Both are idempotent and print only the path on stdout (progress goes to stderr). Exit status 3: Chromium
# is missing and cannot be installed (not root).
set -euo pipefail

AXE_VERSION=4.14.1
AXE_INTEGRITY="sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
CACHE=${ACIKKAPI_CACHE_DIR:-$HOME/.cache/acikkapi}

die() {
    echo "browser.sh: $*" >&2
    exit 1
}

find_chromium() {
    local candidate
    for candidate in /usr/bin/chromium /usr/bin/chromium-browser; do
        [[ -x $candidate ]] && { echo "$candidate"; return 0; }
    done
    return 1
}

chromium() {
    if ! find_chromium >/dev/null; then
        if [[ $EUID -ne 0 ]]; then
            echo "browser.sh: Chromium is not installed; as root run:" \
                "apt-get update && apt-get install -y chromium" >&2
            exit 3
        fi
        echo "browser.sh: installing Debian's chromium package" >&2
        apt-get update -q >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core >&2
    fi
    find_chromium || die "chromium not found after installing"
}

axe() {
    local dir="$CACHE/axe-core-$AXE_VERSION"
    local script="$dir/axe.min.js"
    if [[ -f $script ]]; then
        echo "$script"
        return 0
    fi
    if ! command -v npm >/dev/null 2>&1; then
        [[ $EUID -eq 0 ]] || die "npm is required to fetch axe-core; as root run: apt-get install -y npm"
        echo "browser.sh: installing Debian's npm package" >&2
        apt-get update -q >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q npm >&2
    fi
    local work
    work=$(mktemp -d)
    trap 'rm -rf "$work"' RETURN
    echo "browser.sh: fetching axe-core $AXE_VERSION from the npm registry" >&2
    (cd "$work" && npm pack --silent "axe-core@$AXE_VERSION" >/dev/null)
    local tarball="$work/axe-core-$AXE_VERSION.tgz"
    [[ -f $tarball ]] || die "npm pack did not produce $tarball"
    local actual
    actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
    [[ $actual == "$AXE_INTEGRITY" ]] || die "axe-core $AXE_VERSION: checksum $actual, expected $AXE_INTEGRITY"
    tar -xzf "$tarball" -C "$work" package/axe.min.js
    mkdir -p "$dir"
    mv "$work/package/axe.min.js" "$script.partial"
    mv "$script.partial" "$script"
    echo "$script"
}

case ${1:-} in
    chromium) chromium ;;
    axe) axe ;;
    *) sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
