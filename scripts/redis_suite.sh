#!/usr/bin/env bash
# Runs units of Redis's own Tcl test suite with ember standing in for
# redis-server: the suite starts `src/redis-server` with its own configs, so
# a symlink to ember-server makes every `start_server` an ember. The suite
# comes from Debian's `redis` source package (the same 7.0 as the oracle),
# fetched once into target/redis-suite.
#
#   scripts/redis_suite.sh unit/type/list unit/expire     # some units
#   scripts/redis_suite.sh                                # every unit
#   EMBER_BIN=/path/ember-server scripts/redis_suite.sh ...
#   EMBER_SUITE_BASEPORT=23000 (own port range for parallel runs)
#   EMBER_SUITE_ARGS='--ignore-encoding' (more runtest options, every unit)
#
# Needs tclsh and redis-tools (redis-cli, redis-benchmark). Prints one
# summary line per unit and the failing tests; logs stay in
# target/redis-suite/logs. Exit status: 0 every unit ran clean, 1 some
# test failed, 2 set-up failed (no source, no binary), 3 skipped (no tclsh
# or redis-cli). tests/redis_suite.rs runs the units listed in
# tests/redis_suite_units.txt this way as part of `cargo test`.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${EMBER_REDIS_SUITE_DIR:-$root/target/redis-suite}
bin=${EMBER_BIN:-$root/target/release/ember-server}
clients=${EMBER_SUITE_CLIENTS:-2}
# Runs side by side need their own port ranges: EMBER_SUITE_BASEPORT=23000...
baseport=${EMBER_SUITE_BASEPORT:-21111}

fetch() {
    mkdir -p "$cache/pkg"
    if ! ls "$cache"/pkg/redis_*.orig.tar.gz >/dev/null 2>&1; then
        if ! grep -rqs "^Types: deb-src\|^deb-src " /etc/apt/sources.list /etc/apt/sources.list.d/; then
            echo "redis_suite: no deb-src source configured; add one, e.g.:" >&2
            echo "  printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' > /etc/apt/sources.list.d/debsrc.sources && apt-get update" >&2
            return 1
        fi
        (cd "$cache/pkg" && apt-get source --download-only redis >/dev/null 2>&1) || return 1
    fi
    if [ ! -d "$cache/redis" ]; then
        rm -rf "$cache/unpack" && mkdir -p "$cache/unpack"
        tar xzf "$cache"/pkg/redis_*.orig.tar.gz -C "$cache/unpack" || return 1
        mv "$cache"/unpack/redis-* "$cache/redis" && rmdir "$cache/unpack"
    fi
}

if ! command -v tclsh >/dev/null || ! command -v redis-cli >/dev/null; then
    echo "redis_suite: SKIPPED (needs tclsh and redis-cli)"
    exit 3
fi
fetch || { echo "redis_suite: could not fetch Debian's redis source" >&2; exit 2; }
[ -x "$bin" ] || { echo "redis_suite: no server binary at $bin (cargo build --release)" >&2; exit 2; }

suite=$cache/redis
mkdir -p "$suite/src" "$cache/logs"
for b in redis-cli redis-benchmark redis-check-aof redis-check-rdb; do
    p=$(command -v $b) && ln -sf "$p" "$suite/src/$b"
done
ln -sf "$bin" "$suite/src/redis-server"

if [ $# -eq 0 ]; then
    set -- $(sed -n '/set ::all_tests/,/^}/p' "$suite/tests/test_helper.tcl" |
        grep -o '\(unit\|integration\)/[a-z0-9/_-]*')
fi

status=0
for u in "$@"; do
    log=$cache/logs/$(echo "$u" | tr / _).log
    (cd "$suite" && timeout 1200 ./runtest --single "$u" --clients "$clients" \
        --timeout 600 --baseport "$baseport" --portcount 900 ${EMBER_SUITE_ARGS:-} >"$log" 2>&1)
    rc=$?
    plain=$(sed 's/\x1b\[[0-9;]*m//g' "$log")
    ok=$(grep -c '^\[ok\]' <<<"$plain")
    err=$(grep -c '^\[err\]' <<<"$plain")
    exc=$(grep -c '^\[exception\]' <<<"$plain")
    echo "$u: ok=$ok err=$err exception=$exc rc=$rc"
    grep '^\[err\]\|^\[exception\]' <<<"$plain" | sed 's/^/    /'
    [ "$rc" -eq 0 ] || status=1
done
exit $status
