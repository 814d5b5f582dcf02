# Sourced by the other scripts: exports JAVA_HOME pointing at a JDK 21+ (Helidon 4 needs it).
# Keeps a JAVA_HOME that is already 21+, else takes the newest JDK 21+ under /usr/lib/jvm, else fails.

java_major() {
  # awk reads to the end (no early exit): under a caller's pipefail, java must not meet a closed pipe.
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ && !v {v = $2} END {print v}'
}

find_jdk21() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ] && [ "$(java_major "$JAVA_HOME")" -ge 21 ] 2>/dev/null; then
    return 0
  fi
  local best="" best_major=0 dir major
  for dir in /usr/lib/jvm/* /opt/java/* /opt/jdk*; do
    [ -x "$dir/bin/javac" ] || continue
    major=$(java_major "$dir") || continue
    if [ -n "$major" ] && [ "$major" -ge 21 ] 2>/dev/null && [ "$major" -gt "$best_major" ]; then
      best="$dir"; best_major="$major"
    fi
  done
  if [ -z "$best" ]; then
    echo "error: no JDK 21+ found. Install one (e.g. Temurin 21 or 25) and set JAVA_HOME to it." >&2
    return 1
  fi
  export JAVA_HOME="$best"
}

find_jdk21 || exit 1
export PATH="$JAVA_HOME/bin:$PATH"
