#!/usr/bin/env bash
# End-to-end load benchmark of request-metrics (see docs/PERFORMANCE.md).
#
#   bash bench/load.sh                      # full run: 8 rounds of 4 s per server, about 6 minutes
#   BENCH_ROUNDS=2 BENCH_DURATION=1 bash bench/load.sh   # a smoke run
#
# Starts six copies of the service, all on 127.0.0.1, from one jar:
#   on    request metrics on (the packaged app.yaml)
#   off   request metrics off (-Dserver.features.request-metrics.enabled=false): the reference
#   off2  request metrics off, a second JVM: the A/A control, which shows the noise of this machine
#   kpi   request metrics off, Helidon's built-in KPI metrics with extended: true on the API socket (bench/kpi-extended.yaml)
#   empty request metrics off, plus a filter that only calls proceed(): the cost of Helidon's filter chain itself
#   floor request metrics off, plus a filter doing only the JMH floor (clock pair + one histogram record)
#   bsoff request metrics on, body sizes off (body-sizes.enabled=false): not run by default, name it in BENCH_SERVERS
#   exoff request metrics on, exemplars off (exemplars.enabled=false): not run by default; with BENCH_TRACEPARENT,
#         on / exoff is what exemplars cost
#   min   request metrics on with time to first byte, body sizes and exemplars off: not run by default
#   ttoff request metrics on, time to first byte off: not run by default
#   spbsoff like spans, with body sizes off: not run by default
# (empty and floor run bench/src/main/java/io/requestmetrics/bench/ReferenceFilterMain.java.)
# It drives each in turn with wrk on a trivial GET (BENCH_PATH, /v1/health) at saturation. Each round runs every
# server once, in the order on, off, off2, kpi, empty, floor, and the next round in reverse (ABBA, so that a slow drift
# of the machine cancels); each ratio (on/off, off2/off, kpi/off, ...) is taken within one round. It prints every run,
# then per server the medians of throughput, p50, p99 and server CPU time per request, and per comparison the median,
# min and max of the ratios of throughput and of CPU per request. CPU per request (the server process's user + system
# time over the requests wrk completed) depends far less than throughput on what else runs on a shared machine.
#
# Then, on the "on" server: it requests every (api, status) pair the service can produce, times scrapes of
# /observe/metrics idle and under load, compares the API's throughput and p99 with and without a scraper running,
# and checks that requests_total equals the duration histogram's _count for every series, under load and after it.
#
# Every process it starts is killed by PID on exit; the whole run is bounded by BENCH_TIMEOUT.
#
# Tunables (environment):
#   BENCH_ROUNDS (8)        rounds, i.e. ratios per comparison
#   BENCH_DURATION (4)      seconds of each measured wrk run
#   BENCH_WARMUP (15)       seconds of wrk warm-up per server before the rounds
#   BENCH_CONNECTIONS (32)  wrk connections;  BENCH_THREADS (2) wrk threads
#   BENCH_PATH (/v1/health) the GET that is measured
#   BENCH_SERVERS ("on off off2 kpi empty floor") which servers to run; must include on. Also available: spans
#                           (metrics on, OpenTelemetry spans exported to Zipkin at BENCH_ZIPKIN)
#   BENCH_TRACEPARENT ("")  a traceparent header every wrk request carries, e.g. a sampled one:
#                           00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01
#   BENCH_ZIPKIN (http://127.0.0.1:9411/api/v2/spans) where the spans server exports (nothing listening: spans dropped)
#   BENCH_PIN (1)           with 2+ CPUs: servers on CPU 0, wrk and curl on CPU 1 (taskset); 0 to let them float
#   BENCH_BASE_PORT (18180) servers use BASE..BASE+11
#   BENCH_SCRAPE (1)        0 skips the scrape phase
#   BENCH_TIMEOUT (900)     seconds before the whole run is stopped
#   BENCH_JAR               an already built jar (with libs/ beside it); default: build target/bench with -P bench
#   BENCH_OUT               directory for the logs and results (default: a new directory under target/bench/load)
#   JAVA_HOME               JDK 21+ (default: the newest JDK 21+ under /usr/lib/jvm, see scripts/jdk.sh)
set -Eeuo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

