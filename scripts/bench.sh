#!/usr/bin/env bash
# End-to-end benchmark of the dcnc binary (issues 9 and 20): for N edge sites, in the same run,
# each the median of several runs: `dcnc check`; a first `dcnc build` into a new directory; `cp -r`
# of the same tree (the physical floor); the Python + Jinja2 generator an operator would write
# instead (scripts/bench/jinja-gen.py, in a pinned venv); an unchanged rebuild and an unchanged
# `build --check`; a build after one edge changed; `dcnc plan` of two N-edge specs. Prints the
# table and every goal of issue 20 with its ratio and "met" / "NOT met".
#
#   bash scripts/bench.sh             # N = 10 100 1000 5000, 3 runs each
#   bash scripts/bench.sh --smoke     # N = 10 100
#   bash scripts/bench.sh --runs 5    # more runs per measurement
#   TMPDIR=/dev/shm bash scripts/bench.sh   # write the trees to tmpfs instead of /tmp
#   DCNC=/path/to/dcnc bash scripts/bench.sh # measure that binary instead of building one
#
# Exits 1 if an unchanged rebuild touched any file (mtime or inode changed), if a build after one
# changed edge wrote more than that edge's files, or if the Jinja2 generator's edge files differ
# from dcnc's; 2 on usage errors. The goals' ratios are printed, never enforced (timings on a
# shared machine are not tests): --smoke (CI) measures N = 10 and 100, where no goal applies.
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
# The comparator's venv: Debian's python3 with exactly these pins (installable from an empty cache).
cache=${DCNC_CACHE:-$HOME/.cache/dcnc}
jinja_venv=$cache/venv-bench
jinja_pins=(PyYAML==6.0.2 Jinja2==3.1.6 MarkupSafe==3.0.2)
install_jinja() { dcnc_pip "$1" install --quiet --no-deps "${jinja_pins[@]}" && dcnc_pip "$1" check; }
dcnc_venv "$jinja_venv" 66.1.1 "${jinja_pins[*]}" install_jinja || {
  echo "bench.sh: could not make the venv $jinja_venv" >&2
  exit 2
}
jinja_py=$jinja_venv/bin/python
jinja_gen=$PWD/scripts/bench/jinja-gen.py

echo "dcnc bench: $(date -u +%Y-%m-%dT%H:%MZ), $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- compiler 2>/dev/null || echo '+dirty'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), trees on $fs, median of $runs runs"
echo

