#!/usr/bin/env bash
# Side-by-side benchmark of horizond's recursive resolver against Unbound, answering from their
# caches, on loopback only; with DNSSEC=1, the same over a signed hierarchy, validating.
#
# The hierarchy is one NSD on HIER_ADDR:53 (127.53.250.1; port 53 because root hints carry no
# port, so this needs root) serving the root zone "." (which delegates bench. to ns.bench., glue
# HIER_ADDR), bench.: n0..n499.bench. A (documentation addresses), c0..c19 CNAME to some of
# them, and its child sec.bench.: h0..h<COLD_NAMES-1>.sec.bench. A. Each SOA's negative TTL is a
# day (so nx*.bench. NXDOMAIN and n*.bench. AAAA NODATA stay cached too), everything has TTL
# 86400. Both resolvers get the same root hints file, naming only ns.bench. at HIER_ADDR, so
# neither sends a packet outside 127.0.0.0/8.
#
# DNSSEC=0 (the default, bench/compare's part "recursive"): the zones are unsigned; Unbound runs
# with module-config "iterator" and horizond with --no-dnssec, so neither validates. The
# resolvers are "horizond" and "unbound".
#
# DNSSEC=1 (bench/compare's part "dnssec"): the zones are signed at start with ldns-keygen and
# ldns-signzone (NSEC; the root RSASHA256 with a KSK and a ZSK, bench. and sec.bench.
# ECDSAP256SHA256 with one key each), each parent carries its child's DS, and the root KSK's DS
# is the only trust anchor (root.ds). Three resolvers: "horizond-plain" (--no-dnssec, the cost of
# the same answers unvalidated), "horizond" (--trust-anchor root.ds) and "unbound"
# (trust-anchor-file: root.ds, module-config "validator iterator"). The rounds time five rows:
# horizond-plain, horizond, horizond+DO (the same process, queries with DO: dnsperf -D, so the
# RRSIGs and NSEC proofs are rendered too), unbound, unbound+DO; the mix adds the sec.bench.
# names. The table gives horizond over horizond-plain (the cost of validated cache hits) and
# over Unbound. Then the cold part: in each of ROUNDS rounds every resolver is restarted (an
# empty cache) and asked the COLD_NAMES names h*.sec.bench. one at a time (dnsperf -c 1 -q 1,
# its per-query latencies with -v); the first of them also fetches and validates the chain of
# trust (the DNSKEYs of ., bench. and sec.bench. and two DS), every later one an A RRset and its
# RRSIG. It prints the first name's latency (median over the rounds) and the median and 99th
# percentile over every name of every round, in ms.
#
# Before any timing, a sample of every kind of name (positive, CNAME, NXDOMAIN, NODATA) is
# resolved through every resolver with dig, from their empty caches, and the run aborts unless
# they give the expected rcode and the same answer and authority records (TTLs aside), and, asked
# with DO, AD exactly from the validating ones. Then one dnsperf pass over every name warms each
# cache (and must give no SERVFAIL).
#
# Then, in interleaved rounds (horizond, Unbound, horizond, ...), dnsperf over the cached names
# measures, as compare_nsd.sh does (see bench/lib.sh): max qps and the server CPU per query
# there, CPU us/query at a fixed rate (utime+stime of the server's process tree from /proc), and
# VmRSS/PSS after the load. NSD's CPU across the rounds is printed too: it should be ~0, proof
# that the rounds were cache hits. It prints the medians and the ratios.
#
# Environment (all optional):
#   HORIZOND=path   horizond binary to use; otherwise it is built (Release) into BUILD_DIR
#   BUILD_DIR=dir   default <repo>/build-bench
#   DNSSEC=0        1: the signed hierarchy, validating resolvers, and the cold part
#   COLD_NAMES=200  names of sec.bench. (the cold part's questions)
#   ROUNDS=3        rounds per server; DURATION=10 seconds per dnsperf run
#   RATE=20000      queries per second for the CPU measurement
#   WORKERS=defaults  each server at its default worker count (horizond one per CPU, Unbound one
#                   thread); a number N gives both N
#   CLIENTS=4 THREADS=2 OUTSTANDING=100   dnsperf -c, -T, -q
#   HZ_PORT=15355 UB_PORT=15356 HZ_PLAIN_PORT=15357   resolvers' UDP/TCP ports on 127.0.0.1
#   HIER_ADDR=127.53.250.1                the hierarchy's NSD (port 53)
#   KEEP_TMP=1      keep the work directory (configs, keys, zones, logs, dnsperf output)
#
# Every packet goes to 127.0.0.0/8; every dnsperf run is bounded by -l (the warm-up and cold runs
# by -n 1) and by timeout(1); the total is about ROUNDS * rows * 2 runs * DURATION seconds (2
# rows, or 5 with DNSSEC=1) plus ~15 s of start-up and checks; with DNSSEC=1 ~30 s, and the cold
# part ~8 s per resolver and round (dnsperf at -q 1 sends the next query ~40 ms after an answer).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "${SCRIPT_DIR}/.." && pwd)"
readonly SCRIPT_DIR REPO_DIR

ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-10}"
RATE="${RATE:-20000}"
CLIENTS="${CLIENTS:-4}"
THREADS="${THREADS:-2}"
OUTSTANDING="${OUTSTANDING:-100}"
DNSSEC="${DNSSEC:-0}"
COLD_NAMES="${COLD_NAMES:-200}"
HZ_PORT="${HZ_PORT:-15355}"
UB_PORT="${UB_PORT:-15356}"
HZ_PLAIN_PORT="${HZ_PLAIN_PORT:-15357}"
HIER_ADDR="${HIER_ADDR:-127.53.250.1}"
BUILD_DIR="${BUILD_DIR:-${REPO_DIR}/build-bench}"
readonly LOOPBACK="127.0.0.1"
WORKERS="${WORKERS:-defaults}"
readonly LOG_TAG="compare_unbound"
readonly NAMES=500 CNAMES=20 NXNAMES=20 NODATA=10
readonly HZ_ZONE="horizon-bench.internal"
readonly LEAF="sec.bench"
WORK=""
LOAD_BEFORE=""
QUERY_FILE=""
NSD_PID=""
declare -A PORT=([horizond]="${HZ_PORT}" [unbound]="${UB_PORT}" [horizond-plain]="${HZ_PLAIN_PORT}")
declare -A PID=()