ROUNDS=${BENCH_ROUNDS:-8}
DURATION=${BENCH_DURATION:-4}
WARMUP=${BENCH_WARMUP:-15}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-2}
REQUEST_PATH=${BENCH_PATH:-/v1/health}
PIN=${BENCH_PIN:-1}
BASE_PORT=${BENCH_BASE_PORT:-18180}
SCRAPE=${BENCH_SCRAPE:-1}
TIMEOUT=${BENCH_TIMEOUT:-900}
HOST=127.0.0.1
read -r -a SERVERS <<< "${BENCH_SERVERS:-on off off2 kpi empty floor}"
[[ " ${SERVERS[*]} " == *" on "* ]] || { echo "BENCH_SERVERS must include 'on'" >&2; exit 2; }

. "$(dirname "${BASH_SOURCE[0]}")/../scripts/jdk.sh"
JAVA=$JAVA_HOME/bin/java

START_TS=$(date +%s)
declare -A PID PORT ADMIN_PORT
WATCHDOG_PID=""

log() { printf '[load %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    for name in "${!PID[@]}"; do
        kill "${PID[$name]}" 2>/dev/null || true
    done
    for name in "${!PID[@]}"; do
        # Up to 10 s for a clean shutdown, then KILL, still by PID.
        for _ in $(seq 1 100); do kill -0 "${PID[$name]}" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "${PID[$name]}" 2>/dev/null || true
    done
    if [[ -n $WATCHDOG_PID ]]; then
        pkill -P "$WATCHDOG_PID" 2>/dev/null || true   # its sleep, by parent PID
        kill "$WATCHDOG_PID" 2>/dev/null || true
    fi
    log "finished with exit code $rc after $(( $(date +%s) - START_TS ))s; logs in ${OUT:-?}"
    exit "$rc"
}
trap cleanup EXIT
trap 'die "interrupted or timed out (BENCH_TIMEOUT=${TIMEOUT}s)"' INT TERM

# The watchdog signals this script only; the EXIT trap then kills the servers by PID.
( sleep "$TIMEOUT"; kill -TERM $$ ) 2>/dev/null &
WATCHDOG_PID=$!
disown "$WATCHDOG_PID"   # no "Terminated" notice when it is killed at the end

command -v wrk >/dev/null || die "wrk is not installed (apt-get install -y wrk)"
command -v curl >/dev/null || die "curl is not installed"

SERVER_CPU=() CLIENT_CPU=()
if [[ $PIN == 1 && $(nproc) -ge 2 ]] && command -v taskset >/dev/null; then
    SERVER_CPU=(taskset -c 0)
    CLIENT_CPU=(taskset -c 1)
fi

# ---- build -------------------------------------------------------------------------------------------------------
if [[ -n ${BENCH_JAR:-} ]]; then
    JAR=$(readlink -f "$BENCH_JAR")
else
    log "building target/bench/request-metrics.jar (mvn -P bench package)"
    (cd "$REPO_ROOT" && mvn -B -q -P bench package -DskipTests) >&2 || die "build failed"
    JAR=$REPO_ROOT/target/bench/request-metrics.jar
