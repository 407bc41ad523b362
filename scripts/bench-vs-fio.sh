#!/usr/bin/env bash
# Runs `jaio bench` and the fio job of the same shape alternately on one file, and prints each
# run and the ratio of the means: ./scripts/bench-vs-fio.sh uring|aio FILE [pairs] [seconds].
# The file must exist (e.g. fio --name=mk --filename=FILE --size=1g --rw=write --bs=1m --direct=1).
# Runs alternate jaio, fio, fio, jaio, ... so that drift on a noisy machine hits both sides alike.
set -euo pipefail
engine=${1:?engine: uring or aio}; file=${2:?file}; pairs=${3:-3}; secs=${4:-8}
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
case $engine in uring) fio_engine=io_uring ;; aio) fio_engine=libaio ;; *) echo "engine must be uring or aio" >&2; exit 2 ;; esac
command -v fio >/dev/null || { echo "fio is not installed (apt-get install fio)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "python3 is needed to read fio's JSON" >&2; exit 2; }
jaio_run() {
  "$root/jaio" bench --engine="$engine" --rw=randread --bs=4k --iodepth=64 --runtime="$secs" --ramp=5 --json "$file" \
    | python3 -c 'import json,sys; j=json.load(sys.stdin); print("jaio %s %.0f %.3f" % (j["engine"], j["iops"], j["cpuMicrosPerIo"]))'
}
fio_run() {
  fio --name=j --filename="$file" --ioengine="$fio_engine" --direct=1 --rw=randread --bs=4k --iodepth=64 \
    --norandommap --time_based --runtime="$secs" --ramp_time=5 --output-format=json \
    | python3 -c 'import json,sys; j=json.load(sys.stdin)["jobs"][0]; r=j["read"]; t=j["job_runtime"]/1000.0
print("fio %s %.0f %.3f" % (sys.argv[1], r["iops"], (j["usr_cpu"]+j["sys_cpu"])/100*t*1e6/r["total_ios"]))' "$fio_engine"
}
results=$(for i in $(seq "$pairs"); do
  if (( i % 2 )); then jaio_run; fio_run; else fio_run; jaio_run; fi
done)
echo "run  engine    IOPS     CPU us/IO"
echo "$results" | awk '{printf "%-4s %-8s %8.0f %8.2f\n", $1, $2, $3, $4}'
echo "$results" | awk '$1=="jaio"{ji+=$3; jc+=$4; n++} $1=="fio"{fi_+=$3; fc+=$4; m++}
  END {printf "mean jaio %.0f IOPS %.2f us/IO, fio %.0f IOPS %.2f us/IO: IOPS %.3fx, CPU per I/O %.3fx\n",
       ji/n, jc/n, fi_/m, fc/m, (ji/n)/(fi_/m), (jc/n)/(fc/m)}'