[[ "${HIER_ADDR}" == 127.* ]] || { echo "HIER_ADDR must be in 127.0.0.0/8" >&2; exit 1; }
[[ "${DNSSEC}" == 0 || "${DNSSEC}" == 1 ]] || { echo "DNSSEC must be 0 or 1" >&2; exit 1; }

# The resolvers, in round order, and whether each validates.
if ((DNSSEC)); then
  readonly RESOLVERS=(horizond-plain horizond unbound)
  declare -A VALIDATES=([horizond-plain]=0 [horizond]=1 [unbound]=1)
else
  readonly RESOLVERS=(horizond unbound)
  declare -A VALIDATES=([horizond]=0 [unbound]=0)
fi

# shellcheck source=lib.sh source-path=SCRIPTDIR
source "${SCRIPT_DIR}/lib.sh"

install_tools() {
  local tools=(dnsperf:dnsperf nsd:nsd unbound:unbound dig:dnsutils)
  ((DNSSEC == 0)) || tools+=(ldns-signzone:ldnsutils)
  install_missing "${tools[@]}"
}

# --- The hierarchy --------------------------------------------------------------------------------

# The address of n<i>.bench.: 192.0.2.1-250, then 198.51.100.1-250 (documentation space, so
# neither resolver's rebinding protection applies).
name_address() {
  local i="$1"
  if ((i < 250)); then echo "192.0.2.$((i + 1))"; else echo "198.51.100.$((i - 250 + 1))"; fi
}

# The address of h<i>.sec.bench.: 203.0.113.1-250, round again past 250 (documentation space).
leaf_address() { echo "203.0.113.$((${1} % 250 + 1))"; }

# c<i>.bench. CNAME n<cname_target i>.bench.
cname_target() { echo $(((${1} * 7) % NAMES)); }