fi
[[ -f $JAR ]] || die "no jar at $JAR"
OUT=${BENCH_OUT:-$REPO_ROOT/target/bench/load/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
RUNS=$OUT/runs.tsv
printf 'round\tserver\trps\tp50_us\tp99_us\tcpu_us_per_request\n' > "$RUNS"

{
    echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(free -m | awk '/Mem:/ {print $2 " MiB"}')"
    echo "kernel:  $(uname -r)"
    echo "java:    $("$JAVA" -version 2>&1 | head -1)"
    echo "wrk:     $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
    echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at start"
    echo "setup:   ${ROUNDS} rounds x ${DURATION}s per server, ${WARMUP}s warm-up, wrk -t${THREADS} -c${CONNECTIONS} GET ${REQUEST_PATH}," \
         "pinning: ${SERVER_CPU[*]:-none} (servers) / ${CLIENT_CPU[*]:-none} (clients)"
} | tee "$OUT/machine.txt"

# ---- servers -----------------------------------------------------------------------------------------------------
start_server() {
    local name=$1 index=$2
    local port=$((BASE_PORT + 2 * index)) admin=$((BASE_PORT + 2 * index + 1))
    local -a props=(-Dserver.host=$HOST -Dserver.port=$port -Dserver.sockets.0.host=$HOST -Dserver.sockets.0.port=$admin)
    local config="" main=io.requestmetrics.Main
    case $name in
        on) ;;
        off | off2) props+=(-Dserver.features.request-metrics.enabled=false) ;;
        bsoff) props+=(-Dserver.features.request-metrics.body-sizes.enabled=false) ;;
        exoff) props+=(-Dserver.features.request-metrics.exemplars.enabled=false) ;;
        ttoff) props+=(-Dserver.features.request-metrics.time-to-first-byte.enabled=false) ;;
        min) props+=(-Dserver.features.request-metrics.time-to-first-byte.enabled=false
                     -Dserver.features.request-metrics.body-sizes.enabled=false
                     -Dserver.features.request-metrics.exemplars.enabled=false) ;;
        kpi) config=$REPO_ROOT/bench/kpi-extended.yaml ;;
        spans) ;;
        spbsoff) props+=(-Dserver.features.request-metrics.body-sizes.enabled=false) ;;
        empty | floor) props+=(-Dserver.features.request-metrics.enabled=false -Dbench.filter=$name)
                       main=io.requestmetrics.bench.ReferenceFilterMain ;;
    esac
    # Same JVM settings for all; run from $OUT so that no ./app.yaml is picked up.
    local -a otel=()
    [[ $name == spans || $name == spbsoff ]] && otel=(OTEL_TRACES_EXPORTER=zipkin
                                                      "OTEL_EXPORTER_ZIPKIN_ENDPOINT=${BENCH_ZIPKIN:-http://127.0.0.1:9411/api/v2/spans}")
    (cd "$OUT" && APP_CONFIG=$config exec env "${otel[@]}" "${SERVER_CPU[@]}" "$JAVA" -Xms256m -Xmx256m "${props[@]}" \
        -cp "$JAR" "$main") \
        > "$OUT/server-$name.log" 2>&1 &
    PID[$name]=$!
    PORT[$name]=$port
    ADMIN_PORT[$name]=$admin
}

wait_ready() {
    local name=$1
    for _ in $(seq 1 600); do
        kill -0 "${PID[$name]}" 2>/dev/null || die "server $name exited: $(tail -3 "$OUT/server-$name.log")"
        if curl -fsS -m 2 -o /dev/null "http://$HOST:${PORT[$name]}$REQUEST_PATH" 2>/dev/null \
                && curl -fsS -m 2 -o /dev/null "http://$HOST:${ADMIN_PORT[$name]}/observe/health" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    die "server $name did not answer within 60 s"
}

for i in "${!SERVERS[@]}"; do
    start_server "${SERVERS[$i]}" "$i"
done
for name in "${SERVERS[@]}"; do
    wait_ready "$name"
    log "server $name up (pid ${PID[$name]}, :${PORT[$name]}, admin :${ADMIN_PORT[$name]})"
done

# ---- wrk ---------------------------------------------------------------------------------------------------------
to_us() { # wrk latency like 512.00us, 1.23ms, 2.00s -> microseconds
    awk -v v="$1" 'BEGIN {
        n = v + 0
        if (v ~ /us$/) print n; else if (v ~ /ms$/) print n * 1000; else if (v ~ /s$/) print n * 1000000; else print n }'
}

