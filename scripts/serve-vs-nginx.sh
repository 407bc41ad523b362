#!/usr/bin/env bash
# Compares `jaio serve` (a static HTTP/1.1 file server) with nginx configured for static files, on
# the same file sets, the same wrk load and the same machine, one server at a time. `--help` tells
# every option; the short of it:
#
#   scripts/serve-vs-nginx.sh                       # 3 workloads x (nginx + 4 jaio backends), 15 s each
#   scripts/serve-vs-nginx.sh --quick               # small sets, 3 s runs: a smoke test
#   scripts/serve-vs-nginx.sh --quick --backends none --io none --jaio-cache none \
#     --jaio 'python3 -m http.server {port} --bind 127.0.0.1 --directory {dir}'   # any other server
#
# Workloads (each request asks for a path picked uniformly at random from the set's list, by a wrk Lua
# script, with a fixed seed per wrk thread so that every server gets the same path sequences):
#   warm-small   small/  --small-count files of 4 KiB, after warm-up runs that are not measured
#   warm-medium  medium/ --medium-count files of 100 KiB, after warm-up runs
#   cold         cold/   random sizes 64 KiB..1 MiB totalling --cold-size (default 4 GiB, 16x the jaio
#                server's --cache-size 256m); the kernel's page cache (and dentries, inodes) is
#                dropped with `sync; echo 3 > /proc/sys/vm/drop_caches` just before the run, after a
#                warm-up on coldwarm/ (--cold-warmup runs, each after its own drop of the caches), a
#                second set of cold/'s shape and size that the measured run never reads: a cold run
#                measures a cold page cache, not a cold JIT. The warm-up was on small/ before, which
#                never takes a server's open, miss, readahead and eviction paths: jaio --io=cached
#                then compiled them during the measured run (C2 used 0.4 of a core, 6.9-8.7 s of CPU
#                in a 20 s run, on this 2-core VM); on a smaller warm-up set (1 GiB) it still
#                compiled the open path (7,668 first opens in the measured run, 1,921 in warm-up).
# Warm-up: runs of --warmup seconds (--cold-warmup for cold), until one in which the server's JIT
# compiler threads (threads named "C1/C2 CompilerThre" or "JVMCI*": a JVM's) used less than
# --jit-quiet percent of a core, at most --warmup-runs runs, and for warm workloads at least
# --warmup-min seconds (60: one period of the open-file caches' checks). A server with no JIT (nginx)
# is warm after --warmup-min. Why: a JVM server runs profiled C1 code until C2 has compiled its hot path, and C2,
# sharing the cores with the server and wrk, took over 60 s of a 2-core run to get there (jaio at
# a5e1a5a); and the end of a run, when wrk closes its connections, takes branches the hot code had
# never taken, which makes C2 throw that code away and compile it again during the next run. The
# JIT's CPU seconds during the measured run are reported (jit_cpu_s): above 0 it was still compiling.
# So is where the server's threads spent the measured run (server_cpu, runq_pct, sleeps_s, from
# /proc/TID/schedstat): on cores shared with wrk, a server whose threads seldom block waits on the
# run queue while wrk runs, and that, not the server's own work, sets its tail at saturation.
# And TCP's retransmissions over the run (tcp_retrans_segs, tcp_rto, machine-wide): a retransmission
# timeout holds a response back 200 ms or more, so a tail of that size with none is not lost packets.
# Every server is started afresh for every workload (its caches, nginx's open_file_cache included,
# start empty), on a port of its own (--port, then +1, +2, ...), from the repository's root.
#
# nginx runs in the foreground from a private prefix and config in DIR/nginx (not the system service;
# /etc/nginx is read for nothing), with what nginx's docs advise for static files: worker_processes =
# --loops, sendfile on, tcp_nopush on, aio threads, directio 512k (--nginx-directio) with
# output_buffers 1 128k (the docs' aio example: files >= 512 KiB, i.e. only part of cold/, are read
# with O_DIRECT in the thread pool, from the disk at every request; smaller ones go through sendfile
# and the kernel's page cache), access_log off, keepalive_requests
# 1000000, and open_file_cache for the warm workloads (what an nginx user would turn on; off for cold,
# --nginx-open-file-cache). The config of every run is kept in the logs.
#
# A row is FAILED (it keeps wrk's numbers, for diagnosis, but gets no ratio and is in no mean) when: its server does not answer on its port within --start-timeout
# (its stderr's tail is shown), exits during the run, wrk fails or prints no summary, any socket
# error (connect, read, write, timeout) or non-2xx/3xx response occurs, the mean response is smaller
# than the set's smallest file, or a content check after the run (3 files of the set fetched with curl
# and compared byte for byte) fails.
#
# Output: a table on stdout (each row's req/s, MiB/s and p99 also over nginx's in the same round;
# --nginx-again adds a second nginx row: nginx's own spread), the CSV (--out), and beside it
# OUT-without-.csv.txt (machine, versions, the exact commands in order, nginx's configs, the wrk Lua
# script) and a .logs/ folder (every wrk output, every server's stdout/stderr, strace summaries).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CALLER_PWD="$PWD"
PROG="scripts/serve-vs-nginx.sh"