write_hierarchy() {
  local d="${WORK}/nsd" i
  mkdir -p "${d}"
  cat >"${d}/root.zone" <<EOF
; The root of the benchmark hierarchy. Generated by bench/compare_unbound.sh.
\$ORIGIN .
\$TTL 86400
.          SOA  ns.bench. hostmaster.bench. 1 3600 600 86400 86400
.          NS   ns.bench.
bench.     NS   ns.bench.
ns.bench.  A    ${HIER_ADDR}
EOF
  {
    echo "; bench., served by the same NSD. Generated by bench/compare_unbound.sh."
    echo "\$ORIGIN bench."
    echo "\$TTL 86400"
    echo "@    SOA  ns hostmaster 1 3600 600 86400 86400"
    echo "@    NS   ns"
    echo "ns   A    ${HIER_ADDR}"
    echo "sec  NS   ns"
    for ((i = 0; i < NAMES; i++)); do echo "n${i} A $(name_address "${i}")"; done
    for ((i = 0; i < CNAMES; i++)); do echo "c${i} CNAME n$(cname_target "${i}")"; done
  } >"${d}/bench.zone"
  {
    echo "; ${LEAF}., a child of bench. on the same NSD. Generated by bench/compare_unbound.sh."
    echo "\$ORIGIN ${LEAF}."
    echo "\$TTL 86400"
    echo "@    SOA  ns.bench. hostmaster.bench. 1 3600 600 86400 86400"
    echo "@    NS   ns.bench."
    for ((i = 0; i < COLD_NAMES; i++)); do echo "h${i} A $(leaf_address "${i}")"; done
  } >"${d}/${LEAF}.zone"
  # named.root format, as both resolvers read it.
  cat >"${WORK}/root.hints" <<EOF
; Root hints of the benchmark hierarchy: one root server, on loopback.
.                        3600000      NS    NS.BENCH.
NS.BENCH.                3600000      A     ${HIER_ADDR}
EOF
  ((DNSSEC == 0)) || sign_hierarchy
}

# A signature time as ldns-signzone reads it (YYYYMMDDHHMMSS, UTC), for date -d's RELATIVE time.
stamp() { date -u -d "$1" +%Y%m%d%H%M%S; }

# sign_zone ORIGIN FILE ALGORITHM: makes the zone's keys (the root a KSK and a ZSK, as the real
# root; other zones one key, a KSK that signs everything), writes FILE.signed (NSEC) and prints
# the KSK's DS (SHA-256) for the parent. Signatures start 6 hours back, so a clock a little
# behind does not make them bogus, and end 28 days ahead.
sign_zone() {
  local origin="$1" file="$2" algorithm="$3" d="${WORK}/keys" size=() keys=()
  mkdir -p "${d}"
  [[ "${algorithm}" != RSA* ]] || size=(-b 2048)
  keys+=("${d}/$(cd "${d}" && ldns-keygen -a "${algorithm}" "${size[@]}" -k "${origin}")")
  [[ "${origin}" != . ]] || keys+=("${d}/$(cd "${d}" && ldns-keygen -a "${algorithm}" "${size[@]}" "${origin}")")
  ldns-signzone -i "$(stamp '6 hours ago')" -e "$(stamp '28 days')" -o "${origin}" \
    -f "${file}.signed" "${file}" "${keys[@]}" >>"${WORK}/sign.log" 2>&1 ||
    die "ldns-signzone failed for ${origin}:"$'\n'"$(tail -n 20 "${WORK}/sign.log")"
  ldns-key2ds -n -2 "${keys[0]}.key"
}

# Bottom up, since a parent signs its children's DS; the root's DS is the trust anchor.
sign_hierarchy() {
  local d="${WORK}/nsd"
  log "signing ${LEAF}., bench. and . (ldns-signzone)"
  sign_zone "${LEAF}." "${d}/${LEAF}.zone" ECDSAP256SHA256 >>"${d}/bench.zone"
  sign_zone bench. "${d}/bench.zone" ECDSAP256SHA256 >>"${d}/root.zone"
  sign_zone . "${d}/root.zone" RSASHA256 >"${WORK}/root.ds"
  grep -q ' DS ' <(tr '\t' ' ' <"${WORK}/root.ds") || die "no root DS in ${WORK}/root.ds"
}

# The file NSD serves for a zone: the signed one with DNSSEC=1.
served() { if ((DNSSEC)); then echo "$1.signed"; else echo "$1"; fi; }

