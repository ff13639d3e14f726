#!/usr/bin/env bash
# Times sockscope against its peers on one capture, side by side in one run:
# several rounds each, the median wall time, peak memory (RSS, from
# /usr/bin/time -v), and each command's ratio to `sockscope report --json`.
# Prints a Markdown table for BENCHMARKS.md.
#
# Usage: bench/compare.sh [FILE] [ROUNDS]
#   FILE    a capture; without one, a 1 GiB capture is generated
#           (`sockscope generate`, seed 1) into target/bench-1g.pcap
#   ROUNDS  rounds per command (default 5)
# Missing peers (tshark, tcpflow, GNU time) are installed with apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${2:-5}

need=()
command -v tshark >/dev/null 2>&1 || need+=(tshark)
command -v tcpflow >/dev/null 2>&1 || need+=(tcpflow)
[ -x /usr/bin/time ] || need+=(time)
command -v tcpdump >/dev/null 2>&1 || need+=(tcpdump)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

cargo build --release --quiet
bin=target/release/sockscope
f=${1:-}
if [ -z "$f" ]; then
  f=target/bench-1g.pcap
  [ -s "$f" ] || "$bin" generate "$f" --size 1G 2>target/bench-1g.totals.json
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# The page cache warm, as for every command after it.
cat "$f" >/dev/null

# run NAME CMD...: ROUNDS runs; records "NAME<TAB>median s<TAB>max RSS KB".
run() {
  local name=$1; shift
  local times=() rss=0
  for _ in $(seq "$rounds"); do
    rm -rf "$tmp/out"; mkdir -p "$tmp/out"
    /usr/bin/time -v -o "$tmp/time" "$@" >/dev/null 2>"$tmp/err" || true
    local wall kb
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$tmp/time" |
      awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
    kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/time")
    times+=("$wall")
    [ "$kb" -gt "$rss" ] && rss=$kb
  done
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  printf '%s\t%s\t%s\n' "$name" "$median" "$rss" >>"$tmp/results"
}

run "sockscope report --json" "$bin" report --json "$f"
run "sockscope report (text)" "$bin" report "$f"
run "tshark SMTP dissection (-Y smtp -T fields)" tshark -n -r "$f" -Y smtp \
  -T fields -e frame.number -e smtp.req.command -e smtp.req.parameter -e smtp.response.code
run "tshark -q -z conv,tcp" tshark -n -r "$f" -q -z conv,tcp
run "tcpflow -r" tcpflow -r "$f" -o "$tmp/out"
run "tcpdump -nr" tcpdump -nr "$f"
run "cat FILE > /dev/null" cat "$f"

size=$(stat -c %s "$f")
echo "capture: $f, $size bytes; $rounds rounds each; $(nproc) cores; $(date -u +%F)"
echo
echo "| command | median time | peak memory | time / sockscope report --json |"
echo "| --- | ---: | ---: | ---: |"
base=$(awk -F'\t' 'NR == 1 { print $2 }' "$tmp/results")
awk -F'\t' -v base="$base" '{
  printf "| `%s` | %.2f s | %.0f MB | %.2f× |\n", $1, $2, $3 / 1024, (base > 0 ? $2 / base : 0)
}' "$tmp/results"