# run_wrk NAME SECONDS [LABEL]: one wrk run; prints "rps p50_us p99_us"
run_wrk() {
    local name=$1 seconds=$2 label=${3:-run}
    local file=$OUT/wrk-$name-$label.txt
    local -a header=()
    [[ -n ${BENCH_TRACEPARENT:-} ]] && header=(-H "traceparent: $BENCH_TRACEPARENT")
    timeout $((seconds + 30)) "${CLIENT_CPU[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${seconds}s" --latency "${header[@]}" \
        "http://$HOST:${PORT[$name]}$REQUEST_PATH" > "$file" 2>&1 || die "wrk failed on $name: $(tail -3 "$file")"
    if grep -q 'Non-2xx' "$file"; then die "$name answered errors under load: $(grep Non-2xx "$file")"; fi
    local rps p50 p99
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$file")
    p50=$(to_us "$(awk '$1 == "50%" {print $2}' "$file")")
    p99=$(to_us "$(awk '$1 == "99%" {print $2}' "$file")")
    [[ -n $rps && -n $p50 && -n $p99 ]] || die "cannot read wrk output $file"
    echo "$rps $p50 $p99"
}

CLOCK_TICKS=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # utime + stime of one process, in clock ticks

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "nan"; exit } if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

log "warm-up: ${WARMUP}s per server"
for name in "${SERVERS[@]}"; do
    run_wrk "$name" "$WARMUP" warmup > /dev/null
done