start_nsd() {
  local d="${WORK}/nsd"
  write_hierarchy
  {
    nsd_server_section "${d}" "${HIER_ADDR}@53" 1
    cat <<EOF
zone:
  name: "."
  zonefile: $(served root.zone)
zone:
  name: bench.
  zonefile: $(served bench.zone)
zone:
  name: ${LEAF}.
  zonefile: $(served "${LEAF}.zone")
EOF
  } >"${d}/nsd.conf"
  nsd-checkconf "${d}/nsd.conf" || die "nsd-checkconf rejected the generated config"
  log "starting NSD (the hierarchy: ., bench. and ${LEAF}.$( ((DNSSEC)) && echo ', signed')) on ${HIER_ADDR}:53"
  nsd -d -c "${d}/nsd.conf" >"${d}/stdout.log" 2>&1 &
  NSD_PID=$!
  started "${NSD_PID}"
  wait_for_answer NSD "${HIER_ADDR}" 53 "${NSD_PID}" bench. SOA
}

# --- The resolvers --------------------------------------------------------------------------------

start_unbound() {
  local d="${WORK}/unbound"
  mkdir -p "${d}"
  # As tests/system/support/dns_hierarchy.hpp's UnboundProcess, with WORKERS threads (its default
  # is one), each on its own SO_REUSEPORT socket, and caches far larger than the data. With
  # DNSSEC=1 it validates against the hierarchy's root DS alone.
  cat >"${d}/unbound.conf" <<EOF
server:
  verbosity: 0
  interface: ${LOOPBACK}
  port: ${UB_PORT}
  do-ip4: yes
  do-ip6: no
  do-udp: yes
  do-tcp: yes
$(workers_line num-threads)
  so-reuseport: yes
  chroot: ""
  username: ""
  directory: "${d}"
  pidfile: "${d}/unbound.pid"
  logfile: ""
  use-syslog: no
  root-hints: "${WORK}/root.hints"
$(if ((DNSSEC)); then
    echo '  module-config: "validator iterator"'
    echo "  trust-anchor-file: \"${WORK}/root.ds\""
  else
    echo '  module-config: "iterator"'
  fi)
  do-not-query-localhost: no
  access-control: 127.0.0.0/8 allow
  msg-cache-size: 32m
  rrset-cache-size: 64m
  cache-min-ttl: 0
  prefetch: no
  serve-expired: no
  edns-buffer-size: 1232
  discard-timeout: 0
remote-control:
  control-enable: no
EOF
  unbound-checkconf "${d}/unbound.conf" >/dev/null || die "unbound-checkconf rejected the generated config"
  log "starting Unbound on ${LOOPBACK}:${UB_PORT} ($(workers_text))"
  unbound -d -c "${d}/unbound.conf" >"${d}/stdout.log" 2>&1 &
  PID[unbound]=$!
  started "${PID[unbound]}"
  # localhost. is one of Unbound's built-in local zones: answered without recursion.
  wait_for_answer Unbound "${LOOPBACK}" "${UB_PORT}" "${PID[unbound]}" localhost. A
}

# start_horizond LABEL: horizond on PORT[LABEL]; it validates against the hierarchy's root DS when
# VALIDATES[LABEL], else it runs with --no-dnssec (its built-in anchors are the real root's keys,
# which the loopback root does not have: every answer would be bogus).
start_horizond() {
  local label="$1" dnssec_flags=(--no-dnssec)
  ((VALIDATES[${label}] == 0)) || dnssec_flags=(--trust-anchor "${WORK}/root.ds")
  cat >"${WORK}/horizond.yaml" <<EOF
# Generated by bench/compare_unbound.sh: every loopback client is lan, and lan may recurse.
zone: ${HZ_ZONE}
views:
  lan: [127.0.0.0/8]
recursion: [lan]
records:
  host: {lan: 192.0.2.250}
EOF
  log "starting ${label} on ${LOOPBACK}:${PORT[${label}]} ($(workers_text); ${dnssec_flags[*]})"
  # shellcheck disable=SC2046 # the flag is one word or none
  "${HORIZOND}" --zone "${WORK}/horizond.yaml" --listen "${LOOPBACK}:${PORT[${label}]}" \
    $(horizond_workers_flag) --root-hints "${WORK}/root.hints" "${dnssec_flags[@]}" \
    >>"${WORK}/${label}.log" 2>&1 &
  PID[${label}]=$!
  started "${PID[${label}]}"
  wait_for_answer "${label}" "${LOOPBACK}" "${PORT[${label}]}" "${PID[${label}]}" "${HZ_ZONE}" SOA
}