rows=()
declare -A build_ms build_cpu_ms cp_ms check_ms plan_ms jinja_ms noop_ms noopc_ms incr_ms rss_of
touched_total=0
peak_rss_kb=0
# The comparator's templates, from dcnc's own tree of a 10-edge spec.
python3 scripts/gen-spec.py 10 >"$work/tpl.yaml"
"$dcnc" build "$work/tpl.yaml" -o "$work/tpl-tree" 2>/dev/null
"$jinja_py" -I "$jinja_gen" templates "$work/tpl-tree" "$work/templates"
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

  # The Python + Jinja2 generator, into a fresh directory; its edge files must be dcnc's.
  t_jinja=()
  for ((r = 1; r <= runs; r++)); do
    measure "$jinja_py" -I "$jinja_gen" render "$spec" "$work/templates" "$dir/jinja-$r"
    t_jinja+=("$wall_ms")
    if [ "$r" -gt 1 ]; then rm -rf "$dir/jinja-$r"; fi
  done
  differ=$(diff -rq "$out/stacks" "$dir/jinja-1/stacks" | grep -v -c '/control-plane' || true)
  if [ "$differ" -gt 0 ]; then
    echo "bench.sh: N=$n: the Jinja2 generator's edge files differ from dcnc's:" >&2
    diff -rq "$out/stacks" "$dir/jinja-1/stacks" | grep -v '/control-plane' | head -5 >&2
    touched=$((touched + differ))
  fi
  rm -rf "$dir/jinja-1"

  # `build --check` of the unchanged tree: clean, and nothing written.
  t_noopc=()
  for ((r = 1; r <= runs; r++)); do
    measure "$dcnc" build --check "$spec" -o "$out"
    t_noopc+=("$wall_ms")
    note_rss
  done
  snapshot "$out" >"$dir/after.txt"
  if ! cmp -s "$dir/before.txt" "$dir/after.txt"; then
    echo "bench.sh: N=$n: build --check touched the tree" >&2
    touched=$((touched + 1))
  fi

  # One edge changed (its glance_api), then back: each build writes that edge's changed files
  # (and central's that list it), nothing else.
  spec2=$work/dcn-$n-one.yaml
  sed '0,/glance_api: \(10\.[0-9]*\.[0-9]*\)\.200/s//glance_api: \1.201/' "$spec" >"$spec2"
  t_incr=()
  for ((r = 1; r <= runs; r++)); do
    if [ $((r % 2)) -eq 1 ]; then s_r=$spec2; else s_r=$spec; fi
    measure "$dcnc" build "$s_r" -o "$out"
    t_incr+=("$wall_ms")
    note_rss
    w=$(sed -n 's/.*: \([0-9]*\) files written.*/\1/p' "$work/stderr.txt")
    if [ -z "$w" ] || [ "$w" -gt 12 ]; then
      echo "bench.sh: N=$n: a build after one changed edge reported: $(tail -1 "$work/stderr.txt")" >&2
      touched=$((touched + 1))
    fi
  done
  incr_written=$w
  touched_total=$((touched_total + touched))

  # `dcnc plan` of the spec and the one with an edge changed.
  t_plan=()
  for ((r = 1; r <= runs; r++)); do
    measure "$dcnc" plan "$spec" "$spec2"
    t_plan+=("$wall_ms")
    note_rss
  done

  c=$(median "${t_check[@]}")
  b=$(median "${t_build[@]}")
  bc=$(median "${c_build[@]}")
  rb=$(median "${t_rebuild[@]}")
  cp=$(median "${t_cp[@]}")
  jj=$(median "${t_jinja[@]}")
  nc=$(median "${t_noopc[@]}")
  inc=$(median "${t_incr[@]}")
  pl=$(median "${t_plan[@]}")
  check_ms[$n]=$c
  plan_ms[$n]=$pl
  jinja_ms[$n]=$jj
  noop_ms[$n]=$rb
  noopc_ms[$n]=$nc
  incr_ms[$n]=$inc
  rss_of[$n]=$max_rss
  build_ms[$n]=$b
  build_cpu_ms[$n]=$bc
  cp_ms[$n]=$cp
  if [ "$max_rss" -gt "$peak_rss_kb" ]; then peak_rss_kb=$max_rss; fi
  rows+=("$(awk -v n="$n" -v c="$c" -v b="$b" -v rb="$rb" -v nc="$nc" -v inc="$inc" -v iw="$incr_written" -v pl="$pl" -v cp="$cp" -v jj="$jj" -v f="$files" -v by="$bytes" -v rss="$max_rss" -v bc="$bc" -v t="$touched" 'BEGIN {
    printf "| %d | %.1f | %.0f | %.0f | %.0f | %.2f | %.2f | %.0f | %.0f | %.0f (%d) | %.0f | %d | %.1f | %.1f | %.0f | %s |", n, c, b, cp, jj, b / cp, b / jj, rb, nc, inc, iw, pl, f, by / 1e6, rss / 1024, bc, (t ? "**" t "**" : "none")
  }')")
  rm -rf "$dir"
done

echo "| N edges | check ms | build ms | cp -r ms | jinja2 ms | build/cp | build/jinja2 | no-op build ms | no-op check ms | one edge ms (files) | plan ms | files | MB | peak RSS MB | build CPU ms | wrong |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
printf '%s\n' "${rows[@]}"
echo
echo "build: first \`dcnc build\` into a new directory; cp -r: copying its output into a new directory;"
echo "jinja2: scripts/bench/jinja-gen.py (PyYAML + Jinja2, templates compiled once) writing the same edge files;"
echo "no-op build / check: \`dcnc build\` / \`build --check\` over the unchanged output; one edge: a build after one"
echo "edge's glance_api changed (files: how many it wrote); plan: \`dcnc plan\` of the spec and that one."
echo "files and MB: dcnc's tree (with .dcnc-manifest), MB = 10^6 bytes; peak RSS: the largest of every dcnc run"
echo "of that size; build CPU: user + system time of the build; wrong: files touched or written that should not be."
echo