usage() {
  cat <<'EOF'
Usage: scripts/serve-vs-nginx.sh [OPTIONS]

Benchmarks `jaio serve` against nginx with wrk on three workloads, one server at a time on 127.0.0.1,
and prints a table (and writes a CSV) of req/s, MiB/s, latency percentiles, errors and the ratios of
each row's req/s, MiB/s and p99 to nginx's in the same workload and round (with --rounds, also
in how many rounds each row's p99 was at or below nginx's).

Servers
  --jaio 'CMD'            command template of the jaio server, run with `bash -c` from the
                          repository's root (default: './jaio serve {dir} --port {port} --loops {loops}').
                          Placeholders: {dir} (the work dir, served as /: /small/f000000 is
                          DIR/small/f000000), {port}, {loops}; and {backend}, {io}, {cache}: a
                          template that names one of these gets it substituted, otherwise the
                          option below is appended as a flag.
  --backends LIST         comma-separated; one jaio row per backend x io mode, each with
                          `--loop=BACKEND` appended (default: uring,aio-poll,epoll+aio,threads).
                          `none` appends nothing: one row for a template that takes no --loop
                          (another server, or the server's default loop). An entry may carry
                          more server flags after a space: 'uring,uring --receive' runs
                          --loop=uring and --loop=uring --receive side by side.
  --io LIST               comma-separated io modes, `--io=MODE` appended (default: cached); `none`:
                          nothing appended.
  --jaio-cache SIZE       `--cache-size=SIZE` appended to every jaio row (default: 256m, far below
                          the cold set); `none`: nothing appended.
  --loops N               jaio's --loops and nginx's worker_processes (default: nproc).
  --port P                first port; each server start takes the next free one (default: 18080).
  --start-timeout S       seconds a server has to answer on its port (default: 60; the first
                          ./jaio run may build the CLI first, done before any server starts).
  --nginx-open-file-cache WHEN   warm (default), all or none: workloads whose nginx config has
                          open_file_cache max=200000 inactive=60s, open_file_cache_valid 60s.
  --nginx-directio SIZE   nginx's directio (default: 512k, as nginx's docs show for aio; `off`:
                          every file through the page cache). Files at or above it are read with
                          O_DIRECT at every request: cold/'s large files never get warm in nginx.
  --nginx-again           a second nginx row in every workload and round, after the jaio rows
                          (before them in reversed rounds), compared with the first like a jaio
                          row (backend `again`): how far nginx's own req/s and p99 move between
                          two runs of one server, the spread that any other row's ratio sits in.

Load (wrk, closed loop: --connections keep-alive connections over --threads threads)
  --workloads LIST        comma-separated, of warm-small, warm-medium, cold (default: all three).
  --threads N             wrk threads (default: 2).
  --connections N         wrk connections (default: 64).
  --duration S            seconds of each measured run (default: 15).
  --rate R                offered load instead of the closed loop: each connection waits
                          round(C x 1000 / R) ms (wrk's delay(), whole ms) between a response and
                          its next request, so C connections offer at most about R req/s to every
                          server alike, and p99s compare at the same load rather than each at its own
                          saturation (default: 0, no wait: as fast as each server answers).
  --warmup S              seconds of each unmeasured warm-up run before a warm run (default: 10;
                          0: none).
  --cold-warmup S         seconds of each unmeasured warm-up run on coldwarm/ (files of cold/'s
                          shape that cold never reads; the caches dropped before each run) before
                          the caches are dropped for a cold run, to warm up a JIT on the paths a
                          cold run takes: first opens, misses, readahead, eviction (default: 8; 0
                          measures a cold JIT as well).
  --warmup-runs N         at most N warm-up runs (default: 6); the warm-up stops after a run in
                          which the server's JIT compiler threads used less than --jit-quiet.
  --warmup-min S          warm workloads warm up for at least S seconds (default: 60; more runs
                          than --warmup-runs if needed): one validity period of the servers'
                          open-file caches (nginx's open_file_cache_valid 60s, jaio serve's
                          --file-cache-valid 60), whose first checks of the files would otherwise
                          fall in the measured run (a JVM server compiles that path then).
  --jit-quiet PCT         percent of one core (default: 1). Compiler threads are the server's
                          threads named C1 CompilerThre, C2 CompilerThre or JVMCI*; a server
                          without them (nginx, any non-JVM server) stops after one run.
  --pin N                 the server (all its processes and threads) on CPUs 0..N-1 and wrk on
                          the others (taskset), so that they do not take each other's time slices
                          (default: 0, no pinning). With 2 CPUs: --pin 1 --loops 1 --threads 1.
  --timeout S             wrk's per-request timeout; a timed-out request is a socket error that
                          fails the row (default: 10).
  --rounds R              repeat everything R times, the server order reversed every other round;
                          ratios are taken within a round, and means over rounds printed (default: 1).
  --seed N                seed of the wrk path picks and of the cold set's sizes (default: 1).

File sets (in --dir; created once from /dev/urandom, reused while their manifest matches)
  --dir DIR               work dir (default: /tmp/jaio-serve-bench; with --quick
                          /tmp/jaio-serve-bench-quick).
  --small-count N         4 KiB files in small/ (default: 10000, 40 MiB).
  --medium-count N        100 KiB files in medium/ (default: 2000, 195 MiB: fits a 256m cache).
  --cold-size SIZE        total of cold/, e.g. 4g, 512m (default: 4g).
  --cold-warmup-size SIZE total of coldwarm/, the cold workload's warm-up set: sizes drawn as
                          cold/'s with seed --seed + 1000 (default: --cold-size, so that the
                          warm-up opens as many files as the measured run; keep it above
                          --jaio-cache x --loops, so that the servers' eviction runs in it).

strace
  --strace                after the measured run of --strace-workload, one more run of
                          --strace-duration seconds per server with `strace -c` attached (to jaio's
                          loop threads, or with -f to the whole server if it has none; to nginx's
                          workers with -f, their thread pool included); the syscall table is printed
                          and kept. Not counted in the results (strace slows a server down a lot).
  --strace-workload W     workload of the strace runs (default: warm-small).
  --strace-duration S     seconds (default: 3).
  --strace-threads REGEX  thread names (/proc/PID/task/TID/comm) of jaio's loop threads
                          (default: ^jaio-loop).

Output and the rest
  --out FILE              CSV (default: ./jaio-results/serve-vs-nginx.csv); FILE's base .txt and
                          .logs/ go beside it.
  --no-install            never apt-get install; report what is missing and exit 2.
  --quick                 smoke test: 200 small, 50 medium, cold 64m, 3 s runs, 1 s warmup, 2 s
                          strace runs, --dir /tmp/jaio-serve-bench-quick (options given override).
  -h, --help              this text.

A row is FAILED when its server does not come up (its stderr is shown), exits during the run, or
wrk saw a socket error (timeouts included), a non-2xx/3xx response, or responses smaller than the
set's smallest file, or when 3 files fetched after the run differ from the files; a FAILED row keeps
wrk's numbers for diagnosis but gets no ratio and is left out of the means.

Needs nginx (with --with-threads), wrk, curl, and strace for --strace; as root with apt-get, missing
ones are installed. The cold workload needs root (drop_caches). Exit status: 0 when every row is OK,
1 when a row FAILED, 2 for a usage or set-up error.
EOF
}

die() { echo "$PROG: $*" >&2; exit 2; }

# ---- options ---------------------------------------------------------------------------------------
QUICK=0
for a in "$@"; do
  case $a in
    -h|--help) usage; exit 0 ;;
    --quick) QUICK=1 ;;
  esac
done

NPROC="$(nproc)"
JAIO_TEMPLATE='./jaio serve {dir} --port {port} --loops {loops}'
BACKENDS="uring,aio-poll,epoll+aio,threads"
IO_MODES="cached"
JAIO_CACHE="256m"
LOOPS="$NPROC"
PORT_BASE=18080
START_TIMEOUT=60
NGINX_OFC="warm"
NGINX_DIRECTIO="512k"
WORKLOADS="warm-small,warm-medium,cold"
THREADS=2
CONNECTIONS=64
DURATION=15
WARMUP=10
WARMUP_RUNS=6
WARMUP_MIN=60
JIT_QUIET=1
RATE=0
PIN=0
COLD_WARMUP=8
TIMEOUT=10
ROUNDS=1
SEED=1
WORK="/tmp/jaio-serve-bench"
SMALL_COUNT=10000
MEDIUM_COUNT=2000
COLD_SIZE="4g"
COLDWARM_SIZE=""   # empty: --cold-size
STRACE=0
NGINX_AGAIN=0
STRACE_WORKLOAD="warm-small"
STRACE_DURATION=3
STRACE_THREADS='^jaio-loop'
OUT="./jaio-results/serve-vs-nginx.csv"
INSTALL=1
if (( QUICK )); then
  WORK="/tmp/jaio-serve-bench-quick"; SMALL_COUNT=200; MEDIUM_COUNT=50; COLD_SIZE="64m"
  DURATION=3; WARMUP=1; WARMUP_RUNS=2; WARMUP_MIN=0; STRACE_DURATION=2; COLD_WARMUP=1
fi

ORIG_ARGS=("$@")
while (( $# )); do
  arg=$1; shift
  opt=$arg; val=""; has_val=0
  if [[ $arg == --*=* ]]; then opt=${arg%%=*}; val=${arg#*=}; has_val=1; fi
  takes() {  # the option's value: after '=' or the next argument
    if (( has_val )); then return 0; fi
    (( $# )) || die "$opt needs a value (see --help)"
    val=$1; has_val=2
  }
  case $opt in
    -h|--help|--quick) ;;
    --strace) STRACE=1 ;;
    --nginx-again) NGINX_AGAIN=1 ;;
    --no-install) INSTALL=0 ;;
    --jaio|--backends|--io|--jaio-cache|--loops|--port|--start-timeout|--nginx-open-file-cache|--nginx-directio|\
    --workloads|--threads|--connections|--duration|--rate|--pin|--warmup|--cold-warmup|--warmup-runs|--warmup-min|--jit-quiet|\
    --timeout|--rounds|--seed|\
    --dir|--small-count|--medium-count|--cold-size|--cold-warmup-size|--strace-workload|--strace-duration|\
    --strace-threads|--out)
      takes "$@"
      if (( has_val == 2 )); then shift; fi
      case $opt in
        --jaio) JAIO_TEMPLATE=$val ;;
        --backends) BACKENDS=$val ;;
        --io) IO_MODES=$val ;;
        --jaio-cache) JAIO_CACHE=$val ;;
        --loops) LOOPS=$val ;;
        --port) PORT_BASE=$val ;;
        --start-timeout) START_TIMEOUT=$val ;;
        --nginx-open-file-cache) NGINX_OFC=$val ;;
        --nginx-directio) NGINX_DIRECTIO=$val ;;
        --workloads) WORKLOADS=$val ;;
        --threads) THREADS=$val ;;
        --connections) CONNECTIONS=$val ;;
        --duration) DURATION=${val%s} ;;
        --warmup) WARMUP=${val%s} ;;
        --cold-warmup) COLD_WARMUP=${val%s} ;;
        --warmup-runs) WARMUP_RUNS=$val ;;
        --warmup-min) WARMUP_MIN=${val%s} ;;
        --jit-quiet) JIT_QUIET=${val%\%} ;;
        --rate) RATE=$val ;;
        --pin) PIN=$val ;;
        --timeout) TIMEOUT=${val%s} ;;
        --rounds) ROUNDS=$val ;;
        --seed) SEED=$val ;;
        --dir) WORK=$val ;;
        --small-count) SMALL_COUNT=$val ;;
        --medium-count) MEDIUM_COUNT=$val ;;
        --cold-size) COLD_SIZE=$val ;;
        --cold-warmup-size) COLDWARM_SIZE=$val ;;
        --strace-workload) STRACE_WORKLOAD=$val ;;
        --strace-duration) STRACE_DURATION=${val%s} ;;
        --strace-threads) STRACE_THREADS=$val ;;
        --out) OUT=$val ;;
      esac ;;
    *) die "unknown option: $arg (see --help)" ;;
  esac
done