start_resolver() {
  if [[ "$1" == unbound ]]; then start_unbound; else start_horizond "$1"; fi
}

# Stops a resolver and starts it again: an empty cache.
restart_resolver() {
  stop_started "${PID[$1]}"
  start_resolver "$1"
}

# --- Queries --------------------------------------------------------------------------------------

write_query_file() {
  local i
  {
    for ((i = 0; i < NAMES; i++)); do echo "n${i}.bench A"; done
    for ((i = 0; i < CNAMES; i++)); do echo "c${i}.bench A"; done
    for ((i = 0; i < NXNAMES; i++)); do echo "nx${i}.bench A"; done
    for ((i = 0; i < NODATA; i++)); do echo "n${i}.bench AAAA"; done
    if ((DNSSEC)); then write_cold_names; fi
  } >"${QUERY_FILE}"
}

write_cold_names() {
  local i
  for ((i = 0; i < COLD_NAMES; i++)); do echo "h${i}.${LEAF} A"; done
}

# Status, and the answer and authority sections without TTLs, owner names lowercased (horizond
# randomises the case of its upstream queries; both echo the client's), sorted.
describe_answer() {
  local port="$1" name="$2" type="$3"
  dig @"${LOOPBACK}" -p "${port}" +tries=2 +time=3 +nocookie +noall +comments +answer +authority \
    "${name}" "${type}" |
    awk '/^;; ->>HEADER<<-/ { sub(/.*status: /, ""); sub(/,.*/, ""); print "0 status " $0; next }
         /^;/ || NF == 0 { next }
         { $1 = tolower($1); $2 = ""; $1 = $1; print "1 " $0 }' | sort
}

# ad_bit PORT NAME TYPE: "ad" when the answer to the question asked with DO has AD set, else "-".
ad_bit() {
  dig @"${LOOPBACK}" -p "$1" +tries=2 +time=3 +nocookie +dnssec +noall +comments "$2" "$3" |
    awk '/^;; flags:/ { sub(/^;; flags:/, ""); sub(/;.*/, ""); print (/ ad( |$)/ ? "ad" : "-"); exit }'
}

# One name of each kind every few, from the resolvers' empty caches: name type status rdata.
sample_queries() {
  local i
  for ((i = 0; i < NAMES; i += 50)); do echo "n${i}.bench. A NOERROR $(name_address "${i}")"; done
  echo "n$((NAMES - 1)).bench. A NOERROR $(name_address $((NAMES - 1)))"
  for ((i = 0; i < CNAMES; i += 5)); do
    echo "c${i}.bench. A NOERROR $(name_address "$(cname_target "${i}")")"
  done
  for ((i = 0; i < NXNAMES; i += 5)); do echo "nx${i}.bench. A NXDOMAIN -"; done
  for ((i = 0; i < NODATA; i += 3)); do echo "n${i}.bench. AAAA NOERROR -"; done
  if ((DNSSEC)); then
    for ((i = 0; i < COLD_NAMES; i += 50)); do echo "h${i}.${LEAF}. A NOERROR $(leaf_address "${i}")"; done
    echo "nx.${LEAF}. A NXDOMAIN -"
  fi
}

