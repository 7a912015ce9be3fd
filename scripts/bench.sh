#!/usr/bin/env bash
# End-to-end benchmark of the dcnc binary (issue 9): for N edge sites, `dcnc check`, a first
# `dcnc build` into an empty directory, an unchanged rebuild, and `cp -r` of the same tree as the
# physical floor, all in the same run, each the median of several runs.
#
#   bash scripts/bench.sh             # N = 10 100 1000 5000, 3 runs each
#   bash scripts/bench.sh --smoke     # N = 10 100
#   bash scripts/bench.sh --runs 5    # more runs per measurement
#   TMPDIR=/dev/shm bash scripts/bench.sh   # write the trees to tmpfs instead of /tmp
#   DCNC=/path/to/dcnc bash scripts/bench.sh # measure that binary instead of building one
#
# Prints a markdown table and the per-site cost of 5,000 edges relative to 1,000. Exits 1 if an
# unchanged rebuild touched any file (mtime or inode changed), 2 on usage errors.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

sizes=(10 100 1000 5000)
runs=3
while [ "$#" -gt 0 ]; do
  case "$1" in
    --smoke) sizes=(10 100) ;;
    --runs)
      [ "$#" -ge 2 ] || { echo "bench.sh: --runs needs a number" >&2; exit 2; }
      runs=$2
      shift
      ;;
    -h | --help)
      sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *) echo "bench.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done
case "$runs" in '' | *[!0-9]* | 0) echo "bench.sh: --runs needs a positive number" >&2; exit 2 ;; esac

# GNU time reports peak RSS; it is a measurement of this benchmark, so it is required.
# shellcheck source=scripts/lib/install.sh
. scripts/lib/install.sh
dcnc_need_apt time || exit 2
if ! /usr/bin/time -v true 2>/dev/null; then
  echo "bench.sh: /usr/bin/time -v does not work; install GNU time (apt-get install time)" >&2
  exit 2
fi

if [ -n "${DCNC:-}" ]; then
  dcnc=$(realpath "$DCNC")
else
  echo "building dcnc (release)..." >&2
  cargo build --release --locked -q
  # shellcheck source=scripts/lib/dcnc-bin.sh
  . scripts/lib/dcnc-bin.sh
  dcnc="$(dcnc_default_bin "$PWD" release)"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/dcnc-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Runs a command under GNU time: sets `wall_ms` (wall time measured around it, so every command
# carries the same small /usr/bin/time overhead), `cpu_ms` (user + system time, 10 ms
# resolution: on a shared machine it is steadier than wall time) and `rss_kb` (its peak RSS).
measure() {
  local t0 t1
  sync # start without dirty pages from the previous run waiting to be written back
  t0=$EPOCHREALTIME
  /usr/bin/time -v -o "$work/time.txt" "$@" >"$work/stdout.txt" 2>"$work/stderr.txt" || {
    echo "bench.sh: failed: $*" >&2
    cat "$work/stderr.txt" >&2
    exit 2
  }
  t1=$EPOCHREALTIME
  wall_ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) * 1000 }')
  rss_kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/time.txt")
  cpu_ms=$(awk -F': ' '/(User|System) time \(seconds\)/ { s += $2 } END { printf "%.0f", s * 1000 }' "$work/time.txt")
}

# Keeps the largest peak RSS of this size in `max_rss`.
note_rss() {
  if [ "$rss_kb" -gt "$max_rss" ]; then max_rss=$rss_kb; fi
}

median() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Every entry under a directory with its mtime and inode: what an unchanged rebuild must keep.
snapshot() {
  (cd "$1" && find . -printf '%p %T@ %i\n' | sort)
}

fs=$(df -T "$work" | awk 'NR == 2 { print $2 " (" $7 ")" }')
echo "dcnc bench: $(date -u +%Y-%m-%dT%H:%MZ), $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- compiler 2>/dev/null || echo '+dirty'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), trees on $fs, median of $runs runs"
echo

