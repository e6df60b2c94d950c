#!/usr/bin/env bash
# Side-by-side benchmark of horizond against NSD serving the same data, on loopback only.
#
# NSD has no views, so it serves the data horizond gives the LAN view (127.0.0.0/8 is in that
# view): the *.madhan.app wildcard to the gateway, auth/netbird/proxy/*.proxy to the VPS, and the
# SOA and NS that horizond itself answers. Both run 2 workers (NSD `server-count: 2` with
# SO_REUSEPORT, horizond `--workers 2`). Before any timing, every query of the mix is asked of
# both with dig and the run aborts unless both give the expected answer, identically.
#
# Then, in interleaved rounds (horizond, NSD, horizond, NSD, ...) so that drift on a shared
# machine hits both alike, dnsperf measures:
#   - max qps: unlimited rate, dnsperf's "Queries per second", and the server CPU per query there;
#   - CPU us/query at a fixed rate: utime+stime of the server's whole process tree (/proc/PID/stat
#     of every descendant, threads included) before and after, over the queries completed;
#   - memory after the rounds' load: VmRSS summed over the tree, and PSS (smaps_rollup), which
#     counts the pages NSD's forked processes share once rather than once per process.
# It prints the medians and the horizond/NSD ratios.
#
# Environment (all optional):
#   HORIZOND=path   horizond binary to use; otherwise it is built (Release) into BUILD_DIR
#   BUILD_DIR=dir   default <repo>/build-bench
#   ROUNDS=3        rounds per server; DURATION=10 seconds per dnsperf run
#   RATE=20000      queries per second for the CPU measurement
#   CLIENTS=4 THREADS=2 OUTSTANDING=100   dnsperf -c, -T, -q
#   HZ_PORT=15353 NSD_PORT=15354         UDP/TCP ports on 127.0.0.1
#   KEEP_TMP=1      keep the work directory (configs, logs, dnsperf output)
#
# Every packet goes to 127.0.0.1; every run is bounded by dnsperf -l and by timeout(1); the
# total is about ROUNDS * 2 servers * 2 runs * DURATION seconds plus start-up (~2.5 minutes with
# the defaults).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "${SCRIPT_DIR}/.." && pwd)"
readonly SCRIPT_DIR REPO_DIR
readonly ZONE_FILE="${REPO_DIR}/zones/madhan.app.yaml"
readonly ORIGIN="madhan.app"

ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-10}"
RATE="${RATE:-20000}"
CLIENTS="${CLIENTS:-4}"
THREADS="${THREADS:-2}"
OUTSTANDING="${OUTSTANDING:-100}"
HZ_PORT="${HZ_PORT:-15353}"
NSD_PORT="${NSD_PORT:-15354}"
BUILD_DIR="${BUILD_DIR:-${REPO_DIR}/build-bench}"
readonly LOOPBACK="127.0.0.1"
readonly WORKERS=2