is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }
for pair in "loops:$LOOPS" "port:$PORT_BASE" "start-timeout:$START_TIMEOUT" "threads:$THREADS" \
            "connections:$CONNECTIONS" "duration:$DURATION" "warmup:$WARMUP" "cold-warmup:$COLD_WARMUP" \
            "warmup-runs:$WARMUP_RUNS" "warmup-min:$WARMUP_MIN" "jit-quiet:$JIT_QUIET" "pin:$PIN" \
            "timeout:$TIMEOUT" "rounds:$ROUNDS" "seed:$SEED" "small-count:$SMALL_COUNT" \
            "medium-count:$MEDIUM_COUNT" "strace-duration:$STRACE_DURATION" "rate:$RATE"; do
  is_uint "${pair#*:}" || die "--${pair%%:*} takes a whole number: ${pair#*:}"
done
SERVER_CPUS=""; WRK_CPUS=""
if (( PIN > 0 )); then
  (( PIN < NPROC )) || die "--pin $PIN leaves no CPU for wrk ($NPROC CPUs)"
  command -v taskset >/dev/null 2>&1 || die "--pin needs taskset (util-linux)"
  SERVER_CPUS="0-$((PIN - 1))"; WRK_CPUS="$PIN-$((NPROC - 1))"
fi
(( WARMUP_RUNS >= 1 )) || die "--warmup-runs must be at least 1 (--warmup 0: no warm-up)"
(( LOOPS >= 1 && THREADS >= 1 && DURATION >= 1 && ROUNDS >= 1 && SMALL_COUNT >= 1 && MEDIUM_COUNT >= 1 )) \
  || die "--loops, --threads, --duration, --rounds, --small-count and --medium-count must be at least 1"
(( CONNECTIONS >= THREADS )) || die "--connections ($CONNECTIONS) must be at least --threads ($THREADS)"
DELAY_MS=0
if (( RATE > 0 )); then
  DELAY_MS=$(( (CONNECTIONS * 1000 + RATE / 2) / RATE ))
  (( DELAY_MS >= 1 )) || die "--rate $RATE is more than $CONNECTIONS connections can offer with a 1 ms wait (at most $(( CONNECTIONS * 1000 )) req/s)"
fi
(( PORT_BASE >= 1024 && PORT_BASE <= 65000 )) || die "--port must be in 1024..65000"
case $NGINX_OFC in warm|all|none) ;; *) die "--nginx-open-file-cache: warm, all or none" ;; esac

# SIZE with an optional k/m/g suffix (powers of 1024) -> bytes.
to_bytes() {
  local s=${1,,}
  s=${s%ib}; s=${s%b}
  if [[ $s =~ ^([0-9]+)([kmg]?)$ ]]; then
    case ${BASH_REMATCH[2]} in
      k) echo $(( BASH_REMATCH[1] * 1024 )) ;;
      m) echo $(( BASH_REMATCH[1] * 1024 * 1024 )) ;;
      g) echo $(( BASH_REMATCH[1] * 1024 * 1024 * 1024 )) ;;
      *) echo "${BASH_REMATCH[1]}" ;;
    esac
  else
    return 1
  fi
}
COLD_BYTES="$(to_bytes "$COLD_SIZE")" || die "--cold-size: a size like 4g or 512m: $COLD_SIZE"
COLDWARM_SIZE="${COLDWARM_SIZE:-$COLD_SIZE}"
COLDWARM_BYTES="$(to_bytes "$COLDWARM_SIZE")" || die "--cold-warmup-size: a size like 1g or 512m: $COLDWARM_SIZE"
[[ $NGINX_DIRECTIO == off ]] || to_bytes "$NGINX_DIRECTIO" >/dev/null || die "--nginx-directio: a size like 512k, or off"

