#!/usr/bin/env bash
# Times sockscope against its peers on one capture (wall time and peak memory).
# Usage: bench/compare.sh FILE   (cargo bench writes target/bench-big.pcap)
set -euo pipefail
f=${1:?capture file}
bin=$(dirname "$0")/../target/release/sockscope
cargo build --release --quiet
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
t() { /usr/bin/time -f "%e s  %M KB  $1" "${@:2}" >/dev/null 2>>"$tmp/times" || true; }
t "sockscope report --json" "$bin" report --json "$f"
t "sockscope report (text)" "$bin" report "$f"
t "sockscope report --streams" "$bin" report --json --streams "$tmp/s" "$f"
command -v tcpflow >/dev/null && t "tcpflow -r" tcpflow -r "$f" -o "$tmp/t"
command -v tshark >/dev/null && t "tshark -q -z conv,tcp" tshark -n -r "$f" -q -z conv,tcp
grep ' KB ' "$tmp/times"