# Every resolver against Unbound's answer, and Unbound's against what is expected; AD, asked with
# DO, from the validating resolvers and from no other.
check_answers() {
  local failed=0 count=0 name type status rdata ub r answer ad want
  while read -r name type status rdata; do
    count=$((count + 1))
    ub="$(describe_answer "${UB_PORT}" "${name}" "${type}")"
    expect_answer Unbound "${ub}" "${name}" "${type}" "0 status ${status}" "${rdata}" || failed=1
    for r in "${RESOLVERS[@]}"; do
      if [[ "${r}" != unbound ]]; then
        answer="$(describe_answer "${PORT[${r}]}" "${name}" "${type}")"
        expect_same "${r}" "${answer}" Unbound "${ub}" "${name}" "${type}" || failed=1
      fi
      ad="$(ad_bit "${PORT[${r}]}" "${name}" "${type}")"
      want="$( ((VALIDATES[${r}])) && echo ad || echo -)"
      if [[ "${ad}" != "${want}" ]]; then
        log "${r}: ${name} ${type} +dnssec: AD expected '${want}', got '${ad}'"
        failed=1
      fi
    done
  done < <(sample_queries)
  ((failed == 0)) || die "the resolvers do not give the expected, identical answers; not timing"
  log "${RESOLVERS[*]} answer all ${count} sample queries identically and as expected$( ((DNSSEC)) &&
    echo ', AD from the validating ones')"
}

# One pass over every name, so that the rounds answer from the caches only.
warm_cache() {
  local server="$1" port="$2" out="${WORK}/$1-warm.txt"
  timeout 60 dnsperf -s "${LOOPBACK}" -p "${port}" -d "${QUERY_FILE}" -n 1 -c 1 -q 20 -t 5 -e \
    >"${out}" 2>&1 || die "dnsperf (warm-up) failed; see ${out}:"$'\n'"$(tail -n 20 "${out}")"
  local codes lost
  codes="$(awk '/Response codes:/ { sub(/.*Response codes: */, ""); print }' "${out}")"
  lost="$(awk '/Queries lost:/ { print $3 }' "${out}")"
  [[ "${lost}" == 0 ]] || die "${server}: ${lost} queries lost while warming the cache; see ${out}"
  [[ "${codes}" != *SERVFAIL* ]] || die "${server}: SERVFAIL while warming the cache: ${codes}"
  log "${server} cache warmed: ${codes}"
}

# --- The cold part (DNSSEC=1) ---------------------------------------------------------------------

# cold_round LABEL ROUND: restarts the resolver (an empty cache), asks it every cold name once, one
# at a time, and appends the latencies in ms to cold-LABEL.txt, the first name's (the chain of
# trust) to cold-LABEL-first.txt.
cold_round() {
  local label="$1" round="$2" out="${WORK}/$1-cold-$2.txt"
  restart_resolver "${label}"
  timeout 120 dnsperf -s "${LOOPBACK}" -p "${PORT[${label}]}" -d "${WORK}/cold-names.txt" -n 1 \
    -c 1 -q 1 -t 5 -e -v >"${out}" 2>&1 ||
    die "dnsperf (cold) failed; see ${out}:"$'\n'"$(tail -n 20 "${out}")"
  # -v prints "> RCODE name type seconds" for each response, in the order of the questions.
  awk '/^> / { if ($2 != "NOERROR") bad++; printf "%.3f\n", $NF * 1000 } END { exit bad > 0 }' \
    "${out}" >"${WORK}/${label}-cold-ms-${round}.txt" ||
    die "${label}: a cold name was not answered NOERROR; see ${out}"
  local answered
  answered="$(wc -l <"${WORK}/${label}-cold-ms-${round}.txt")"
  ((answered == COLD_NAMES)) || die "${label}: ${answered} of ${COLD_NAMES} cold names answered; see ${out}"
  head -n 1 "${WORK}/${label}-cold-ms-${round}.txt" >>"${WORK}/cold-${label}-first.txt"
  cat "${WORK}/${label}-cold-ms-${round}.txt" >>"${WORK}/cold-${label}.txt"
  log "cold round ${round} ${label}: first $(head -n 1 "${WORK}/${label}-cold-ms-${round}.txt") ms," \
    "median $(median "$(tr '\n' ' ' <"${WORK}/${label}-cold-ms-${round}.txt")") ms"
}