for round in $(seq 1 "$ROUNDS"); do
    order=("${SERVERS[@]}")
    if (( round % 2 == 0 )); then
        order=(); for ((i = ${#SERVERS[@]} - 1; i >= 0; i--)); do order+=("${SERVERS[$i]}"); done
    fi
    for name in "${order[@]}"; do
        ticks=$(cpu_ticks "${PID[$name]}")
        result=$(run_wrk "$name" "$DURATION" "round$round")
        ticks=$(( $(cpu_ticks "${PID[$name]}") - ticks ))
        read -r rps p50 p99 <<< "$result"
        requests=$(awk '/ requests in / { print $1; exit }' "$OUT/wrk-$name-round$round.txt")
        cpu=$(awk -v t="$ticks" -v hz="$CLOCK_TICKS" -v n="$requests" 'BEGIN { printf "%.2f", t * 1000000 / hz / n }')
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$name" "$rps" "$p50" "$p99" "$cpu" >> "$RUNS"
        log "round $round/$ROUNDS $name: $rps req/s, p50 ${p50}us, p99 ${p99}us, ${cpu}us CPU per request"
    done
done

# ---- results -----------------------------------------------------------------------------------------------------
value() { awk -F'\t' -v r="$1" -v s="$2" -v c="$3" 'NR > 1 && $1 == r && $2 == s { print $c }' "$RUNS"; }
column_median() { awk -F'\t' -v s="$1" -v c="$2" 'NR > 1 && $2 == s { print $c }' "$RUNS" | median; }

{
    echo
    echo "Per server (median of $ROUNDS runs of ${DURATION}s):"
    printf '  %-5s %12s %10s %10s %12s\n' server req/s p50_us p99_us cpu_us/req
    for name in "${SERVERS[@]}"; do
        printf '  %-5s %12.0f %10.0f %10.0f %12.2f\n' "$name" "$(column_median "$name" 3)" "$(column_median "$name" 4)" \
            "$(column_median "$name" 5)" "$(column_median "$name" 6)"
    done
    for column in 3 6; do
        echo
        if [[ $column == 3 ]]; then echo "Throughput ratios, one per round (same round, adjacent in time):"
        else echo "CPU per request ratios, one per round (server user + system time over requests completed):"; fi
    printf '  %-22s %8s %8s %8s   %s\n' comparison median min max "all rounds"
    for pair in "on off metrics on / off" "off2 off A/A: off2 / off" "kpi off KPI extended / off" \
                "empty off empty filter / off" "floor off floor filter / off" "floor empty floor filter / empty" \
                "on floor metrics on / floor" "on empty metrics on / empty" "spans off spans / off" "spans on spans / on" \
                "on bsoff body sizes on / off" "on exoff exemplars on / off" "min off minimal metrics / off" "on ttoff first byte on / off" \
                "bsoff off body sizes off / metrics off" "spbsoff off spans, body sizes off / off" \
                "spbsoff bsoff spans / none, body sizes off"; do
        read -r a b label <<< "$pair"
        [[ -n ${PID[$a]:-} && -n ${PID[$b]:-} ]] || continue
        ratios=()
        for round in $(seq 1 "$ROUNDS"); do
            ratios+=("$(awk -v x="$(value "$round" "$a" "$column")" -v y="$(value "$round" "$b" "$column")" 'BEGIN { printf "%.3f", x / y }')")
        done
        sorted=$(printf '%s\n' "${ratios[@]}" | sort -g)
        printf '  %-22s %8.3f %8s %8s   %s\n' "$label" "$(printf '%s\n' "${ratios[@]}" | median)" \
            "$(head -1 <<< "$sorted")" "$(tail -1 <<< "$sorted")" "${ratios[*]}"
    done
    done
} | tee "$OUT/summary.txt"

# ---- scrape ------------------------------------------------------------------------------------------------------
scrape_url="http://$HOST:${ADMIN_PORT[on]}/observe/metrics"
api_url="http://$HOST:${PORT[on]}"

# Every (api, status) the routes can produce, so that the scrape has all its series.
produce_all_series() {
    local apis=(health version models datasets inspect)
    local c=(curl -s -o /dev/null -m 5)
    for api in "${apis[@]}"; do
        "${c[@]}" "$api_url/v1/$api"                                            # 200 (or 404 without a list route)
        "${c[@]}" "$api_url/v1/$api/no-such-id"                                 # 404
        "${c[@]}" -X PATCH "$api_url/v1/$api"                                   # 405 or 404
        "${c[@]}" -H 'Accept: text/csv' "$api_url/v1/$api"                      # 406
        "${c[@]}" -X POST -H 'Content-Type: text/plain' -d x "$api_url/v1/$api" # 415 / 405
        "${c[@]}" -X POST -H 'Content-Type: application/json' -d '{' "$api_url/v1/$api"   # 400 / 405
        "${c[@]}" -X POST -H 'Content-Type: application/json' -d '{}' "$api_url/v1/$api"  # 400 / 201 / 405
        "${c[@]}" -X DELETE "$api_url/v1/$api/no-such-id"                       # 404 / 405
    done
    "${c[@]}" -X POST -H 'Content-Type: application/json' \
        -d '{"model_id":"bench-model","provider_id":"bench","model_type":"llm"}' "$api_url/v1/models"  # 200/201
    "${c[@]}" -X DELETE "$api_url/v1/models/bench-model"                         # 200/204
    "${c[@]}" -X POST -H 'Content-Type: application/json' \
        --data-binary @<(head -c 1100000 /dev/zero | tr '\0' 'a') "$api_url/v1/datasets"   # 413
    "${c[@]}" "$api_url/v1/inspect/routes"                                       # 200
    "${c[@]}" "$api_url/no-such-path"                                             # unknown, 404
    "${c[@]}" "$api_url/v2/models"                                                # unknown, 404
}

# check_counts FILE: prints "series differing largest_difference", comparing requests_total with the duration
# histogram's _count for each label set
check_counts() {
    awk '
        /^[a-z_]*_requests_total[{]/             { split($0, p, "} "); sub(/^[^{]*/, "", p[1]); total[p[1]] = p[2] + 0 }
        /^[a-z_]*_request_duration_seconds_count[{]/ { split($0, p, "} "); sub(/^[^{]*/, "", p[1]); count[p[1]] = p[2] + 0 }
        END {
            n = 0; bad = 0; largest = 0
            for (k in count) {
                n++
                if (!(k in total) || total[k] != count[k]) bad++
                d = count[k] - total[k]; if (d < 0) d = -d; if (d > largest) largest = d
            }
            for (k in total) if (!(k in count)) bad++
            print n, bad, largest
        }' "$1"
}

time_scrapes() { # time_scrapes N LABEL: N back-to-back scrapes; prints the times in ms, one a line
    local n=$1 label=$2
    for i in $(seq 1 "$n"); do
        "${CLIENT_CPU[@]}" curl -s -m 10 -o "$OUT/scrape-$label.txt" -w '%{time_total}\n' "$scrape_url" \
            | awk '{ printf "%.2f\n", $1 * 1000 }'
    done
}

if [[ $SCRAPE == 1 ]]; then
    produce_all_series
    curl -s -m 10 -o "$OUT/scrape-all-series.txt" "$scrape_url"
    read -r series mismatches _ < <(check_counts "$OUT/scrape-all-series.txt")
    lines=$(grep -vc '^#' "$OUT/scrape-all-series.txt")
    bytes=$(wc -c < "$OUT/scrape-all-series.txt")
    idle=$(time_scrapes 20 idle)

    # Under load: a scraper running back to back for the whole wrk run, alternating with runs without one.
    load_rounds=$(( ROUNDS < 4 ? ROUNDS : 4 ))
    with_rps=() with_p99=() without_rps=() without_p99=() busy_times=() during_scrapes=0 during_differing=0 during_largest=0
    for r in $(seq 1 "$load_rounds"); do
        result=$(run_wrk on "$DURATION" "noscrape$r")
        read -r rps _ p99 <<< "$result"
        without_rps+=("$rps"); without_p99+=("$p99")
        # Back to back for the run: time each scrape, and check requests_total against _count in each.
        (
            end=$(( $(date +%s) + DURATION ))
            while (( $(date +%s) < end )); do
                time_scrapes 1 "busy$r" >> "$OUT/scrape-times-busy$r.txt"
                check_counts "$OUT/scrape-busy$r.txt" >> "$OUT/scrape-checks-busy$r.txt"
            done
        ) &
        scraper=$!
        result=$(run_wrk on "$DURATION" "scrape$r")
        read -r rps _ p99 <<< "$result"
        wait "$scraper" || true
        with_rps+=("$rps"); with_p99+=("$p99")
        busy_times+=($(cat "$OUT/scrape-times-busy$r.txt"))
        during_scrapes=$(( during_scrapes + $(wc -l < "$OUT/scrape-checks-busy$r.txt") ))
        during_differing=$(( during_differing + $(awk '$2 > 0' "$OUT/scrape-checks-busy$r.txt" | wc -l) ))
        during_largest=$(cat "$OUT"/scrape-checks-busy*.txt | awk -v m=0 '$3 > m { m = $3 } END { print m }')
    done
    curl -s -m 10 -o "$OUT/scrape-after.txt" "$scrape_url"
    read -r after_series after_mismatches _ < <(check_counts "$OUT/scrape-after.txt")

    stats() { sort -g | awk '{ v[NR] = $1 } END { printf "median %.1f ms, p90 %.1f ms, max %.1f ms (n=%d)", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[int(NR * 0.9 + 0.999)], v[NR], NR }'; }
    max_latency() { # largest "Latency ... Max" of the wrk runs LABEL*, in us
        for f in "$OUT"/wrk-on-"$1"*.txt; do to_us "$(awk '$1 == "Latency" && NF >= 4 { print $4; exit }' "$f")"; done | sort -g | tail -1
    }
    {
        echo
        echo "Scrape of /observe/metrics on 'on' with every (api, status) the routes produce:"
        echo "  ${series} (api, status) series, ${lines} sample lines, ${bytes} bytes"
        echo "  idle:         $(printf '%s\n' $idle | stats)"
        echo "  under load:   $(printf '%s\n' "${busy_times[@]}" | stats)"
        echo "  API while scraped back to back: req/s $(printf '%s\n' "${with_rps[@]}" | median), p99 $(printf '%s\n' "${with_p99[@]}" | median) us, max $(max_latency scrape) us"
        echo "  API without a scraper:          req/s $(printf '%s\n' "${without_rps[@]}" | median), p99 $(printf '%s\n' "${without_p99[@]}" | median) us, max $(max_latency noscrape) us"
        echo "  requests_total == request_duration_seconds_count: scrapes under load with a differing series:" \
             "${during_differing} of ${during_scrapes} (largest difference ${during_largest} requests);" \
             "series differing after the load: ${after_mismatches} of ${after_series}"
    } | tee -a "$OUT/summary.txt"
    (( after_mismatches == 0 )) || die "requests_total differs from the histogram's _count after the load"
fi

log "results: $OUT/summary.txt, every run: $RUNS"