IFS=, read -r -a WL_LIST <<<"$WORKLOADS"
IFS=, read -r -a BE_LIST <<<"$BACKENDS"
IFS=, read -r -a IO_LIST <<<"$IO_MODES"
(( ${#WL_LIST[@]} )) || die "--workloads is empty"
(( ${#BE_LIST[@]} )) || die "--backends is empty (use none for one row without --loop)"
(( ${#IO_LIST[@]} )) || die "--io is empty (use none for no --io flag)"
NEED_COLD=0; NEED_SMALL=0; NEED_MEDIUM=0
for w in "${WL_LIST[@]}"; do
  case $w in
    warm-small) NEED_SMALL=1 ;;
    warm-medium) NEED_MEDIUM=1 ;;
    cold) NEED_COLD=1 ;;
    *) die "unknown workload: $w (warm-small, warm-medium, cold)" ;;
  esac
done
NEED_COLDWARM=0
(( COLD_WARMUP == 0 || NEED_COLD == 0 )) || NEED_COLDWARM=1
if (( STRACE )); then
  [[ ",$WORKLOADS," == *",$STRACE_WORKLOAD,"* ]] || die "--strace-workload $STRACE_WORKLOAD is not among --workloads"
fi
if (( NEED_COLD )) && ! [ -w /proc/sys/vm/drop_caches ]; then
  die "the cold workload drops the page cache (echo 3 > /proc/sys/vm/drop_caches), which needs root; run as root or leave cold out (--workloads warm-small,warm-medium)"
fi

# ---- tools -----------------------------------------------------------------------------------------
need_tools() {
  local missing=() pkgs=()
  command -v wrk >/dev/null 2>&1 || { missing+=(wrk); pkgs+=(wrk); }
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { missing+=(nginx); pkgs+=(nginx); }
  command -v curl >/dev/null 2>&1 || { missing+=(curl); pkgs+=(curl); }
  if (( STRACE )); then command -v strace >/dev/null 2>&1 || { missing+=(strace); pkgs+=(strace); }; fi
  (( ${#missing[@]} )) || return 0
  if (( INSTALL )) && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "$PROG: installing ${pkgs[*]} with apt-get" >&2
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >/dev/null 2>&1; then
      DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >/dev/null \
        || die "apt-get install ${pkgs[*]} failed"
    fi
    return 0
  fi
  die "missing: ${missing[*]}; install them (as root: apt-get install -y ${pkgs[*]}) and run again"
}
need_tools
PATH="$PATH:/usr/sbin:/sbin"
NGINX_BIN="$(command -v nginx)"
"$NGINX_BIN" -V 2>&1 | grep -q -- '--with-threads' || die "$NGINX_BIN was built without --with-threads: 'aio threads' needs it"

# ---- output files ----------------------------------------------------------------------------------
[[ $OUT == /* ]] || OUT="$CALLER_PWD/$OUT"
[[ $WORK == /* ]] || WORK="$CALLER_PWD/$WORK"
OUT_BASE="${OUT%.csv}"
TXT="$OUT_BASE.txt"
LOGS="$OUT_BASE.logs"
mkdir -p "$(dirname "$OUT")" "$WORK"
rm -rf "$LOGS"; mkdir -p "$LOGS"
ROWS="$LOGS/rows.tsv"; : >"$ROWS"
CMDS="$LOGS/commands.txt"; : >"$CMDS"
log_cmd() { printf '%s\n' "$*" >>"$CMDS"; }
q() {  # one word, shell-quoted: as is when it is plain, else in single quotes
  if [[ $1 =~ ^[A-Za-z0-9_./:=+,@%-]+$ ]]; then printf '%s' "$1"; else printf "'%s'" "${1//\'/\'\\\'\'}"; fi
}
log_cmd "# $(date -u +%FT%TZ) cd $(q "$CALLER_PWD") && $(q "$0")$(for a in "${ORIG_ARGS[@]}"; do printf ' %s' "$(q "$a")"; done)"

# ---- clean-up --------------------------------------------------------------------------------------
SERVER_PID=""   # process group leader of the server running now (setsid)
STRACE_PID=""
stop_server() {
  local pid=$SERVER_PID i
  [ -n "$pid" ] || return 0
  SERVER_PID=""
  kill -TERM -- "-$pid" 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  if [ -n "$STRACE_PID" ]; then kill -INT "$STRACE_PID" 2>/dev/null || true; wait "$STRACE_PID" 2>/dev/null || true; fi
  stop_server
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- file sets -------------------------------------------------------------------------------------
umask 022   # nginx's workers run as nobody and must read the files
free_bytes() { df -PB1 "$WORK" | awk 'NR==2 {print $4}'; }
set_listing() { (cd "$WORK/$1" && find . -type f -printf '%P %s\n' | LC_ALL=C sort); }
set_ok() {  # set header: the manifest's first line matches and the files have the listed sizes
  local name=$1 header=$2 man="$WORK/$1.manifest"
  [ -f "$man" ] && [ -d "$WORK/$name" ] && [ "$(head -n 1 "$man")" = "$header" ] || return 1
  diff -q <(tail -n +2 "$man") <(set_listing "$name") >/dev/null
}
write_list() {  # URL paths of a set, one a line, for the wrk script
  tail -n +2 "$WORK/$1.manifest" | awk -v d="$1" '{print "/" d "/" $1}' >"$WORK/$1.list"
}
make_fixed_set() {  # name count size: count files of size bytes, f000000...
  local name=$1 count=$2 size=$3 header
  header="set=$name count=$count size=$size"
  if set_ok "$name" "$header"; then echo "file set $name/: reused ($count x $size bytes)"; write_list "$name"; return; fi
  (( count * size + 64 * 1024 * 1024 < $(free_bytes) )) || die "not enough space in $WORK for $name/ ($((count * size)) bytes)"
  echo "file set $name/: creating $count files of $size bytes from /dev/urandom"
  rm -rf "${WORK:?}/$name" "$WORK/$name.manifest"
  mkdir -p "$WORK/$name"
  head -c $((count * size)) /dev/urandom | split -b "$size" -a 6 -d - "$WORK/$name/f"
  { echo "$header"; set_listing "$name"; } >"$WORK/$name.manifest.tmp"
  mv "$WORK/$name.manifest.tmp" "$WORK/$name.manifest"
  write_list "$name"
}
COLD_MIN=65536
COLD_MAX=1048576
# Random sizes in [64 KiB, 1 MiB] from bash's RANDOM seeded with SEED, up to TOTAL bytes, files
# PREFIX000000...: cold/ (seed --seed) and its warm-up twin coldwarm/ (seed --seed + 1000).
make_random_set() {  # name total seed prefix option
  local name=$1 total=$2 seed=$3 prefix=$4 option=$5 header sum=0 i=0 s
  header="set=$name total=$total min=$COLD_MIN max=$COLD_MAX seed=$seed"
  if set_ok "$name" "$header"; then echo "file set $name/: reused ($(( $(wc -l <"$WORK/$name.manifest") - 1 )) files, $total bytes at most)"; write_list "$name"; return; fi
  (( total + 256 * 1024 * 1024 < $(free_bytes) )) || die "not enough space in $WORK for $name/ ($total bytes; $option)"
  echo "file set $name/: creating $total bytes of files of 64 KiB..1 MiB from /dev/urandom (once; reused later)"
  rm -rf "${WORK:?}/$name" "$WORK/$name.manifest"
  mkdir -p "$WORK/$name"
  RANDOM=$seed
  while :; do
    s=$(( COLD_MIN + ((RANDOM << 15) | RANDOM) % (COLD_MAX - COLD_MIN + 1) ))
    (( sum + s <= total )) || break
    head -c "$s" /dev/urandom >"$WORK/$name/$(printf '%s%06d' "$prefix" "$i")"
    sum=$((sum + s)); i=$((i + 1))
    if (( i % 1000 == 0 )); then echo "  $i files, $((sum >> 20)) MiB"; fi
  done
  (( i > 0 )) || die "$option is smaller than one file of $name/ (1 MiB at most)"
  { echo "$header"; set_listing "$name"; } >"$WORK/$name.manifest.tmp"
  mv "$WORK/$name.manifest.tmp" "$WORK/$name.manifest"
  write_list "$name"
  echo "  $i files, $sum bytes"
}
(( NEED_SMALL )) && make_fixed_set small "$SMALL_COUNT" 4096
(( NEED_MEDIUM )) && make_fixed_set medium "$MEDIUM_COUNT" 102400
(( NEED_COLD )) && make_random_set cold "$COLD_BYTES" "$SEED" c "--cold-size $COLD_SIZE"
(( NEED_COLDWARM )) && make_random_set coldwarm "$COLDWARM_BYTES" "$((SEED + 1000))" w "--cold-warmup-size $COLDWARM_SIZE"
sync   # new files' dirty pages written: a drop of the caches then drops them all

min_size() { case $1 in warm-small) echo 4096 ;; warm-medium) echo 102400 ;; cold) echo $COLD_MIN ;; esac; }
set_of() { case $1 in warm-small) echo small ;; warm-medium) echo medium ;; cold) echo cold ;; esac; }

# ---- wrk script ------------------------------------------------------------------------------------
LUA="$LOGS/random-path.lua"
cat >"$LUA" <<'LUA'
-- serve-vs-nginx.sh: every request GETs a path picked uniformly at random from a list file.
-- wrk ... -s random-path.lua URL -- LIST SEED; done() prints one machine-readable line (times in us).
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
function init(args)
  local list, seed = args[1], tonumber(args[2] or "1")
  local wait = tonumber(args[3] or "0")
  if wait > 0 then
    function delay() return wait end -- ms between a response and the connection's next request
  end
  paths = {}
  for line in io.lines(list) do
    if #line > 0 then paths[#paths + 1] = line end
  end
  if #paths == 0 then error("no paths in " .. tostring(list)) end
  n = #paths
  math.randomseed(seed * 1000 + id)
end
function request()
  return wrk.format("GET", paths[math.random(n)])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("JAIO_WRK requests=%.0f bytes=%.0f duration_us=%.0f connect=%.0f read=%.0f write=%.0f status=%.0f timeout=%.0f p50=%.0f p90=%.0f p99=%.0f mean=%.1f max=%.0f\n",
    summary.requests, summary.bytes, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50.0), latency:percentile(90.0), latency:percentile(99.0), latency.mean, latency.max))
end
LUA

# wrk's text latency ("805.00us", "1.23ms", "2.00s", "1.50m", "1.00h") -> microseconds.
to_us() {
  awk -v t="$1" 'BEGIN {
    if (match(t, /^[0-9.]+/)) { v = substr(t, 1, RLENGTH); u = substr(t, RLENGTH + 1) } else exit 1
    f = (u == "us") ? 1 : (u == "ms") ? 1e3 : (u == "s") ? 1e6 : (u == "m") ? 6e7 : (u == "h") ? 3.6e9 : -1
    if (f < 0) exit 1
    printf "%.0f\n", v * f }'
}

run_wrk() {  # port list seconds output
  local cmd=(${WRK_CPUS:+taskset -c "$WRK_CPUS"} wrk -t "$THREADS" -c "$CONNECTIONS" -d "${3}s" --timeout "${TIMEOUT}s" --latency -s "$LUA"
             "http://127.0.0.1:$1/" -- "$2" "$SEED" "$DELAY_MS")
  log_cmd "$(for a in "${cmd[@]}"; do printf '%s ' "$(q "$a")"; done)> $(q "$4")"
  "${cmd[@]}" >"$4" 2>&1
}

drop_caches() {
  log_cmd "sync; echo 3 > /proc/sys/vm/drop_caches"
  sync
  echo 3 >/proc/sys/vm/drop_caches
}
pgpgin() { awk '$1 == "pgpgin" {print $2}' /proc/vmstat; }   # KiB read from block devices, machine-wide

# ---- servers ---------------------------------------------------------------------------------------
# Both servers get the same, generous descriptor limit: jaio's loops are threads of one process and
# share one limit, while each nginx worker is a process with its own (worker_rlimit_nofile below);
# each keeps many files open (open_file_cache, jaio's per-loop open files: two descriptors for a
# cached file). As root the hard limit can be raised; otherwise the current one is kept.
NOFILE=262144
if ! ulimit -n "$NOFILE" 2>/dev/null; then
  NOFILE=$(ulimit -n)
fi
log_cmd "ulimit -n $NOFILE"
NEXT_PORT=$PORT_BASE
port_answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
take_port() {
  while port_answers "$NEXT_PORT"; do NEXT_PORT=$((NEXT_PORT + 1)); done
  PORT=$NEXT_PORT
  NEXT_PORT=$((NEXT_PORT + 1))
}
# Starts `bash -c CMD` from the repository's root in a session of its own; SERVER_PID is its leader.
start_cmd() {  # cmd out err
  local pin=()
  if [ -n "$SERVER_CPUS" ]; then pin=(taskset -c "$SERVER_CPUS"); fi
  log_cmd "cd $(q "$ROOT") && setsid ${pin[*]:+${pin[*]} }bash -c $(q "$1") >$(q "$2") 2>$(q "$3") &"
  (cd "$ROOT" && exec setsid "${pin[@]}" bash -c "$1" >"$2" 2>"$3" </dev/null) &
  SERVER_PID=$!
}
wait_port() {  # port err -> 0 when it answers; 1 (with REASON) when the server exits or times out
  local deadline=$((SECONDS + START_TIMEOUT))
  while ! port_answers "$1"; do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then REASON="server exited before answering on port $1"; return 1; fi
    if (( SECONDS >= deadline )); then REASON="server did not answer on port $1 within ${START_TIMEOUT}s"; return 1; fi
    sleep 0.2
  done
}
nginx_ofc_for() {
  case $NGINX_OFC in all) echo on ;; none) echo off ;; warm) [[ $1 == warm-* ]] && echo on || echo off ;; esac
}
write_nginx_conf() {  # workload port conf
  local ngx="$WORK/nginx" user_line="" ofc
  mkdir -p "$ngx/tmp"
  if [ "$(id -u)" = 0 ]; then user_line="user nobody $(id -gn nobody 2>/dev/null || echo nogroup);"; fi
  ofc="$(nginx_ofc_for "$1")"
  {
    cat <<EOF
# serve-vs-nginx.sh, workload $1: nginx as its docs advise for static files.
daemon off;
master_process on;
$user_line
worker_processes $LOOPS;
worker_rlimit_nofile $NOFILE;
pid $ngx/nginx.pid;
error_log $LOGS/nginx-error.log warn;
events {
    worker_connections 4096;
}
http {
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    # Reads (and sendfile) in nginx's default thread pool (32 threads), never blocking a worker.
    aio threads;
    # Files >= $NGINX_DIRECTIO (at 512k: only part of cold/) are read with O_DIRECT, through
    # output_buffers, from the disk at every request; smaller ones are sent with sendfile from the
    # kernel's page cache.
    directio $NGINX_DIRECTIO;
    output_buffers 1 128k;
    keepalive_requests 1000000;
    keepalive_timeout 65s;
    client_body_temp_path $ngx/tmp/body;
    proxy_temp_path $ngx/tmp/proxy;
    fastcgi_temp_path $ngx/tmp/fastcgi;
    uwsgi_temp_path $ngx/tmp/uwsgi;
    scgi_temp_path $ngx/tmp/scgi;
EOF
    if [ "$ofc" = on ]; then
      cat <<EOF
    # Open file descriptors, sizes and lookups cached (what an nginx user turns on for static files).
    open_file_cache max=200000 inactive=60s;
    open_file_cache_valid 60s;
    open_file_cache_min_uses 1;
EOF
    else
      echo "    open_file_cache off;"
    fi
    cat <<EOF
    server {
        # reuseport: a listening socket per worker, so the kernel spreads wrk's connections evenly.
        listen 127.0.0.1:$2 reuseport backlog=4096;
        root $WORK;
        location / { }
    }
}
EOF
  } >"$3"
}
NGINX_MASTER=""
start_nginx() {  # workload port tag
  local conf="$LOGS/nginx-$3.conf"
  write_nginx_conf "$1" "$2" "$conf"
  "$NGINX_BIN" -t -q -p "$WORK/nginx/" -e "$LOGS/nginx-error.log" -c "$conf" 2>"$LOGS/$3.nginx-t.err" \
    || { REASON="nginx -t failed: $(tail -n 3 "$LOGS/$3.nginx-t.err" | tr '\n' ' ')"; return 1; }
  start_cmd "$(q "$NGINX_BIN") -p $(q "$WORK/nginx/") -e $(q "$LOGS/nginx-error.log") -c $(q "$conf")" \
    "$LOGS/$3.out" "$LOGS/$3.err"
  NGINX_MASTER=$SERVER_PID
}
# The jaio command of one row: placeholders substituted, the rest appended as flags.
jaio_cmd() {  # port backend io
  local c=$JAIO_TEMPLATE
  c=${c//\{dir\}/$(q "$WORK")}
  c=${c//\{port\}/$1}
  c=${c//\{loops\}/$LOOPS}
  # A backend entry may carry more server flags after the name: `uring --receive` is one row,
  # run with --loop=uring --receive (variants of one backend side by side in one run).
  local b=${2%% *} extra=
  [[ $2 == *' '* ]] && extra=" ${2#* }"
  if [[ $c == *'{backend}'* ]]; then c=${c//\{backend\}/$(q "$b")}; elif [ "$b" != none ]; then c+=" --loop=$(q "$b")"; fi
  c+=$extra
  if [[ $c == *'{io}'* ]]; then c=${c//\{io\}/$(q "$3")}; elif [ "$3" != none ]; then c+=" --io=$(q "$3")"; fi
  if [[ $c == *'{cache}'* ]]; then c=${c//\{cache\}/$(q "$JAIO_CACHE")}; elif [ "$JAIO_CACHE" != none ]; then c+=" --cache-size=$(q "$JAIO_CACHE")"; fi
  printf '%s' "$c"
}

# Descendant processes of a pid, itself first.
proc_tree() {
  local p=$1 c
  echo "$p"
  for c in $(pgrep -P "$p" 2>/dev/null || true); do proc_tree "$c"; done
}
CLK_TCK="$(getconf CLK_TCK)"
# CPU clock ticks used so far by the server's JIT compiler threads (0 for a server without them).
jit_ticks() {
  local p t comm sum=0 ticks
  for p in $(proc_tree "$SERVER_PID"); do
    for t in /proc/"$p"/task/*; do
      comm="$(cat "$t/comm" 2>/dev/null || true)"
      if [[ $comm =~ ^(C1\ CompilerThre|C2\ CompilerThre|JVMCI) ]]; then
        # /proc/TID/stat: "tid (comm) state ..."; comm may hold spaces: utime, stime are the 12th and
        # 13th fields after the ") ".
        ticks="$(sed 's/^.*) //' "$t/stat" 2>/dev/null | awk '{print $12 + $13}')"
        sum=$((sum + ${ticks:-0}))
      fi
    done
  done
  echo "$sum"
}
ticks_to_s() { awk -v t="$1" -v hz="$CLK_TCK" 'BEGIN {printf "%.2f", t / hz}'; }
# One line per thread of the server's processes: "tid run_ns runq_ns voluntary_switches", from
# /proc/TID/schedstat (time on a CPU, time runnable but waiting on a run queue) and /proc/TID/status.
sched_snapshot() {
  local p t run runq
  for p in $(proc_tree "$SERVER_PID"); do
    for t in /proc/"$p"/task/*; do
      { read -r run runq _ <"$t/schedstat" && echo "${t##*/} $run $runq $(awk '$1 == "voluntary_ctxt_switches:" {print $2}' "$t/status")"; } 2>/dev/null || true
    done
  done
}
# Where the server's threads spent the run, from two snapshots of the threads alive in both:
# "cpu runq_pct sleeps_s", cores used, the share of the time they wanted a CPU that they waited on a
# run queue for one (runnable, another thread running), voluntary switches (blocking waits) per second.
sched_delta() {  # before after seconds
  awk -v s="$3" 'NR == FNR { r[$1] = $2; q[$1] = $3; v[$1] = $4; next }
    ($1 in r) { run += $2 - r[$1]; runq += $3 - q[$1]; vol += $4 - v[$1] }
    END { if (run + runq > 0) printf "%.2f\t%.1f\t%.0f", run / s / 1e9, 100 * runq / (run + runq), vol / s; else printf "\t\t" }' "$1" "$2"
}
# Warm-up runs until the server's JIT is quiet (see the header); WARM_S: the seconds run. With a
# sixth argument `drop`, the caches are dropped before each run (the cold workload's warm-up).
warm_up() {  # port list seconds tag min-seconds [drop]
  local i j0 j1 runs=$WARMUP_RUNS
  WARM_S=0
  if (( ($5 + $3 - 1) / $3 > runs )); then runs=$(( ($5 + $3 - 1) / $3 )); fi
  for ((i = 1; i <= runs; i++)); do
    if [ "${6-}" = drop ]; then drop_caches; fi
    j0="$(jit_ticks)"
    run_wrk "$1" "$2" "$3" "$LOGS/$4.warmup$i.txt" || true
    j1="$(jit_ticks)"
    WARM_S=$((WARM_S + $3))
    log_cmd "# warm-up run $i: the server's JIT compiler threads used $(ticks_to_s $((j1 - j0))) s of CPU"
    if (( WARM_S >= $5 && (j1 - j0) * 100 < JIT_QUIET * $3 * CLK_TCK )); then
      echo "  warm-up: $i run(s) of $3 s; JIT $(ticks_to_s $((j1 - j0))) s of CPU in the last"
      return
    fi
  done
  echo "  warm-up: $runs run(s) of $3 s, the JIT still compiling ($(ticks_to_s $((j1 - j0))) s of CPU in the last)"
}

strace_run() {  # server-kind port list tag
  local out="$LOGS/$4.strace.txt" args=() what tid comm p
  if [ "$1" = nginx ]; then
    for p in $(pgrep -P "$NGINX_MASTER" || true); do args+=(-p "$p"); done
    what="nginx's workers with -f (their thread-pool threads included)"
    args=(-f "${args[@]}")
  else
    for p in $(proc_tree "$SERVER_PID"); do
      for tid in /proc/"$p"/task/*; do
        comm="$(cat "$tid/comm" 2>/dev/null || true)"
        if [[ $comm =~ $STRACE_THREADS ]]; then args+=(-p "${tid##*/}"); fi
      done
    done
    if (( ${#args[@]} )); then
      what="$(( ${#args[@]} / 2 )) threads named like $STRACE_THREADS"
    else
      what="no thread named like $STRACE_THREADS: the whole server with -f"
      for p in $(proc_tree "$SERVER_PID"); do args+=(-p "$p"); done
      args=(-f "${args[@]}")
    fi
  fi
  log_cmd "strace -c -q -o $(q "$out") ${args[*]} &   # $what; then the wrk run below, then kill -INT"
  strace -c -q -o "$out" "${args[@]}" 2>"$LOGS/$4.strace.err" &
  STRACE_PID=$!
  sleep 1
  run_wrk "$2" "$3" "$STRACE_DURATION" "$LOGS/$4.strace.wrk.txt" || true
  kill -INT "$STRACE_PID" 2>/dev/null || true
  wait "$STRACE_PID" 2>/dev/null || true
  STRACE_PID=""
  echo
  echo "--- strace -c, $4: $what, during a ${STRACE_DURATION}s run (not counted) ---"
  local line
  line="$(grep '^JAIO_WRK' "$LOGS/$4.strace.wrk.txt" || true)"
  [ -n "$line" ] && awk -v l="$line" 'BEGIN { n = split(l, a, /[ =]/); for (i = 2; i < n; i += 2) v[a[i]] = a[i + 1]
    printf "(under strace: %.0f req/s)\n", v["requests"] * 1e6 / v["duration_us"] }'
  if [ -s "$out" ]; then cat "$out"; else echo "(no summary; strace said: $(tail -n 3 "$LOGS/$4.strace.err" | tr '\n' ' '))"; fi
  echo
}

# Reads a wrk output into the row's fields; appends reasons to REASON.
FIELDS=""
parse_wrk() {  # file workload
  local line p
  line="$(grep '^JAIO_WRK' "$1" | tail -n 1 || true)"
  if [ -z "$line" ]; then
    REASON+="wrk printed no summary ($(grep -v '^ *$' "$1" | tail -n 2 | tr '\n' ' '))"
    FIELDS=""
    return
  fi
  FIELDS="$(awk -v l="$line" -v min="$(min_size "$2")" 'BEGIN {
    n = split(l, a, /[ =]/); for (i = 2; i < n; i += 2) v[a[i]] = a[i + 1]
    sock = v["connect"] + v["read"] + v["write"] + v["timeout"]
    rps = v["duration_us"] > 0 ? v["requests"] * 1e6 / v["duration_us"] : 0
    mib = v["duration_us"] > 0 ? v["bytes"] * 1e6 / v["duration_us"] / 1048576 : 0
    reason = ""
    if (v["requests"] == 0) reason = reason "no request completed; "
    if (sock > 0) reason = reason sprintf("socket errors: connect %.0f read %.0f write %.0f timeout %.0f; ", v["connect"], v["read"], v["write"], v["timeout"])
    if (v["status"] > 0) reason = reason sprintf("%.0f non-2xx/3xx responses; ", v["status"])
    if (v["requests"] > 0 && v["bytes"] / v["requests"] < min) reason = reason sprintf("%.0f bytes a response, below the set smallest file (%d); ", v["bytes"] / v["requests"], min)
    # %.0f, not %d: mawk prints integers above 2^31 - 1 as 2147483647 with %d
    printf "%.1f\t%.2f\t%.0f\t%.0f\t%.0f\t%.1f\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f\t%s", rps, mib, v["p50"], v["p90"], v["p99"], v["mean"], v["max"], v["requests"], v["bytes"], sock, v["status"], reason }')"
  REASON+="${FIELDS##*$'\t'}"
  FIELDS="${FIELDS%$'\t'*}"
  # Cross-check: wrk's own text percentiles (2 decimals in us/ms/s/m/h) against done()'s microseconds.
  local lua_p text_us pct idx=2
  for pct in 50 90 99; do
    idx=$((idx + 1))
    lua_p="$(cut -f "$idx" <<<"$FIELDS")"
    p="$(awk -v p="$pct%" '/Latency Distribution/ {on = 1; next} on && $1 == p {print $2; exit}' "$1")"
    [ -n "$p" ] || continue
    if text_us="$(to_us "$p")"; then
      if ! awk -v a="$text_us" -v b="$lua_p" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 1 || d <= 0.006 * b) }'; then
        echo "  warning: p$pct from done() is $lua_p us, wrk's text says $p ($text_us us)" >&2
      fi
    fi
  done
}
content_check() {  # port workload tag: 3 files of the set fetched and compared
  local set list n path i code tmp="$LOGS/$3.body" bad=""
  set="$(set_of "$2")"; list="$WORK/$set.list"
  n="$(wc -l <"$list")"
  for i in 1 $(( (n + 1) / 2 )) "$n"; do
    path="$(sed -n "${i}p" "$list")"
    code="$(curl -sS -o "$tmp" -w '%{http_code}' --max-time 60 "http://127.0.0.1:$1$path" 2>>"$LOGS/$3.curl.err" || echo curl-failed)"
    if [ "$code" != 200 ]; then bad+="GET $path: $code; "
    elif ! cmp -s "$tmp" "$WORK$path"; then bad+="GET $path: body differs from the file; "
    fi
  done
  rm -f "$tmp"
  [ -z "$bad" ] || REASON+="content check: $bad"
}

show_err() {  # a server's stderr: all of it up to 24 lines, else its first 6 and last 16
  [ -f "$1" ] || { echo "    (none)"; return 0; }
  local n
  n="$(wc -l <"$1")"
  if (( n <= 24 )); then sed 's/^/    | /' "$1"
  else
    head -n 6 "$1" | sed 's/^/    | /'
    echo "    | ... ($((n - 22)) lines)"
    tail -n 16 "$1" | sed 's/^/    | /'
  fi
}
# "RetransSegs TCPTimeouts": machine-wide TCP counters (/proc/net/snmp, /proc/net/netstat), each a
# header line and a value line. Over a run they tell whether loopback lost segments (a drop in a full
# receive queue, say) and how many retransmission timeouts (at least 200 ms each) held responses back.
tcp_counters() {
  awk '$1 == "Tcp:" { if (!tn) { for (i = 2; i <= NF; i++) th[i] = $i; tn = 1 } else for (i = 2; i <= NF; i++) if (th[i] == "RetransSegs") r = $i }
       $1 == "TcpExt:" { if (!en) { for (i = 2; i <= NF; i++) eh[i] = $i; en = 1 } else for (i = 2; i <= NF; i++) if (eh[i] == "TCPTimeouts") t = $i }
       END { printf "%.0f %.0f\n", r, t }' /proc/net/snmp /proc/net/netstat 2>/dev/null || echo "0 0"
}
# One row: start the server, load it, stop it.
run_row() {  # round workload server backend io
  local round=$1 wl=$2 server=$3 be=$4 io=$5 tag list disk0 disk1 disk_mib cmd jit0 jit1 jit_s="" sched=$'\t\t'
  local tcp0 tcp1 tcp=$'\t'
  WARM_S=0
  tag="r$round.$wl.$server${be:+.$be}${io:+.$io}"; tag=${tag//[^A-Za-z0-9._+-]/_}
  list="$WORK/$(set_of "$wl").list"
  REASON=""; FIELDS=""
  take_port
  echo "[$(date +%T)] round $round, $wl: $server${be:+ backend $be}${io:+ io $io}, port $PORT"
  log_cmd ""
  log_cmd "# round $round, $wl, $server${be:+ backend $be}${io:+ io $io}"
  if [ "$server" = nginx ]; then
    start_nginx "$wl" "$PORT" "$tag" || true
  else
    cmd="$(jaio_cmd "$PORT" "${be:-none}" "${io:-none}")"
    echo "  $cmd"
    start_cmd "$cmd" "$LOGS/$tag.out" "$LOGS/$tag.err"
  fi
  if [ -z "$REASON" ] && wait_port "$PORT"; then
    if [[ $wl == warm-* ]] && (( WARMUP > 0 )); then
      warm_up "$PORT" "$list" "$WARMUP" "$tag" "$WARMUP_MIN"
    fi
    if [ "$wl" = cold ]; then
      if (( COLD_WARMUP > 0 )); then warm_up "$PORT" "$WORK/coldwarm.list" "$COLD_WARMUP" "$tag" 0 drop; fi
      drop_caches
    fi
    disk0="$(pgpgin)"
    jit0="$(jit_ticks)"
    sched_snapshot >"$LOGS/$tag.sched0"
    tcp0="$(tcp_counters)"
    run_wrk "$PORT" "$list" "$DURATION" "$LOGS/$tag.wrk.txt" || REASON+="wrk exited with status $?; "
    tcp1="$(tcp_counters)"
    sched_snapshot >"$LOGS/$tag.sched1"
    tcp="$(awk -v a="$tcp0" -v b="$tcp1" 'BEGIN {split(a, x, " "); split(b, y, " "); printf "%.0f\t%.0f", y[1] - x[1], y[2] - x[2]}')"
    jit1="$(jit_ticks)"
    sched="$(sched_delta "$LOGS/$tag.sched0" "$LOGS/$tag.sched1" "$DURATION")"
    jit_s="$(ticks_to_s $((jit1 - jit0)))"
    disk1="$(pgpgin)"
    disk_mib="$(awk -v a="$disk0" -v b="$disk1" 'BEGIN {printf "%.1f", (b - a) / 1024}')"
    if kill -0 "$SERVER_PID" 2>/dev/null; then
      content_check "$PORT" "$wl" "$tag"
    else
      REASON+="the server exited during the run; "
    fi
    parse_wrk "$LOGS/$tag.wrk.txt" "$wl"
    if [ -z "$REASON" ]; then
      awk -F'\t' -v jit="$jit_s" -v sched="$sched" -v tcp="$tcp" 'BEGIN {split(sched, c, "\t"); split(tcp, t, "\t")} {printf "  %s req/s, %s MiB/s, p50/p90/p99 %s/%s/%s us; JIT %s s of CPU; server %s cores, %s%% of its runnable time waiting for a CPU, %s sleeps/s; TCP %s segments retransmitted, %s retransmission timeouts\n", $1, $2, $3, $4, $5, jit, c[1], c[2], c[3], t[1], t[2]}' <<<"$FIELDS"
    else
      echo "  FAILED: ${REASON%; }"
    fi
    if (( STRACE )) && [ "$wl" = "$STRACE_WORKLOAD" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
      strace_run "$server" "$PORT" "$list" "$tag"
    fi
  else
    disk_mib=""
    echo "  FAILED: $REASON; the server's stderr ($LOGS/$tag.err):"
    show_err "$LOGS/$tag.err"
    local first
    first="$(grep -m 1 -v '^[[:space:]]*$' "$LOGS/$tag.err" 2>/dev/null || true)"
    if [ -n "$first" ]; then REASON+=" (stderr: ${first:0:160})"; fi
  fi
  stop_server
  if [ -z "$FIELDS" ]; then FIELDS=$'\t\t\t\t\t\t\t\t\t\t'; fi
  local status=OK
  [ -z "$REASON" ] || status=FAILED
  REASON="${REASON%; }"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$wl" "$server" "${be:--}" "${io:--}" "$status" \
    "$FIELDS" "$disk_mib" "$PORT" "${REASON//$'\t'/ }" "$WARM_S" "$jit_s" "$sched" "$tcp" >>"$ROWS"
}

# ---- machine and versions --------------------------------------------------------------------------
KERNEL="$(uname -r)"
NGINX_V="$("$NGINX_BIN" -v 2>&1 | sed 's/^nginx version: //')"
WRK_V="$( (wrk -v 2>&1 || true) | head -n 1 | awk '{print $2}')"
DATE="$(date -u +%FT%TZ)"
GIT_REV="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null)" ]; then GIT_REV+="+dirty"; fi

# jaio rows' order: backends x io modes.
JAIO_ROWS=()
for be in "${BE_LIST[@]}"; do for io in "${IO_LIST[@]}"; do JAIO_ROWS+=("$be|$io"); done; done
# ./jaio builds the CLI on its first run: do that now, not within a server's --start-timeout.
first_word="${JAIO_TEMPLATE%% *}"
if [[ $first_word == ./jaio || $first_word == */jaio ]]; then
  echo "checking the jaio CLI (builds it if needed): ./jaio --version"
  (cd "$ROOT" && ./jaio --version) >"$LOGS/jaio-version.txt" 2>&1 || echo "  ./jaio --version failed (see $LOGS/jaio-version.txt); the jaio rows will tell"
fi

echo "servers on 127.0.0.1, ports from $PORT_BASE; loops/workers $LOOPS; wrk -t$THREADS -c$CONNECTIONS, ${DURATION}s runs$( (( RATE > 0 )) && echo ", offered at most $(( CONNECTIONS * 1000 / DELAY_MS )) req/s (--rate $RATE: ${DELAY_MS} ms between requests)"); logs in $LOGS"
for ((round = 1; round <= ROUNDS; round++)); do
  for wl in "${WL_LIST[@]}"; do
    order=("nginx||")
    for r in "${JAIO_ROWS[@]}"; do order+=("jaio|$r"); done
    if (( NGINX_AGAIN )); then order+=("nginx|again|"); fi
    if (( round % 2 == 0 )); then  # every other round the other way round
      rev=(); for ((i = ${#order[@]} - 1; i >= 0; i--)); do rev+=("${order[i]}"); done; order=("${rev[@]}")
    fi
    for o in "${order[@]}"; do
      IFS='|' read -r server be io <<<"$o"
      run_row "$round" "$wl" "$server" "$be" "$io"
    done
  done
done

# ---- results ---------------------------------------------------------------------------------------
COLS="round,workload,server,backend,io,status,req_s,MiB_s,p50_us,p90_us,p99_us,mean_us,max_us,requests,bytes,socket_errors,non2xx,disk_read_MiB,port,warmup_s,jit_cpu_s,server_cpu,runq_pct,sleeps_s,tcp_retrans_segs,tcp_rto,req_s_vs_nginx,MiB_s_vs_nginx,p99_vs_nginx,reason,nproc,kernel,nginx,wrk,date,jaio_git"
awk -F'\t' -v OFS='\t' '
  { row[NR] = $0; if ($3 == "nginx" && $4 == "-" && $6 == "OK") { nr[$1 "|" $2] = $7; nm[$1 "|" $2] = $8; np[$1 "|" $2] = $11 } }
  END {
    for (i = 1; i <= NR; i++) {
      split(row[i], f, "\t"); k = f[1] "|" f[2]
      rr = ""; rm = ""; rp = ""
      if (f[6] == "OK" && (k in nr) && nr[k] > 0) { rr = sprintf("%.3f", f[7] / nr[k]); rm = sprintf("%.3f", f[8] / nm[k]) }
      if (f[6] == "OK" && (k in np) && np[k] > 0 && f[11] != "") rp = sprintf("%.3f", f[11] / np[k])
      print row[i], rr, rm, rp
    }
  }' "$ROWS" >"$LOGS/rows-ratios.tsv"

# The CSV and the table, in awk (a bash `read` would merge empty tab-separated fields).
awk -F'\t' -v cols="$COLS" -v nproc="$NPROC" -v kernel="$KERNEL" -v ngx="$NGINX_V" -v wrkv="$WRK_V" \
    -v date="$DATE" -v git="$GIT_REV" '
  function csv(s) { if (s ~ /[,"]/) { gsub(/"/, "\"\"", s); s = "\"" s "\"" } return s }
  BEGIN { print cols }
  # rows-ratios.tsv: 19 fields as the columns up to port, then the reason ($20), warmup_s ($21),
  # jit_cpu_s ($22), server_cpu ($23), runq_pct ($24), sleeps_s ($25), tcp_retrans_segs ($26), tcp_rto
  # ($27), then the ratios ($28 req/s, $29 MiB/s, $30 p99)
  { line = $1; for (i = 2; i <= 19; i++) line = line "," (i == 4 || i == 5 ? csv($i) : $i)
    print line "," $21 "," $22 "," $23 "," $24 "," $25 "," $26 "," $27 "," $28 "," $29 "," $30 "," csv($20) "," nproc "," csv(kernel) "," csv(ngx) "," csv(wrkv) "," date "," git }
' "$LOGS/rows-ratios.tsv" >"$OUT"

echo
awk -F'\t' -v rounds="$ROUNDS" '
  function d(s) { return s == "" ? "-" : s }
  BEGIN { printf "%-13s %-6s %-10s %-7s %-6s %10s %9s %8s %8s %8s %7s %6s %8s %6s %6s %5s %5s %4s %7s %7s %7s\n",
            "workload", "server", "backend", "io", "status", "req/s", "MiB/s", "p50_us", "p90_us", "p99_us",
            "sockerr", "non2xx", "disk_MiB", "warm_s", "jit_s", "cpu", "runq%", "rto", "x_req", "x_MiB", "x_p99" }
  { wl = $2; if (rounds > 1) wl = wl "#" $1
    printf "%-13s %-6s %-10s %-7s %-6s %10s %9s %8s %8s %8s %7s %6s %8s %6s %6s %5s %5s %4s %7s %7s %7s\n",
      wl, $3, $4, $5, $6, d($7), d($8), d($9), d($10), d($11), d($16), d($17), d($18), d($21), d($22), d($23), d($24), d($27), d($28), d($29), d($30) }
' "$LOGS/rows-ratios.tsv"
if (( ROUNDS > 1 )); then
  echo
  echo "means over the rounds whose rows are all OK (ratio of the means to nginx's):"
  awk -F'\t' '
    # First pass: the p99 of the nginx reference row (backend -) of each round and workload, so that
    # a row counts as at or below it by the measured p99s, not by the rounded ratio.
    NR == FNR { if ($3 == "nginx" && $4 == "-" && $6 == "OK" && $11 != "") ref[$1 "|" $2] = $11; next }
    { k = $2 "\t" $3 "\t" $4 "\t" $5; if (!(k in seen)) { seen[k] = 1; keys[++nk] = k }
      n[k]++; if ($6 == "OK") { ok[k]++; sr[k] += $7; sm[k] += $8 }
      if ($6 == "OK") {
        xp[k] = xp[k] (xp[k] == "" ? "" : " / ") ($30 != "" ? $30 : "-")
        if ($30 != "") { np[k]++; if ($11 + 0 <= ref[$1 "|" $2] + 0) le[k]++ }
      } }
    END {
      for (i = 1; i <= nk; i++) { k = keys[i]; split(k, f, "\t")
        if (ok[k] != n[k]) { printf "%-11s %-6s %-10s %-7s FAILED in %d of %d rounds\n", f[1], f[2], f[3], f[4], n[k] - ok[k], n[k]; continue }
        g = f[1] "\tnginx\t-\t-"; rr = "-"; rm = "-"
        if ((g in ok) && ok[g] == n[g]) { rr = sprintf("%.3f", sr[k] / sr[g]); rm = sprintf("%.3f", sm[k] / sm[g]) }
        pp = ""; if (np[k] > 0 && k != g) pp = sprintf("  x_p99 %s: at or below nginx'"'"'s in %d of %d%s", xp[k], le[k] + 0, np[k], np[k] < n[k] ? " rounds with a ratio" : "")
        printf "%-11s %-6s %-10s %-7s %10.1f req/s %9.2f MiB/s  x_req %s x_MiB %s%s\n", f[1], f[2], f[3], f[4], sr[k] / n[k], sm[k] / n[k], rr, rm, pp }
    }' "$LOGS/rows-ratios.tsv" "$LOGS/rows-ratios.tsv"
fi
FAILED_ROWS="$(awk -F'\t' '$6 != "OK"' "$LOGS/rows-ratios.tsv" | wc -l)"
if (( FAILED_ROWS )); then
  echo
  echo "FAILED rows (not counted; no ratio):"
  awk -F'\t' '$6 != "OK" {printf "  %s %s %s %s: %s\n", $2, $3, $4, $5, $20}' "$LOGS/rows-ratios.tsv"
fi

# ---- what it takes to reproduce --------------------------------------------------------------------
{
  echo "serve-vs-nginx.sh run of $DATE (UTC)"
  echo
  echo "CSV: $OUT"
  echo "logs (wrk outputs, server stdout/stderr, nginx configs, strace summaries): $LOGS"
  echo
  echo "== machine"
  echo "nproc: $NPROC; kernel: $KERNEL; $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null || true)"
  echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "work dir: $WORK on $(df -PT "$WORK" | awk 'NR==2 {print $1 " (" $2 ")"}')"
  jv="(./jaio --version not run: another template)"
  if [ -f "$LOGS/jaio-version.txt" ]; then jv="$(tr '\n' ' ' <"$LOGS/jaio-version.txt")"; fi
  echo "nginx: $NGINX_V ($NGINX_BIN); wrk: $WRK_V; jaio: git $GIT_REV, $jv"
  echo
  echo "== settings"
  echo "workloads: $WORKLOADS; rounds: $ROUNDS (order reversed every other round); seed: $SEED"
  if (( PIN > 0 )); then echo "pinned (--pin $PIN): servers on CPUs $SERVER_CPUS, wrk on CPUs $WRK_CPUS"; fi
  echo "wrk: -t$THREADS -c$CONNECTIONS, measured ${DURATION}s, warm-up runs of ${WARMUP}s (warm workloads, at least ${WARMUP_MIN}s in all) and ${COLD_WARMUP}s on coldwarm/ (cold), at most $WARMUP_RUNS (or what --warmup-min takes), until the JIT used < $JIT_QUIET% of a core; timeout ${TIMEOUT}s"
  if (( RATE > 0 )); then echo "offered load: --rate $RATE, a wait of ${DELAY_MS} ms per request per connection (at most $(( CONNECTIONS * 1000 / DELAY_MS )) req/s)"; fi
  echo "sets: small/ $SMALL_COUNT x 4096 B; medium/ $MEDIUM_COUNT x 102400 B; cold/ $COLD_SIZE and coldwarm/ $COLDWARM_SIZE of 64 KiB..1 MiB (manifests in $WORK/*.manifest)"
  echo "jaio template: $JAIO_TEMPLATE; backends: $BACKENDS; io: $IO_MODES; --cache-size: $JAIO_CACHE; loops: $LOOPS"
  echo "nginx: worker_processes $LOOPS, directio $NGINX_DIRECTIO, open_file_cache for: $NGINX_OFC workloads; configs below (one per row)"
  if (( NGINX_AGAIN )); then echo "nginx again (--nginx-again): a second nginx row per workload and round (backend again), after the jaio rows (before them in reversed rounds)"; fi
  echo
  echo "== how to read it"
  echo "req/s = completed responses / run time; MiB/s = bytes received (headers included, as wrk's"
  echo "Transfer/sec; 1 MiB = 2^20 B) / run time; p50/p90/p99 = wrk's latency percentiles in microseconds"
  echo "(from its Lua done() hook). disk_read_MiB = pgpgin of /proc/vmstat over the run: machine-wide"
  echo "block-device reads, so what the cold run really read from the disk. x_req, x_MiB = this row over"
  echo "nginx's row of the same workload and round (its first, backend -; with --nginx-again the second,"
  echo "backend again, is compared with it like a jaio row); x_p99 = this row's p99 over nginx's (at or"
  echo "below 1: no worse). With --rounds, the means' lines list x_p99 round by round (- where nginx's row"
  echo "failed) and count the rounds in which the p99 was at or below nginx's. In a closed loop (no --rate)"
  echo "each server is at its own saturation, so x_p99 compares tails at different request rates; --rate"
  echo "compares them at one load. FAILED rows have no ratio and are not counted."
  echo "warmup_s = seconds of warm-up runs before the measured run; jit_cpu_s = CPU seconds of the server's"
  echo "JIT compiler threads during the measured run (above 0: the JIT was still compiling)."
  echo "server_cpu (cpu) = CPU cores the server's threads used during the measured run; runq_pct (runq%) ="
  echo "the share of the time they were runnable that they spent waiting on a run queue for a CPU (another"
  echo "thread, wrk's or the server's own, was running there); sleeps_s = their voluntary context switches"
  echo "(blocking waits) per second. From /proc/TID/schedstat and /proc/TID/status, threads alive at both"
  echo "ends of the run. With wrk on the same cores, a server whose threads rarely sleep waits on the run"
  echo "queue while wrk runs, and every request on that thread waits with it: the tail at saturation."
  echo "tcp_retrans_segs, tcp_rto (rto) = TCP segments retransmitted and retransmission timeouts (each one"
  echo "holds a response back at least 200 ms, TCP_RTO_MIN) over the measured run, machine-wide, from"
  echo "/proc/net/snmp and /proc/net/netstat: on loopback, retransmissions are mostly tail loss probes of"
  echo "segments that were not lost, since the receiver did not run to ACK them in time."
  echo "Caveats: wrk runs on the same $NPROC cores as the server; wrk is closed-loop (latency under"
  echo "saturation, no coordinated-omission correction); in the cold run, what a server has read once"
  echo "stays in the kernel's page cache (nginx below directio's 512k) or in jaio's own cache, so the"
  echo "longer the run the warmer it gets: compare disk_read_MiB with the cold set's size."
  echo
  echo "== commands, in order (cwd of servers: $ROOT)"
  cat "$CMDS"
  echo
  echo "== wrk script ($LUA)"
  cat "$LUA"
  for f in "$LOGS"/nginx-*.conf; do
    [ -f "$f" ] || continue
    echo
    echo "== nginx config $f"
    cat "$f"
  done
} >"$TXT"
echo
echo "CSV: $OUT"
echo "commands and set-up: $TXT"
(( FAILED_ROWS == 0 )) || exit 1
