#!/usr/bin/env bash
# Runs the test suite: unit tests and @ServerTest tests on real sockets, including a promtool check of a real scrape.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/jdk.sh
need_apt=()
command -v mvn >/dev/null || need_apt+=(maven)
command -v promtool >/dev/null || need_apt+=(prometheus)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    echo "warning: missing ${need_apt[*]} (install with apt-get); tests that need promtool are skipped" >&2
  fi
fi
exec mvn -B verify "$@"
