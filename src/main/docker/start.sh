#!/bin/sh
# Container entry point: starts request-metrics as PID 1 (exec, so SIGTERM reaches java), with the AOT cache that
# the image build made (Dockerfile, training run) when it matches this jar, its libs and this JVM; otherwise
# without it, saying why in one line. A stale or missing cache never stops the service from starting.
#
#   AOT_CACHE=auto    (default) use /app/request-metrics.aot if it matches, else start cold
#   AOT_CACHE=off     start without the cache (the container proof measures both)
#   AOT_CACHE=record  training run: write the cache at exit (used by the Dockerfile only)
# JAVA_OPTS comes last, so it can override the defaults. Arguments are passed to main().
set -eu
APP=/app
CACHE=$APP/request-metrics.aot

# What the cache depends on: the jar, its libs and the JVM's module image (size and time of each; no hashing,
# which would cost start-up time).
fingerprint() {
    stat -c '%n %s %Y' "$APP/request-metrics.jar" "$APP"/libs/*.jar "$JAVA_HOME/lib/modules" | cksum
}

aot=""
case "${AOT_CACHE:-auto}" in
    auto)
        if [ ! -f "$CACHE" ]; then
            echo "request-metrics: no AOT cache at $CACHE: starting without it (slower start)" >&2
        elif [ "$(fingerprint)" != "$(cat "$CACHE.stamp" 2>/dev/null)" ]; then
            echo "request-metrics: AOT cache $CACHE was made for another jar or JVM: starting without it (slower start)" >&2
        else
            # Errors only: a cache that cannot be mapped still starts the JVM, which then says so.
            aot="-XX:AOTCache=$CACHE -Xlog:aot*=error"
        fi ;;
    off) ;;
    record)
        aot="-XX:AOTCacheOutput=$CACHE"
        fingerprint >"$CACHE.stamp" ;;
    *)
        echo "request-metrics cannot start: AOT_CACHE: '${AOT_CACHE}' must be auto, off or record" >&2
        exit 2 ;;
esac

# shellcheck disable=SC2086 # word splitting of $aot and $JAVA_OPTS is intended
exec java -XX:MaxRAMPercentage=75.0 -XX:+ExitOnOutOfMemoryError -Djava.io.tmpdir=/tmp -Duser.home=/tmp \
    $aot ${JAVA_OPTS:-} -jar "$APP/request-metrics.jar" "$@"
