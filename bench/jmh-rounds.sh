#!/usr/bin/env bash
# JMH benchmarks of RequestMetricsFilterBenchmark in rounds, for a machine shared with other work (see
# docs/PERFORMANCE.md, "Body sizes and the otel naming").
#
#   bash bench/jmh-rounds.sh floor hotPathKnownApi hotPathOtel hotPathOtelLabels
#
# One JMH run runs its benchmarks one after the other, so a change of the machine's load between them shows up as a
# difference between benchmarks. Here each round runs every benchmark once (one fork each), in the given order, and
# the next round in reverse (ABBA); each benchmark's time is divided by the first benchmark's time of the same round.
# It prints every round, then per benchmark the median, min and max of those ratios and the B/op of -prof gc.
#
# Needs the classes of `mvn -B -P bench package` (target/bench) and JMH in ~/.m2 (the bench profile fetches it).
# Tunables: JMH_ROUNDS (8), JMH_OPTS ("-wi 2 -w 1s -i 3 -r 1s"), JAVA_HOME (see scripts/jdk.sh).
set -Eeuo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$REPO_ROOT/scripts/jdk.sh"
(($# >= 2)) || { echo "usage: $0 REFERENCE BENCHMARK..." >&2; exit 2; }
ROUNDS=${JMH_ROUNDS:-8}
read -r -a OPTS <<< "${JMH_OPTS:--wi 2 -w 1s -i 3 -r 1s}"
M2=${HOME:-/root}/.m2/repository
CP=$REPO_ROOT/target/bench/classes:$REPO_ROOT/target/bench/libs/*:$M2/org/openjdk/jmh/jmh-core/1.37/jmh-core-1.37.jar
CP=$CP:$M2/net/sf/jopt-simple/jopt-simple/5.0.4/jopt-simple-5.0.4.jar
CP=$CP:$M2/org/apache/commons/commons-math3/3.6.1/commons-math3-3.6.1.jar
[[ -f $REPO_ROOT/target/bench/classes/META-INF/BenchmarkList ]] || { echo "run mvn -B -P bench package first" >&2; exit 1; }
OUT=$(mktemp -d -t jmh-rounds.XXXXXX)
RESULTS=$OUT/results.tsv

for round in $(seq 1 "$ROUNDS"); do
    order=("$@")
    if ((round % 2 == 0)); then order=(); for ((i = $#; i >= 1; i--)); do order+=("${!i}"); done; fi
    for name in "${order[@]}"; do
        csv=$OUT/$round-$name.csv
        timeout 300 "$JAVA_HOME/bin/java" -cp "$CP" org.openjdk.jmh.Main -f 1 "${OPTS[@]}" -prof gc -rf csv -rff "$csv" \
            "RequestMetricsFilterBenchmark\.$name\$" > "$OUT/$round-$name.log" 2>&1
        ns=$(awk -F, 'NR == 2 { print $5 }' "$csv")
        bytes=$(awk -F, '$1 ~ /gc.alloc.rate.norm/ { print $5 }' "$csv")
        printf '%s\t%s\t%s\t%s\n' "$round" "$name" "$ns" "$bytes" >> "$RESULTS"
        printf 'round %s %-22s %10.1f ns %8.1f B/op\n' "$round" "$name" "$ns" "$bytes"
    done
done

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
echo
echo "Ratio to $1 within each round ($ROUNDS rounds; load average now $(cut -d' ' -f1-3 /proc/loadavg)):"
printf '  %-22s %10s %8s %8s %8s %8s\n' benchmark median_ns ratio min max B/op
for name in "$@"; do
    ratios=$(for round in $(seq 1 "$ROUNDS"); do
        awk -F'\t' -v r="$round" -v a="$name" -v b="$1" '$1 == r && $2 == a { x = $3 } $1 == r && $2 == b { y = $3 }
            END { printf "%.3f\n", x / y }' "$RESULTS"; done)
    printf '  %-22s %10.1f %8.3f %8s %8s %8.1f\n' "$name" \
        "$(awk -F'\t' -v a="$name" '$2 == a { print $3 }' "$RESULTS" | median)" "$(median <<< "$ratios")" \
        "$(sort -g <<< "$ratios" | head -1)" "$(sort -g <<< "$ratios" | tail -1)" \
        "$(awk -F'\t' -v a="$name" '$2 == a { print $4 }' "$RESULTS" | median)"
done
echo "every round: $RESULTS"