# Every goal of issue 20 with its ratio, "met" or "NOT met"; a goal whose sizes were not measured
# says so.
goal() { # NAME VALUE LIMIT UNIT: met when VALUE <= LIMIT
  awk -v name="$1" -v v="$2" -v lim="$3" -v u="$4" 'BEGIN {
    printf "%-62s %8.3f%s (goal <= %s%s): %s\n", name, v, u, lim, u, (v <= lim ? "met" : "NOT met")
  }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", a / b }'; }
per_site() { awk -v a5="$1" -v a1="$2" 'BEGIN { printf "%.4f", (a5 / 5000) / (a1 / 1000) }'; }
echo "goals (issue 20), wall times of this run:"
if [ -n "${build_ms[1000]:-}" ]; then
  goal "1. build / cp -r, 1000 edges" "$(ratio "${build_ms[1000]}" "${cp_ms[1000]}")" 0.8 x
  goal "1. build / Python+Jinja2, 1000 edges" "$(ratio "${build_ms[1000]}" "${jinja_ms[1000]}")" 0.5 x
  goal "2. no-op build / build, 1000 edges" "$(ratio "${noop_ms[1000]}" "${build_ms[1000]}")" 0.1 x
  goal "2. no-op build --check / build, 1000 edges" "$(ratio "${noopc_ms[1000]}" "${build_ms[1000]}")" 0.1 x
  goal "3. one edge changed / build, 1000 edges" "$(ratio "${incr_ms[1000]}" "${build_ms[1000]}")" 0.3 x
  goal "5. check, 1000 edges" "${check_ms[1000]}" 15 " ms"
else
  echo "goals 1, 2, 3 and 5: not measured (they are at 1000 edges; run without --smoke)"
fi
if [ -n "${build_ms[1000]:-}" ] && [ -n "${build_ms[5000]:-}" ]; then
  goal "4. per-site build, 5000 vs 1000 edges" "$(per_site "${build_ms[5000]}" "${build_ms[1000]}")" 1.05 x
  goal "4. per-site check, 5000 vs 1000 edges" "$(per_site "${check_ms[5000]}" "${check_ms[1000]}")" 1.05 x
  goal "4. per-site plan, 5000 vs 1000 edges" "$(per_site "${plan_ms[5000]}" "${plan_ms[1000]}")" 1.05 x
  goal "4. plan of two 5000-edge specs" "${plan_ms[5000]}" 100 " ms"
  goal "4. peak RSS, 5000 edges" "$(awk -v k="${rss_of[5000]}" 'BEGIN { printf "%.1f", k / 1024 }')" 100 " MB"
  awk -v u1="${build_cpu_ms[1000]}" -v u5="${build_cpu_ms[5000]}" -v c1="${cp_ms[1000]}" -v c5="${cp_ms[5000]}" 'BEGIN {
    printf "   (per-site build CPU %.2fx, cp -r %.2fx)\n", (u5 / 5000) / (u1 / 1000), (c5 / 5000) / (c1 / 1000)
  }'
else
  echo "goal 4: not measured (it compares 5000 edges with 1000)"
fi
echo "peak RSS over all sizes: $(awk -v k="$peak_rss_kb" 'BEGIN { printf "%.1f", k / 1024 }') MB"

if [ "$touched_total" -gt 0 ]; then
  echo "FAIL: a build wrote or touched files it should not have, or the generators disagree" >&2
  exit 1
fi
echo "ok: unchanged builds and checks touched no file; one changed edge wrote only its files; the generators agree"
