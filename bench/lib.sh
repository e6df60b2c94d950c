# Shell functions shared by compare, compare_nsd.sh and compare_unbound.sh. Sourced, not run.
#
# The sourcing script sets, before calling them:
#   LOG_TAG                  prefix of log lines
#   REPO_DIR BUILD_DIR WORK  repository, horizond build directory, work directory (mktemp -d)
#   LOOPBACK                 the address dnsperf and dig send to (127.0.0.1)
#   DURATION RATE CLIENTS THREADS OUTSTANDING ROUNDS WORKERS   as documented in each script
#   QUERY_FILE               dnsperf's input (name type per line)
# and registers every process it starts with `started PID`, so that `cleanup` (an EXIT trap)
# stops exactly those, by id.
# shellcheck shell=bash

log() { printf '[%s] %s\n' "${LOG_TAG}" "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# --- Tools ----------------------------------------------------------------------------------------

as_root() {
  if [[ "$(id -u)" -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

# install_missing COMMAND:PACKAGE ...: apt-get installs the packages whose command is missing.
install_missing() {
  local missing=() pair
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null || [[ -x "/usr/sbin/${pair%%:*}" ]] || missing+=("${pair#*:}")
  done
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
  fi
}

build_horizond() {
  if [[ -n "${HORIZOND:-}" ]]; then
    [[ -x "${HORIZOND}" ]] || die "HORIZOND=${HORIZOND} is not an executable"
    return
  fi
  log "building horizond (Release) in ${BUILD_DIR}"
  cmake -S "${REPO_DIR}" -B "${BUILD_DIR}" -DCMAKE_BUILD_TYPE=Release -DHORIZON_BUILD_TESTS=OFF \
    >"${WORK}/cmake-configure.log" 2>&1 || {
    cat "${WORK}/cmake-configure.log" >&2
    die "cmake configure failed"
  }
  cmake --build "${BUILD_DIR}" -j2 --target horizond >"${WORK}/cmake-build.log" 2>&1 || {
    tail -n 40 "${WORK}/cmake-build.log" >&2
    die "building horizond failed"
  }
  HORIZOND="${BUILD_DIR}/server/horizond"
}

# --- Processes ------------------------------------------------------------------------------------

STARTED_PIDS=()
# Checks one answer (as a script's describe_answer prints it) against what is expected: the exact
# status line, then for rdata "-" that no record of the type is there, else that this one is.
# Says why and returns 1 on a miss.
expect_answer() {
  local label="$1" answer="$2" name="$3" type="$4" status_line="$5" rdata="$6"
  if ! grep -qx "${status_line}" <<<"${answer}"; then
    log "${label}: ${name} ${type}: expected '${status_line}', got:"$'\n'"${answer}"
    return 1
  fi
  if [[ "${rdata}" == "-" ]]; then
    if awk -v t="${type}" '$4 == t' <<<"${answer}" | grep -q .; then
      log "${label}: ${name} ${type}: expected no ${type} records, got:"$'\n'"${answer}"
      return 1
    fi
  elif ! awk -v t="${type}" '$4 == t { print $5 }' <<<"${answer}" | grep -qx "${rdata}"; then
    log "${label}: ${name} ${type}: expected ${rdata}, got:"$'\n'"${answer}"
    return 1
  fi
}

# Shows the difference and returns 1 when two servers' answers to one question differ.
expect_same() {
  local label_a="$1" a="$2" label_b="$3" b="$4" name="$5" type="$6"
  [[ "${a}" == "${b}" ]] && return 0
  log "${name} ${type}: ${label_a} and ${label_b} differ:"
  diff <(echo "${a}") <(echo "${b}") >&2 || true
  return 1
}

# Prints the server and remote-control sections of an nsd.conf for a benchmark NSD: listening on
# ADDRESS@PORT with COUNT server processes, state and zone files in DIR, no privilege drop, no
# chroot, no database, minimal responses, and rate limiting off (it would throttle a single
# source at 200 qps): just the answer path, like horizond's.
# WORKERS=defaults (the default) runs every server with its own default number of workers:
# horizond one per CPU, NSD one server process, Knot udp-workers by CPU count, Unbound one
# thread. WORKERS=N gives each server N. These print the setting for one server, or nothing.
workers_is_number() { [[ "${WORKERS}" =~ ^[0-9]+$ ]]; }
workers_text() {
  if workers_is_number; then echo "${WORKERS} workers each"; else echo "each server at its default worker count"; fi
}
# workers_line KEY: "  KEY: N" for a config file, or nothing at the defaults.
workers_line() { if workers_is_number; then printf '  %s: %s\n' "$1" "${WORKERS}"; fi; }
# horizond_workers_flag: "--workers N", or nothing at the defaults.
horizond_workers_flag() { if workers_is_number; then echo "--workers ${WORKERS}"; fi; }

nsd_server_section() {
  local dir="$1" listen="$2" count="$3"
  cat <<EOF
server:
  ip-address: ${listen}
  do-ip6: no
$(if [[ "${count}" =~ ^[0-9]+$ ]]; then echo "  server-count: ${count}"; fi)
  reuseport: yes
  username: ""
  chroot: ""
  zonesdir: "${dir}"
  database: ""
  zonelistfile: "${dir}/zone.list"
  xfrdfile: "${dir}/xfrd.state"
  xfrdir: "${dir}"
  pidfile: "${dir}/nsd.pid"
  logfile: "${dir}/nsd.log"
  verbosity: 0
  hide-version: yes
  minimal-responses: yes
  rrl-ratelimit: 0
  rrl-whitelist-ratelimit: 0
remote-control:
  control-enable: no
EOF
}

started() { STARTED_PIDS+=("$1"); }

# alive PID: the process exists and is not a zombie (a child that exited but was not reaped yet
# still answers kill -0).
alive() {
  local rest
  { read -r rest <"/proc/$1/stat"; } 2>/dev/null || return 1
  rest="${rest##*) }"
  [[ "${rest:0:1}" != Z ]]
}

# stop_started PID...: stops these processes (each started by this script and registered with
# `started`), TERM then KILL after 5 s, and forgets them. By id only; each stops its own children.
stop_started() {
  local pid p keep=()
  for pid in "$@"; do kill -TERM "${pid}" 2>/dev/null || true; done
  for pid in "$@"; do
    for _ in $(seq 50); do
      alive "${pid}" || break
      sleep 0.1
    done
    kill -KILL "${pid}" 2>/dev/null || true
    wait "${pid}" 2>/dev/null || true
  done
  for p in "${STARTED_PIDS[@]}"; do [[ " $* " == *" ${p} "* ]] || keep+=("${p}"); done
  STARTED_PIDS=("${keep[@]}")
}

cleanup() {
  local status=$?
  # Only the processes this script started, by their ids.
  ((${#STARTED_PIDS[@]} == 0)) || stop_started "${STARTED_PIDS[@]}"
  wait 2>/dev/null || true
  if [[ -n "${WORK}" && -d "${WORK}" ]]; then
    if [[ "${KEEP_TMP:-0}" == 1 ]]; then log "work directory kept: ${WORK}"; else rm -rf "${WORK}"; fi
  fi
  exit "${status}"
}

port_in_use() {
  ss -Hlnu "sport = :$1" 2>/dev/null | grep -q . || ss -Hlnt "sport = :$1" 2>/dev/null | grep -q .
}

# wait_for_answer NAME ADDR PORT PID QNAME QTYPE: until the server gives an answer to a query it
# answers by itself (bounded: 10 s).
wait_for_answer() {
  local name="$1" addr="$2" port="$3" pid="$4" qname="$5" qtype="$6"
  for _ in $(seq 100); do
    kill -0 "${pid}" 2>/dev/null || die "${name} exited during start-up (see its log in ${WORK})"
    if dig @"${addr}" -p "${port}" +tries=1 +time=1 +short "${qname}" "${qtype}" 2>/dev/null |
      grep -q .; then
      return
    fi
    sleep 0.1
  done
  die "${name} did not answer on ${addr}:${port} within 10 s"
}

# --- /proc accounting -----------------------------------------------------------------------------

# The pid and all its descendants (NSD forks its servers and xfrd; horizond and Unbound have
# threads, whose times their own /proc/PID/stat already includes).
process_tree() {
  local root="$1"
  local -A parent=()
  local stat pid rest
  for stat in /proc/[0-9]*/stat; do
    # Processes come and go while we scan; a vanished one is simply not in the tree.
    { read -r rest <"${stat}"; } 2>/dev/null || continue
    pid="${rest%% *}"
    rest="${rest##*) }"  # the comm field may hold spaces; everything after ") " is fixed
    read -r _ ppid _ <<<"${rest}"
    parent["${pid}"]="${ppid}"
  done
  local tree=("${root}") changed=1 p
  while ((changed)); do
    changed=0
    for p in "${!parent[@]}"; do
      if [[ " ${tree[*]} " != *" ${p} "* && " ${tree[*]} " == *" ${parent[${p}]} "* ]]; then
        tree+=("${p}")
        changed=1
      fi
    done
  done
  echo "${tree[@]}"
}

# utime + stime of the tree, in clock ticks.
cpu_ticks() {
  local total=0 pid rest
  for pid in $(process_tree "$1"); do
    { read -r rest <"/proc/${pid}/stat"; } 2>/dev/null || continue
    rest="${rest##*) }"
    # Fields after "pid (comm) ": state is 1st, utime 12th, stime 13th (proc(5) fields 14, 15).
    local -a f
    read -r -a f <<<"${rest}"
    total=$((total + f[11] + f[12]))
  done
  echo "${total}"
}

# cpu_ns PID: nanoseconds on CPU of every thread of PID's process tree, from /proc/*/task/*/schedstat
# (the scheduler's own accounting); falls back to clock ticks when schedstat is missing. At
# 1,000 qps a 10 s run costs a server a few hundred milliseconds: ticks of 10 ms would decide.
cpu_ns() {
  local total=0 pid task ns rest
  if [[ ! -r /proc/self/schedstat ]]; then
    echo $(($(cpu_ticks "$1") * 1000000000 / $(getconf CLK_TCK)))
    return
  fi
  for pid in $(process_tree "$1"); do
    for task in /proc/"${pid}"/task/*/schedstat; do
      { read -r ns rest <"${task}"; } 2>/dev/null || continue
      total=$((total + ns))
    done
  done
  echo "${total}"
}

# Sum of a kB field over the tree: VmRSS from status, or Pss from smaps_rollup.
memory_kib() {
  local root="$1" field="$2" file="$3" total=0 pid value
  for pid in $(process_tree "${root}"); do
    value="$(awk -v f="${field}:" '$1 == f { print $2; exit }' "/proc/${pid}/${file}" 2>/dev/null)"
    total=$((total + ${value:-0}))
  done
  echo "${total}"
}

# --- Timing ---------------------------------------------------------------------------------------

# Runs dnsperf and sets DP_QPS and DP_COMPLETED from its summary (globals rather than output,
# so that a failure here stops the script instead of a subshell). Extra arguments go to dnsperf.
DP_QPS=""
DP_COMPLETED=""
run_dnsperf() {
  local port="$1" out="$2"
  shift 2
  timeout $((DURATION + 30)) dnsperf -s "${LOOPBACK}" -p "${port}" -d "${QUERY_FILE}" \
    -l "${DURATION}" -c "${CLIENTS}" -T "${THREADS}" -q "${OUTSTANDING}" -t 2 -e "$@" \
    >"${out}" 2>&1 || die "dnsperf failed; see ${out}:"$'\n'"$(tail -n 20 "${out}")"
  DP_QPS="$(awk '/Queries per second:/ { print $4 }' "${out}")"
  DP_COMPLETED="$(awk '/Queries completed:/ { print $3 }' "${out}")"
  [[ -n "${DP_QPS}" && -n "${DP_COMPLETED}" ]] || die "cannot read dnsperf's summary in ${out}"
}

declare -A RESULTS=()  # "server metric" -> space-separated values, one per round

record() { RESULTS["$1 $2"]="${RESULTS["$1 $2"]:-} $3"; }

# Server CPU microseconds per completed query between two cpu_ns readings.
us_per_query() {
  awk -v t=$(($2 - $1)) -v n="$3" 'BEGIN { printf "%.3f", t / 1000 / n }'
}

# measure_round SERVER PORT PID ROUND [DNSPERF_ARG...]: one round's runs of one server (a row:
# the same process may be timed under two labels, with different dnsperf arguments such as -D).
measure_round() {
  local server="$1" port="$2" pid="$3" round="$4"
  shift 4
  local qps before us_max us
  # CPU per query at saturation too: there batches are full, at a fixed rate wake-ups dominate.
  before="$(cpu_ns "${pid}")"
  run_dnsperf "${port}" "${WORK}/${server}-max-${round}.txt" "$@"
  qps="${DP_QPS}"
  us_max="$(us_per_query "${before}" "$(cpu_ns "${pid}")" "${DP_COMPLETED}")"
  record "${server}" qps "${qps}"
  record "${server}" cpumax "${us_max}"

  before="$(cpu_ns "${pid}")"
  run_dnsperf "${port}" "${WORK}/${server}-rate-${round}.txt" -Q "${RATE}" "$@"
  ((DP_COMPLETED > 0)) || die "${server}: no query completed at ${RATE} qps"
  us="$(us_per_query "${before}" "$(cpu_ns "${pid}")" "${DP_COMPLETED}")"
  record "${server}" cpu "${us}"
  record "${server}" rss "$(memory_kib "${pid}" VmRSS status)"
  record "${server}" pss "$(memory_kib "${pid}" Pss smaps_rollup)"
  log "round ${round} ${server}: ${qps} qps max (${us_max} us CPU/query);" \
    "${us} us CPU/query at ${RATE} qps (${DP_COMPLETED} answered)"
}

median() {
  tr ' ' '\n' <<<"$1" | grep . | sort -g |
    awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# percentile P VALUES: the nearest-rank P-th percentile (the smallest value at least P % of them
# do not exceed) of values separated by spaces or newlines; P=100 is the largest.
percentile() {
  tr ' ' '\n' <<<"$2" | grep . | sort -g |
    awk -v p="$1" '{ v[NR] = $1 } END { r = int(NR * p / 100); if (r < NR * p / 100) r++; if (r < 1) r = 1; print v[r] }'
}

ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.2f", a / b; else print "n/a" }'
}

# The columns of a table of medians; the first is wide enough for "horizond+DO/Unbound+DO".
readonly TABLE_FORMAT='%-22s %10s %14s %16s %9s %9s\n'

# table_header ROUNDS_TEXT: the load before the rounds, the run's settings and the column heads.
table_header() {
  # The runs load the machine themselves (dnsperf and 2 workers); before them the load should be
  # near 0, or other work (builds, tests) shared the CPUs and the figures are noise.
  echo "Load average before the rounds: ${LOAD_BEFORE} (well above 0 means other work shared the CPUs)"
  echo "Medians of ${ROUNDS} $1; ${DURATION} s per run; dnsperf -c ${CLIENTS} -T ${THREADS}" \
    "-q ${OUTSTANDING} -e; $(workers_text); $(nproc) CPUs shared with dnsperf"
  # shellcheck disable=SC2059 # the format is ours
  printf "${TABLE_FORMAT}" server "max qps" "CPU us/q @max" "CPU us/q @${RATE}" "RSS MiB" "PSS MiB"
  # shellcheck disable=SC2059
  printf "${TABLE_FORMAT}" ---------------------- ---------- -------------- ---------------- --------- ---------
}

# median_row SERVER [LABEL]: one server's medians.
median_row() {
  local s="$1"
  # shellcheck disable=SC2059
  printf "${TABLE_FORMAT}" "${2:-${s}}" "$(printf '%.0f' "$(med "${s}" qps)")" \
    "$(printf '%.2f' "$(med "${s}" cpumax)")" "$(printf '%.2f' "$(med "${s}" cpu)")" \
    "$(med "${s}" rss)" "$(med "${s}" pss)"
}

# per_round SERVER...: every round's values, to see whether two servers' rounds overlap.
per_round() {
  local s
  echo "Per round:"
  for s in "$@"; do
    [[ -n "${RESULTS["${s} qps"]:-}" ]] || continue
    echo "  ${s}: qps${RESULTS["${s} qps"]}; us/q @max${RESULTS["${s} cpumax"]};" \
      "us/q @${RATE}${RESULTS["${s} cpu"]}"
  done
}

# print_table SERVER... -- LABEL:A:B...: the servers' medians, then a row of A's over B's medians
# for each LABEL.
print_table() {
  local servers=() s spec label a b
  while (($#)) && [[ "$1" != -- ]]; do
    servers+=("$1")
    shift
  done
  shift
  echo
  table_header rounds
  for s in "${servers[@]}"; do median_row "${s}"; done
  for spec in "$@"; do
    IFS=: read -r label a b <<<"${spec}"
    ratio_row "${TABLE_FORMAT}" "${a}" "${label}" "${b}" "${b}" "${b}" "${b}" "${b}"
  done
  echo
  per_round "${servers[@]}"
  echo "(max qps higher is better; CPU per query and memory lower is better)"
}

# med SERVER METRIC: the median of a metric's per-round values (RESULTS), memory in MiB.
med() {
  local v
  v="$(median "${RESULTS["$1 $2"]:-}")"
  case "$2" in
  rss | pss) awk -v k="${v:-0}" 'BEGIN { printf "%.1f", k / 1024 }' ;;
  *) echo "${v}" ;;
  esac
}

# best_of METRIC high|low SERVER...: the server with the highest or lowest median.
best_of() {
  local metric="$1" dir="$2" s best="" best_v="" v
  shift 2
  for s in "$@"; do
    v="$(med "${s}" "${metric}")"
    [[ -n "${v}" ]] || continue
    if [[ -z "${best}" ]] || awk -v a="${v}" -v b="${best_v}" -v d="${dir}" \
      'BEGIN { exit !((d == "high") ? a > b : a < b) }'; then
      best="${s}" best_v="${v}"
    fi
  done
  echo "${best}"
}

# One row of ratios: subject's medians over those of the servers named for each column
# (qps, CPU per query at max, CPU per query at the fixed rate, RSS, PSS).
ratio_row() {
  local format="$1" subject="$2" label="$3" q="$4" cm="$5" c="$6" r="$7" p="$8"
  # shellcheck disable=SC2059
  printf "${format}" "${label}" \
    "$(ratio "$(med "${subject}" qps)" "$(med "${q}" qps)")" \
    "$(ratio "$(med "${subject}" cpumax)" "$(med "${cm}" cpumax)")" \
    "$(ratio "$(med "${subject}" cpu)" "$(med "${c}" cpu)")" \
    "$(ratio "$(med "${subject}" rss)" "$(med "${r}" rss)")" \
    "$(ratio "$(med "${subject}" pss)" "$(med "${p}" pss)")"
}

# print_comparison SUBJECT CEILING PEER...: a table of medians for SUBJECT, the PEERs and the
# CEILING (any may be missing from RESULTS: refused, not timed), then SUBJECT's ratios to the
# best peer of each column (highest qps, lowest CPU and memory) and to the ceiling.
print_comparison() {
  local subject="$1" ceiling="$2" s
  shift 2
  local peers=("$@")
  local format="${TABLE_FORMAT}"
  table_header "interleaved rounds"
  for s in "${subject}" "${peers[@]}" "${ceiling}"; do
    [[ -n "${RESULTS["${s} qps"]:-}" ]] || continue
    median_row "${s}" "${s}$([[ "${s}" == "${ceiling}" ]] && echo ' (ceiling)')"
  done
  local timed_peers=()
  for s in "${peers[@]}"; do [[ -z "${RESULTS["${s} qps"]:-}" ]] || timed_peers+=("${s}"); done
  if [[ -n "${RESULTS["${subject} qps"]:-}" && ${#timed_peers[@]} -gt 0 ]]; then
    local bq bcm bc br bp
    bq="$(best_of qps high "${timed_peers[@]}")"
    bcm="$(best_of cpumax low "${timed_peers[@]}")"
    bc="$(best_of cpu low "${timed_peers[@]}")"
    br="$(best_of rss low "${timed_peers[@]}")"
    bp="$(best_of pss low "${timed_peers[@]}")"
    ratio_row "${format}" "${subject}" "${subject}/best peer" "${bq}" "${bcm}" "${bc}" "${br}" "${bp}"
    # shellcheck disable=SC2059
    printf "${format}" "  (best peer)" "${bq}" "${bcm}" "${bc}" "${br}" "${bp}"
  fi
  if [[ -n "${RESULTS["${subject} qps"]:-}" && -n "${RESULTS["${ceiling} qps"]:-}" ]]; then
    ratio_row "${format}" "${subject}" "${subject}/ceiling" "${ceiling}" "${ceiling}" \
      "${ceiling}" "${ceiling}" "${ceiling}"
  fi
  echo "(max qps higher is better; CPU per query and memory lower is better; a ratio below 1 in"
  echo " the CPU and memory columns, above 1 in the qps column, is a win for ${subject})"
  per_round "${subject}" "${peers[@]}" "${ceiling}"
}