rows=()
declare -A build_ms build_cpu_ms cp_ms
touched_total=0
peak_rss_kb=0
for n in "${sizes[@]}"; do
  echo "N=$n..." >&2
  spec=$work/dcn-$n.yaml
  python3 scripts/gen-spec.py "$n" >"$spec"
  dir=$work/$n
  mkdir -p "$dir"
  max_rss=0

  t_check=()
  for ((r = 1; r <= runs; r++)); do
    measure "$dcnc" check "$spec"
    t_check+=("$wall_ms")
    note_rss
  done

  # First builds, each into a directory that does not exist yet; the first one is kept.
  t_build=()
  c_build=()
  for ((r = 1; r <= runs; r++)); do
    measure "$dcnc" build "$spec" -o "$dir/build-$r"
    t_build+=("$wall_ms")
    c_build+=("$cpu_ms")
    note_rss
    if [ "$r" -gt 1 ]; then rm -rf "$dir/build-$r"; fi
  done
  out=$dir/build-1
  files=$(find "$out" -type f | wc -l)
  bytes=$(find "$out" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')

  # Unchanged rebuilds over the first build: nothing may be written, renamed or touched.
  snapshot "$out" >"$dir/before.txt"
  t_rebuild=()
  touched=0
  for ((r = 1; r <= runs; r++)); do
    measure "$dcnc" build "$spec" -o "$out"
    t_rebuild+=("$wall_ms")
    note_rss
    snapshot "$out" >"$dir/after.txt"
    changed=$(comm -3 "$dir/before.txt" "$dir/after.txt" | awk '{ print $1 }' | sort -u | wc -l)
    if [ "$changed" -gt 0 ]; then
      echo "bench.sh: N=$n: the unchanged rebuild touched $changed entries:" >&2
      comm -3 "$dir/before.txt" "$dir/after.txt" | head -5 >&2
      touched=$((touched + changed))
    fi
    grep -q ' 0 files written' "$work/stderr.txt" || {
      echo "bench.sh: N=$n: rebuild reported: $(cat "$work/stderr.txt")" >&2
      touched=$((touched + 1))
    }
  done
  touched_total=$((touched_total + touched))

  # The floor: copying the same tree into a fresh directory.
  t_cp=()
  for ((r = 1; r <= runs; r++)); do
    measure cp -r "$out" "$dir/cp-$r"
    t_cp+=("$wall_ms")
    rm -rf "$dir/cp-$r"
  done

  c=$(median "${t_check[@]}")
  b=$(median "${t_build[@]}")
  bc=$(median "${c_build[@]}")
  rb=$(median "${t_rebuild[@]}")
  cp=$(median "${t_cp[@]}")
  build_ms[$n]=$b
  build_cpu_ms[$n]=$bc
  cp_ms[$n]=$cp
  if [ "$max_rss" -gt "$peak_rss_kb" ]; then peak_rss_kb=$max_rss; fi
  rows+=("$(awk -v n="$n" -v c="$c" -v b="$b" -v rb="$rb" -v cp="$cp" -v f="$files" -v by="$bytes" -v rss="$max_rss" -v bc="$bc" -v t="$touched" 'BEGIN {
    printf "| %d | %.1f | %.0f | %.0f | %.0f | %.2f | %d | %.1f | %.1f | %.0f | %s |", n, c, b, rb, cp, b / cp, f, by / 1e6, rss / 1024, bc, (t ? "**" t " touched**" : "none")
  }')")
  rm -rf "$dir"
done

echo "| N edges | check ms | build ms | rebuild ms | cp -r ms | build/cp | files | MB | peak RSS MB | build CPU ms | rebuild touched |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
printf '%s\n' "${rows[@]}"
echo
echo "build: first \`dcnc build\` into an empty directory; rebuild: the same build over its own unchanged output;"
echo "cp -r: copying that output into a fresh directory. files and MB: the output tree (with .dcnc-manifest), MB = 10^6 bytes;"
echo "peak RSS: the largest of dcnc check, build and rebuild; build CPU: user + system time of the build."
if [ -n "${build_ms[1000]:-}" ] && [ -n "${build_ms[5000]:-}" ]; then
  awk -v b1="${build_ms[1000]}" -v b5="${build_ms[5000]}" -v c1="${cp_ms[1000]}" -v c5="${cp_ms[5000]}" \
    -v u1="${build_cpu_ms[1000]}" -v u5="${build_cpu_ms[5000]}" 'BEGIN {
    printf "\nper-site time, 5000 vs 1000 edges: build %.2fx (5000 total = %.2fx the 1000 build; goal <= 5.5x),", (b5 / 5000) / (b1 / 1000), b5 / b1
    printf " build CPU %.2fx (%.2fx total), cp -r %.2fx\n", (u5 / 5000) / (u1 / 1000), u5 / u1, (c5 / 5000) / (c1 / 1000)
  }'
fi
echo "peak RSS over all sizes: $(awk -v k="$peak_rss_kb" 'BEGIN { printf "%.1f", k / 1024 }') MB"

if [ "$touched_total" -gt 0 ]; then
  echo "FAIL: an unchanged rebuild rewrote or touched files" >&2
  exit 1
fi
echo "ok: unchanged rebuilds touched no file"