log() { printf '[compare_nsd] %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# --- Tools ----------------------------------------------------------------------------------------

as_root() {
  if [[ "$(id -u)" -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

install_tools() {
  local missing=()
  command -v dnsperf >/dev/null || missing+=(dnsperf)
  command -v nsd >/dev/null || missing+=(nsd)
  command -v dig >/dev/null || missing+=(dnsutils)
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

HZ_PID=""
NSD_PID=""
WORK=""
LOAD_BEFORE=""

cleanup() {
  local status=$?
  # Only the processes this script started, by their ids.
  for pid in ${HZ_PID} ${NSD_PID}; do
    kill -TERM "${pid}" 2>/dev/null || true
  done
  for pid in ${HZ_PID} ${NSD_PID}; do
    for _ in $(seq 50); do
      kill -0 "${pid}" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "${pid}" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  if [[ -n "${WORK}" && -d "${WORK}" ]]; then
    if [[ "${KEEP_TMP:-0}" == 1 ]]; then log "work directory kept: ${WORK}"; else rm -rf "${WORK}"; fi
  fi
  exit "${status}"
}

port_in_use() {
  ss -Hlnu "sport = :$1" 2>/dev/null | grep -q . || ss -Hlnt "sport = :$1" 2>/dev/null | grep -q .
}

# Waits until a server answers an SOA query on its port (bounded: 10 s).
wait_for_answer() {
  local name="$1" port="$2" pid="$3"
  for _ in $(seq 100); do
    kill -0 "${pid}" 2>/dev/null || die "${name} exited during start-up (see its log in ${WORK})"
    if dig @"${LOOPBACK}" -p "${port}" +tries=1 +time=1 +short "${ORIGIN}" SOA 2>/dev/null |
      grep -q .; then
      return
    fi
    sleep 0.1
  done
  die "${name} did not answer on ${LOOPBACK}:${port} within 10 s"
}

start_horizond() {
  log "starting horizond on ${LOOPBACK}:${HZ_PORT} with ${WORKERS} workers"
  "${HORIZOND}" --zone "${ZONE_FILE}" --listen "${LOOPBACK}:${HZ_PORT}" --workers "${WORKERS}" \
    >"${WORK}/horizond.log" 2>&1 &
  HZ_PID=$!
  wait_for_answer horizond "${HZ_PORT}" "${HZ_PID}"
}

# NSD's zone: the LAN view as horizond serves it. The apex SOA and NS are copied from horizond's
# own answers, so both servers hold byte-identical data whatever defaults the loader applies.
write_nsd_zone() {
  local apex
  apex="$(dig @"${LOOPBACK}" -p "${HZ_PORT}" +tries=1 +time=2 +noall +answer "${ORIGIN}" SOA
    dig @"${LOOPBACK}" -p "${HZ_PORT}" +tries=1 +time=2 +noall +answer "${ORIGIN}" NS)"
  grep -q $'\tSOA\t' <<<"${apex}" || die "horizond gave no SOA for ${ORIGIN}: ${apex}"
  grep -q $'\tNS\t' <<<"${apex}" || die "horizond gave no NS for ${ORIGIN}: ${apex}"
  local ttl
  ttl="$(awk '$4 == "SOA" { print $2; exit }' <<<"${apex}")"
  cat >"${WORK}/nsd/${ORIGIN}.zone" <<EOF
; The LAN view of zones/madhan.app.yaml, for NSD (no views). Generated by bench/compare_nsd.sh.
\$ORIGIN ${ORIGIN}.
\$TTL ${ttl}
${apex}
*        A  192.168.1.220
auth     A  178.156.199.250
netbird  A  178.156.199.250
proxy    A  178.156.199.250
*.proxy  A  178.156.199.250
EOF
}

start_nsd() {
  mkdir -p "${WORK}/nsd"
  write_nsd_zone
  # Rate limiting off (it would throttle a single source at 200 qps), no privilege drop, no
  # chroot, no database: just the answer path, like horizond's.
  cat >"${WORK}/nsd/nsd.conf" <<EOF
server:
  ip-address: ${LOOPBACK}@${NSD_PORT}
  do-ip6: no
  server-count: ${WORKERS}
  reuseport: yes
  username: ""
  chroot: ""
  zonesdir: "${WORK}/nsd"
  database: ""
  zonelistfile: "${WORK}/nsd/zone.list"
  xfrdfile: "${WORK}/nsd/xfrd.state"
  xfrdir: "${WORK}/nsd"
  pidfile: "${WORK}/nsd/nsd.pid"
  logfile: "${WORK}/nsd/nsd.log"
  verbosity: 0
  hide-version: yes
  minimal-responses: yes
  rrl-ratelimit: 0
  rrl-whitelist-ratelimit: 0
remote-control:
  control-enable: no
zone:
  name: ${ORIGIN}
  zonefile: ${ORIGIN}.zone
EOF
  nsd-checkconf "${WORK}/nsd/nsd.conf" || die "nsd-checkconf rejected the generated config"
  log "starting NSD on ${LOOPBACK}:${NSD_PORT} with server-count ${WORKERS}"
  nsd -d -c "${WORK}/nsd/nsd.conf" >"${WORK}/nsd/stdout.log" 2>&1 &
  NSD_PID=$!
  wait_for_answer NSD "${NSD_PORT}" "${NSD_PID}"
}

# --- /proc accounting -----------------------------------------------------------------------------

# The pid and all its descendants (NSD forks its servers and xfrd; horizond has threads, whose
# times its own /proc/PID/stat already includes).
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

# Sum of a kB field over the tree: VmRSS from status, or Pss from smaps_rollup.
memory_kib() {
  local root="$1" field="$2" file="$3" total=0 pid value
  for pid in $(process_tree "${root}"); do
    value="$(awk -v f="${field}:" '$1 == f { print $2; exit }' "/proc/${pid}/${file}" 2>/dev/null)"
    total=$((total + ${value:-0}))
  done
  echo "${total}"
}

# --- Queries --------------------------------------------------------------------------------------

# name type expected-status expected-answer-rdata ("-" for none). The mix a LAN client sends:
# published and unpublished services, the VPS names, a NODATA and deep names that exist only
# through a wildcard (on the LAN view nothing under madhan.app is NXDOMAIN).
readonly QUERIES="
grafana.${ORIGIN} A NOERROR 192.168.1.220
sonarr.${ORIGIN} A NOERROR 192.168.1.220
radarr.${ORIGIN} A NOERROR 192.168.1.220
auth.${ORIGIN} A NOERROR 178.156.199.250
netbird.${ORIGIN} A NOERROR 178.156.199.250
x.proxy.${ORIGIN} A NOERROR 178.156.199.250
grafana.${ORIGIN} AAAA NOERROR -
auth.${ORIGIN} AAAA NOERROR -
no.such.deep.name.${ORIGIN} A NOERROR 192.168.1.220
a.b.proxy.${ORIGIN} A NOERROR 178.156.199.250
"

# Status, flags and every section of the response, normalised so two servers can be compared.
describe_answer() {
  local port="$1" name="$2" type="$3"
  dig @"${LOOPBACK}" -p "${port}" +tries=2 +time=2 +nocookie +noall +comments +answer +authority \
    "${name}" "${type}" |
    awk '/^;; ->>HEADER<<-/ { sub(/.*status: /, ""); sub(/,.*/, ""); print "status " $0; next }
         /^;; flags:/ { sub(/;; flags: /, ""); sub(/;.*/, ""); print "flags " $0; next }
         /^;/ || NF == 0 { next }
         { $1 = $1; print }'
}

check_answers() {
  local failed=0 name type status rdata hz nsd
  while read -r name type status rdata; do
    [[ -n "${name}" ]] || continue
    hz="$(describe_answer "${HZ_PORT}" "${name}" "${type}")"
    nsd="$(describe_answer "${NSD_PORT}" "${name}" "${type}")"
    if ! grep -qx "status ${status}" <<<"${hz}"; then
      log "horizond: ${name} ${type}: expected ${status}, got:"$'\n'"${hz}"
      failed=1
    fi
    if [[ "${rdata}" == "-" ]]; then
      if awk -v t="${type}" '$4 == t' <<<"${hz}" | grep -q .; then
        log "horizond: ${name} ${type}: expected no ${type} records, got:"$'\n'"${hz}"
        failed=1
      fi
    elif ! awk -v t="${type}" '$4 == t { print $5 }' <<<"${hz}" | grep -qx "${rdata}"; then
      log "horizond: ${name} ${type}: expected ${rdata}, got:"$'\n'"${hz}"
      failed=1
    fi
    if [[ "${hz}" != "${nsd}" ]]; then
      log "${name} ${type}: horizond and NSD differ:"
      diff <(echo "${hz}") <(echo "${nsd}") >&2 || true
      failed=1
    fi
  done <<<"${QUERIES}"
  ((failed == 0)) || die "the servers do not give the expected, identical answers; not timing"
  log "both servers answer all $(grep -c . <<<"${QUERIES}") queries identically and as expected"
}

write_query_file() {
  awk 'NF { print $1, $2 }' <<<"${QUERIES}" >"${WORK}/queries.txt"
}

# --- Timing ---------------------------------------------------------------------------------------

# Runs dnsperf and sets DP_QPS and DP_COMPLETED from its summary (globals rather than output,
# so that a failure here stops the script instead of a subshell). Extra arguments go to dnsperf.
DP_QPS=""
DP_COMPLETED=""
run_dnsperf() {
  local port="$1" out="$2"
  shift 2
  timeout $((DURATION + 30)) dnsperf -s "${LOOPBACK}" -p "${port}" -d "${WORK}/queries.txt" \
    -l "${DURATION}" -c "${CLIENTS}" -T "${THREADS}" -q "${OUTSTANDING}" -t 2 -e "$@" \
    >"${out}" 2>&1 || die "dnsperf failed; see ${out}:"$'\n'"$(tail -n 20 "${out}")"
  DP_QPS="$(awk '/Queries per second:/ { print $4 }' "${out}")"
  DP_COMPLETED="$(awk '/Queries completed:/ { print $3 }' "${out}")"
  [[ -n "${DP_QPS}" && -n "${DP_COMPLETED}" ]] || die "cannot read dnsperf's summary in ${out}"
}

declare -A RESULTS=()  # "server metric" -> space-separated values, one per round

record() { RESULTS["$1 $2"]="${RESULTS["$1 $2"]:-} $3"; }

# Server CPU microseconds per completed query between two cpu_ticks readings.
us_per_query() {
  awk -v t=$(($2 - $1)) -v hz="$(getconf CLK_TCK)" -v n="$3" \
    'BEGIN { printf "%.3f", t * 1e6 / hz / n }'
}

measure_round() {
  local server="$1" port="$2" pid="$3" round="$4"
  local qps before us_max us
  # CPU per query at saturation too: there batches are full, at a fixed rate wake-ups dominate.
  before="$(cpu_ticks "${pid}")"
  run_dnsperf "${port}" "${WORK}/${server}-max-${round}.txt"
  qps="${DP_QPS}"
  us_max="$(us_per_query "${before}" "$(cpu_ticks "${pid}")" "${DP_COMPLETED}")"
  record "${server}" qps "${qps}"
  record "${server}" cpumax "${us_max}"

  before="$(cpu_ticks "${pid}")"
  run_dnsperf "${port}" "${WORK}/${server}-rate-${round}.txt" -Q "${RATE}"
  ((DP_COMPLETED > 0)) || die "${server}: no query completed at ${RATE} qps"
  us="$(us_per_query "${before}" "$(cpu_ticks "${pid}")" "${DP_COMPLETED}")"
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

print_table() {
  local s
  declare -A med=()
  for s in horizond nsd; do
    med["${s} qps"]="$(median "${RESULTS["${s} qps"]}")"
    med["${s} cpumax"]="$(median "${RESULTS["${s} cpumax"]}")"
    med["${s} cpu"]="$(median "${RESULTS["${s} cpu"]}")"
    med["${s} rss"]="$(awk -v k="$(median "${RESULTS["${s} rss"]}")" 'BEGIN { printf "%.1f", k / 1024 }')"
    med["${s} pss"]="$(awk -v k="$(median "${RESULTS["${s} pss"]}")" 'BEGIN { printf "%.1f", k / 1024 }')"
  done
  ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
  local format='%-14s %10s %14s %16s %9s %9s\n'
  echo
  # The runs load the machine themselves (dnsperf and 2 workers); before them the load should be
  # near 0, or other work (builds, tests) shared the CPUs and the figures are noise.
  echo "Load average before the rounds: ${LOAD_BEFORE} (well above 0 means other work shared the CPUs)"
  echo "Medians of ${ROUNDS} rounds; ${DURATION} s per run; dnsperf -c ${CLIENTS} -T ${THREADS}" \
    "-q ${OUTSTANDING} -e; ${WORKERS} workers each; $(nproc) CPUs shared with dnsperf"
  # shellcheck disable=SC2059 # the format is ours
  printf "${format}" server "max qps" "CPU us/q @max" "CPU us/q @${RATE}" "RSS MiB" "PSS MiB"
  # shellcheck disable=SC2059
  printf "${format}" -------------- ---------- -------------- ---------------- --------- ---------
  for s in horizond nsd; do
    # shellcheck disable=SC2059
    printf "${format}" "${s}" "$(printf '%.0f' "${med["${s} qps"]}")" \
      "$(printf '%.2f' "${med["${s} cpumax"]}")" "$(printf '%.2f' "${med["${s} cpu"]}")" \
      "${med["${s} rss"]}" "${med["${s} pss"]}"
  done
  # shellcheck disable=SC2059
  printf "${format}" "horizond/NSD" \
    "$(ratio "${med["horizond qps"]}" "${med["nsd qps"]}")" \
    "$(ratio "${med["horizond cpumax"]}" "${med["nsd cpumax"]}")" \
    "$(ratio "${med["horizond cpu"]}" "${med["nsd cpu"]}")" \
    "$(ratio "${med["horizond rss"]}" "${med["nsd rss"]}")" \
    "$(ratio "${med["horizond pss"]}" "${med["nsd pss"]}")"
  echo
  echo "Per round:"
  for s in horizond nsd; do
    echo "  ${s}: qps${RESULTS["${s} qps"]}; us/q @max${RESULTS["${s} cpumax"]};" \
      "us/q @${RATE}${RESULTS["${s} cpu"]}"
  done
  echo "(max qps higher is better; CPU per query and memory lower is better)"
}

main() {
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  WORK="$(mktemp -d /tmp/horizon-compare-nsd.XXXXXX)"
  install_tools
  build_horizond
  for port in "${HZ_PORT}" "${NSD_PORT}"; do
    ! port_in_use "${port}" || die "port ${port} is in use; set HZ_PORT / NSD_PORT"
  done
  start_horizond
  start_nsd
  check_answers
  write_query_file
  LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
  for round in $(seq "${ROUNDS}"); do
    measure_round horizond "${HZ_PORT}" "${HZ_PID}" "${round}"
    measure_round nsd "${NSD_PORT}" "${NSD_PID}" "${round}"
  done
  print_table
}

main "$@"