print_cold_table() {
  local format='%-22s %12s %11s %9s %9s\n' r
  local -A first=() mid=() p99=()
  echo
  echo "Cold validation latency: each round, each resolver restarted (an empty cache) and asked" \
    "h0..h$((COLD_NAMES - 1)).${LEAF}. A one at a time (dnsperf -c 1 -q 1 -e, no DO); ${ROUNDS} rounds"
  # shellcheck disable=SC2059 # the format is ours
  printf "${format}" resolver "first ms" "median ms" "p99 ms" "max ms"
  # shellcheck disable=SC2059
  printf "${format}" ---------------------- ------------ ----------- --------- ---------
  for r in "${RESOLVERS[@]}"; do
    first[${r}]="$(median "$(cat "${WORK}/cold-${r}-first.txt")")"
    mid[${r}]="$(median "$(cat "${WORK}/cold-${r}.txt")")"
    p99[${r}]="$(percentile 99 "$(cat "${WORK}/cold-${r}.txt")")"
    # shellcheck disable=SC2059
    printf "${format}" "${r}" "${first[${r}]}" "${mid[${r}]}" "${p99[${r}]}" \
      "$(percentile 100 "$(cat "${WORK}/cold-${r}.txt")")"
  done
  for r in horizond-plain unbound; do
    # shellcheck disable=SC2059
    printf "${format}" "horizond/${r}" "$(ratio "${first[horizond]}" "${first[${r}]}")" \
      "$(ratio "${mid[horizond]}" "${mid[${r}]}")" "$(ratio "${p99[horizond]}" "${p99[${r}]}")" ""
  done
  echo "(first: the first name, median over the rounds: it also fetches and validates the DNSKEYs"
  echo " of ., bench. and ${LEAF}. and two DS; median, p99 and max over every name of every round)"
}

main() {
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  WORK="$(mktemp -d /tmp/horizon-compare-unbound.XXXXXX)"
  QUERY_FILE="${WORK}/queries.txt"
  install_tools
  build_horizond
  local r
  for r in "${RESOLVERS[@]}"; do
    ! port_in_use "${PORT[${r}]}" || die "port ${PORT[${r}]} is in use; set HZ_PORT / UB_PORT / HZ_PLAIN_PORT"
  done
  start_nsd
  for r in "${RESOLVERS[@]}"; do start_resolver "${r}"; done
  check_answers
  write_query_file
  for r in "${RESOLVERS[@]}"; do warm_cache "${r}" "${PORT[${r}]}"; done
  # A row is a resolver, or with "+DO" the same resolver asked with DO (its RRSIGs and proofs
  # rendered).
  local rows=("${RESOLVERS[@]}") ratios=(horizond/Unbound:horizond:unbound)
  if ((DNSSEC)); then
    rows=(horizond-plain horizond horizond+DO unbound unbound+DO)
    ratios=(horizond/plain:horizond:horizond-plain horizond+DO/plain:horizond+DO:horizond-plain
      horizond/Unbound:horizond:unbound horizond+DO/Unbound+DO:horizond+DO:unbound+DO)
  fi
  LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
  local nsd_before row server
  nsd_before="$(cpu_ticks "${NSD_PID}")"
  for round in $(seq "${ROUNDS}"); do
    for row in "${rows[@]}"; do
      server="${row%+DO}"
      if [[ "${row}" == *+DO ]]; then
        measure_round "${row}" "${PORT[${server}]}" "${PID[${server}]}" "${round}" -D
      else
        measure_round "${row}" "${PORT[${server}]}" "${PID[${server}]}" "${round}"
      fi
    done
  done
  print_table "${rows[@]}" -- "${ratios[@]}"
  echo "Names: ${NAMES} A, ${CNAMES} CNAME, ${NXNAMES} NXDOMAIN, ${NODATA} NODATA$( ((DNSSEC)) &&
    echo " in bench., ${COLD_NAMES} A in ${LEAF}."), all cached;" \
    "NSD (the hierarchy) used $(($(cpu_ticks "${NSD_PID}") - nsd_before)) CPU ticks during" \
    "the rounds (0 = every answer came from the caches)"
  for row in "${rows[@]}"; do
    echo "${row} response codes (round 1, max rate):" \
      "$(awk '/Response codes:/ { sub(/.*Response codes: */, ""); print }' "${WORK}/${row}-max-1.txt")"
  done
  ((DNSSEC)) || return 0
  write_cold_names >"${WORK}/cold-names.txt"
  for round in $(seq "${ROUNDS}"); do
    for r in "${RESOLVERS[@]}"; do cold_round "${r}" "${round}"; done
  done
  print_cold_table
}

main "$@"
