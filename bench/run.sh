#!/usr/bin/env bash
# Throughput and latency of tokenfare against nginx serving the identical bytes from disk,
# on the 400-model catalogue, in the same run on the same machine.
#
#   bash bench/run.sh [seconds-per-url] [connections] [all|calculator|nginx]
#
# `calculator` measures only the calculator section (cached against unique URLs), skipping
# the nginx comparison and the flood; `nginx` only the comparison with nginx.
# Needs wrk and nginx (Debian packages; installed here if missing) and ../shared/data.
# With TOKENFARE_BIN=PATH, that binary is measured instead of this checkout's release build
# (a saved build of an earlier commit, for a before/after against nginx on the same day).
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
connections=${2:-64}
only=${3:-all}
data=../shared/data/openrouter/models-2026-08-08.json
for tool in wrk nginx; do
  command -v "$tool" >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx >/dev/null; }
done
if [ -n "${TOKENFARE_BIN:-}" ]; then
  bin=$TOKENFARE_BIN
else
  cargo build --release --quiet
  bin=$PWD/target/release/tokenfare
fi
work=$(mktemp -d)
chmod 755 "$work" # nginx workers run as an unprivileged user and must read the saved pages
cleanup() { [ -n "${server:-}" ] && kill "$server" 2>/dev/null; [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

start=$(date +%s%N)
"$bin" --database "$work/bench.db" ingest --file "$data" >/dev/null
ingest_ms=$(( ($(date +%s%N) - start) / 1000000 ))
# The official lists too, so `sellers=all` prices the makers and clouds as the site does.
"$bin" --database "$work/bench.db" import-history --source official ../shared/data/official/daily >/dev/null

port=3390
"$bin" --database "$work/bench.db" serve --addr 127.0.0.1:$port --refresh-every off 2>"$work/serve.log" &
server=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

urls=(
  "/models"
  "/models/anthropic/claude-opus-4.8"
  "/ranking"
  "/calculator?requests=100000&input_tokens=3000&output_tokens=800&cache_hit=50&batch=20"
)
mkdir -p "$work/html/br"
cat > "$work/nginx.conf" <<CONF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  default_type text/html;
  server {
    listen 127.0.0.1:$((port + 1));
    root $work/html;
    # The brotli bytes tokenfare sent, served as they are.
    location /br/ { add_header Content-Encoding br; }
  }
}
CONF
i=0
for url in "${urls[@]}"; do
  curl -sf "http://127.0.0.1:$port$url" -o "$work/html/page$i.html" || echo "warning: $url did not answer 200" >&2
  curl -sf -H "Accept-Encoding: br" "http://127.0.0.1:$port$url" -o "$work/html/br/page$i.html" || true
  i=$((i + 1))
done
chmod -R a+rX "$work/html"
nginx -c "$work/nginx.conf"
sleep 0.3
curl -sf "http://127.0.0.1:$((port + 1))/page0.html" -o /dev/null || { echo "nginx cannot serve the saved pages" >&2; exit 1; }

# CPU time (user + system, in clock ticks) the given processes have used so far.
ticks() { for pid in "$@"; do cat "/proc/$pid/stat"; done | awk '{sum += $14 + $15} END {print sum}'; }
per_second=$(getconf CLK_TCK)
# CPU time per request is steadier than throughput when other work shares the cores: it is
# what each request costs its server, whoever else is running.
measure() { # url header pid... -> "rps p50 p99 cpu-µs-per-request errors"
  local url=$1 header=$2 before after
  shift 2
  before=$(ticks "$@")
  wrk -t2 -c"$connections" -d"${duration}s" --latency ${header:+-H "$header"} "$url" > "$work/wrk.txt" 2>&1
  after=$(ticks "$@")
  local rps p50 p99 errors requests cpu
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
  p50=$(awk '$1 == "50%" {print $2}' "$work/wrk.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
  requests=$(awk '/requests in/ {print $1}' "$work/wrk.txt")
  cpu=$(python3 -c "print(f'{($after - $before) / $per_second * 1e6 / $requests:.1f}')")
  errors=$(awk '/Non-2xx|Socket errors/ {print}' "$work/wrk.txt" | tr '\n' ' ')
  echo "$rps $p50 $p99 $cpu ${errors:-none}"
}
nginx_pids=("$(cat "$work/nginx.pid")" $(pgrep -P "$(cat "$work/nginx.pid")"))

[ "$only" != calculator ] && echo "| page | encoding | bytes | tokenfare req/s | p50 | p99 | CPU/req | nginx req/s | p50 | p99 | CPU/req | ratio | CPU ratio | tokenfare errors |"
[ "$only" != calculator ] && echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
i=0
[ "$only" != calculator ] && for url in "${urls[@]}"; do
  for mode in br identity; do
    if [ "$mode" = br ]; then file="br/page$i.html"; header="Accept-Encoding: br"; else file="page$i.html"; header=""; fi
    [ -s "$work/html/$file" ] || continue
    bytes=$(stat -c %s "$work/html/$file")
    read -r t_rps t_p50 t_p99 t_cpu t_err < <(measure "http://127.0.0.1:$port$url" "$header" "$server")
    read -r n_rps n_p50 n_p99 n_cpu n_err < <(measure "http://127.0.0.1:$((port + 1))/$file" "" "${nginx_pids[@]}")
    [ "$n_err" = none ] || { echo "nginx failed on $file: $n_err" >&2; exit 1; }
    ratio=$(python3 -c "print(f'{$t_rps / $n_rps:.2f}')")
    cpu_ratio=$(python3 -c "print(f'{$n_cpu / $t_cpu:.2f}')")
    echo "| \`${url%%\?*}\` | $mode | $bytes | $t_rps | $t_p50 | $t_p99 | ${t_cpu} µs | $n_rps | $n_p50 | $n_p99 | ${n_cpu} µs | $ratio | $cpu_ratio | $t_err |"
  done
  i=$((i + 1))
done
if [ "$only" = nginx ]; then
  echo "machine: $(nproc) cores; wrk -t2 -c$connections -d${duration}s; nginx worker_processes 2; load average $(cut -d' ' -f1-3 /proc/loadavg)"
  exit 0
fi
# Unseen workloads: every request a calculator URL no cache has seen (bench/unique-calculator.lua),
# beside the cached calculator page in the same run, both at 8 connections with brotli.
unique_connections=8
calc_url="http://127.0.0.1:$port${urls[3]}"
measure_unique() { # [script] [extra query] -> "rps p50 p99 errors"
  UNIQUE_EXTRA="${2:-}" wrk -t2 -c"$unique_connections" -d"${duration}s" --latency -H "Accept-Encoding: br" ${1:+-s "$1"} "$calc_url" > "$work/wrk.txt" 2>&1
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
  p50=$(awk '$1 == "50%" {print $2}' "$work/wrk.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
  errors=$(awk '/Non-2xx|Socket errors/ {print}' "$work/wrk.txt" | tr '\n' ' ')
  echo "$rps $p50 $p99 ${errors:-none}"
}
read -r c_rps c_p50 c_p99 c_err < <(measure_unique "")
read -r u_rps u_p50 u_p99 u_err < <(measure_unique "bench/unique-calculator.lua")
read -r a_rps a_p50 a_p99 a_err < <(measure_unique "bench/unique-calculator.lua" "&sellers=all")
share=$(python3 -c "print(f'1/{$c_rps / $u_rps:.1f}')")
share_all=$(python3 -c "print(f'1/{$c_rps / $a_rps:.1f}')")
default_bytes=$(curl -sf "http://127.0.0.1:$port/calculator" | wc -c)
workload_bytes=$(curl -sf "$calc_url" | wc -c)
kb() { python3 -c "print(f'{$1 / 1000:.1f}')"; }
echo
echo "| calculator, $unique_connections connections, br | req/s | p50 | p99 | errors |"
echo "| --- | ---: | ---: | ---: | --- |"
echo "| cached (the same URL) | $c_rps | $c_p50 | $c_p99 | $c_err |"
echo "| unique URLs (bench/unique-calculator.lua) | $u_rps | $u_p50 | $u_p99 | $u_err |"
echo "| unique URLs, every seller (sellers=all) | $a_rps | $a_p50 | $a_p99 | $a_err |"
echo
echo "unique / cached throughput: $share; with sellers=all: $share_all (goal: at least 1/15, unique p99 under 25 ms)"
echo "default /calculator page: $default_bytes bytes of HTML ($(kb "$default_bytes") KB; goal: at most 120 KB); with the workload above: $workload_bytes bytes ($(kb "$workload_bytes") KB)"
if [ "$only" = calculator ]; then
  echo "machine: $(nproc) cores; wrk -t2 -c$unique_connections -d${duration}s"
  exit 0
fi

# A cached page probed on one connection, alone and then during a 256-connection, 20 s flood
# of unique (never cached) calculator and search URLs (bench/flood.lua). The probe
# (bench/probe.py) times every request itself: wrk's one-connection histogram does not add up
# on this box (see probe.py).
probe_url="http://127.0.0.1:$port/models"
probe() { python3 bench/probe.py "$probe_url" "$1" "Accept-Encoding: br" | sed 's/^probe: //'; }
pct() { awk -v p="$1" '$1 == p {print $2}' "$2"; }
alone=$(probe 10)
wrk -t2 -c256 -d20s --latency -s bench/flood.lua "http://127.0.0.1:$port" > "$work/flood.txt" 2>&1 &
flood=$!
sleep 2
during=$(probe 15)
wait "$flood"
flood_total=$(awk '/requests in/ {print $1}' "$work/flood.txt")
flood_statuses=$(grep '^flood statuses' "$work/flood.txt" | sed 's/^flood statuses: //')
flood_errors=$(awk '/Socket errors/ {print}' "$work/flood.txt" | tr '\n' ' ')
echo
echo "| probe of cached \`/models\` (br, 1 connection, bench/probe.py) | result |"
echo "| --- | --- |"
echo "| alone, 10 s | $alone |"
echo "| during the flood, 15 s | $during |"
echo
echo "flood (wrk -t2 -c256 -d20s -s bench/flood.lua): ${flood_total:-?} responses ($flood_statuses), wrk's flood p50 $(pct 50% "$work/flood.txt"), p99 $(pct 99% "$work/flood.txt"); socket errors: ${flood_errors:-none}"
rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
echo
echo "ingest of the 400-model file (process start to exit, release): ${ingest_ms} ms"
echo "serve peak RSS after the run: $((rss_kb / 1024)) MiB"
echo "machine: $(nproc) cores; wrk -t2 -c$connections -d${duration}s; nginx worker_processes 2"
