# request-metrics container image (multi-stage).
#
#   docker build -t request-metrics:1.0.0 .
#   docker run -p 8080:8080 -p 8081:8081 request-metrics:1.0.0
#
# The tag is the one k8s/base/kustomization.yaml deploys (images: newTag).
#
# Base images can be swapped without editing this file:
#   --build-arg BUILD_IMAGE=<image with Maven 3.8+ and a JDK 25+ (with jdeps and jlink) on PATH>
#   --build-arg RUNTIME_BASE=<any glibc Linux image with /bin/sh and coreutils; it needs no Java>
# The runtime is a jlink'd JRE holding only the modules the service needs (jdeps), made from the build stage's JDK,
# and the image carries an AOT cache made by a training run of that very JRE (JDK 25: -XX:AOTCacheOutput), so the
# service is ready in about a second instead of 2.5 s. The code still compiles with --release 21.
# See docs/CONTAINER.md and docs/PERFORMANCE.md ("Start-up").

ARG BUILD_IMAGE=maven:3.9-eclipse-temurin-25
ARG RUNTIME_BASE=debian:bookworm-slim

# ---------------------------------------------------------------------------
# Build stage: Maven + JDK, produces target/request-metrics.jar and target/libs/,
# the jlink'd JRE (/build/jre) and the compiled training client (/build/aot).
# ---------------------------------------------------------------------------
FROM ${BUILD_IMAGE} AS build
WORKDIR /build

# Dependencies first, in their own layer: it is rebuilt only when a POM changes. The build is the repository's
# (pom.xml): the feature (feature/), the test helpers (testing/) and the service (service-pom.xml); the feature
# and the helpers are built here, not downloaded (excludeReactor).
COPY pom.xml service-pom.xml ./
COPY feature/pom.xml ./feature/
COPY testing/pom.xml ./testing/
RUN mvn -B -ntp dependency:go-offline -DexcludeReactor=true

# Then the sources. maven.test.skip: tests are neither compiled nor run (CI runs
# them outside the image; .dockerignore keeps src/test out of the context).
# Not offline (-o): should go-offline miss a plugin dependency, it is fetched here.
COPY src ./src
COPY feature/src ./feature/src
COPY testing/src ./testing/src
COPY app.yaml ./
RUN mvn -B -ntp -Dmaven.test.skip=true package

# A JRE with the modules jdeps finds, plus jdk.unsupported (sun.misc, used reflectively by libraries) and
# jdk.management (com.sun.management meters). No Java debug attributes, man pages or headers (--strip-debug would
# also strip native symbols, which needs objcopy: not in every build image).
RUN release=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p') \
    && modules=$(jdeps --print-module-deps --ignore-missing-deps --multi-release "$release" \
        --class-path 'target/libs/*' target/request-metrics.jar) \
    && echo "jlink modules: $modules,jdk.unsupported,jdk.management" \
    && jlink --add-modules "$modules,jdk.unsupported,jdk.management" --strip-java-debug-attributes --no-man-pages \
        --no-header-files --output /build/jre \
    && javac --release 21 -d /build/aot src/main/docker/AotTraining.java

# ---------------------------------------------------------------------------
# Runtime stage: the JRE, the jar, libs/, the entry point and the AOT cache.
# ---------------------------------------------------------------------------
FROM ${RUNTIME_BASE}
ENV JAVA_HOME=/opt/java/jre \
    PATH=/opt/java/jre/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
COPY --from=build /build/jre /opt/java/jre
WORKDIR /app

# Owned by root and not writable by the runtime user: the application never
# writes here (the image also runs with a read-only root filesystem).
COPY --from=build /build/target/libs ./libs
COPY --from=build /build/target/request-metrics.jar ./request-metrics.jar
COPY src/main/docker/start.sh ./start.sh

# Training run with the runtime's own JVM (an AOT cache only serves the JVM build and the jar it was made with):
# start.sh with AOT_CACHE=record on ephemeral 127.0.0.1 ports, every API, errors, an NDJSON stream, scrapes and
# health probes, then SIGTERM. The JVM writes /app/request-metrics.aot (and start.sh its .stamp) at exit.
COPY --from=build /build/aot /tmp/aot
RUN chmod 755 /app/start.sh \
    && java -cp /tmp/aot AotTraining /app/start.sh /app/request-metrics.aot \
    && rm -rf /tmp/aot /tmp/aot-training*.log /tmp/hsperfdata_* \
    && chmod 644 /app/request-metrics.aot /app/request-metrics.aot.stamp

# Fixed non-root UID/GID; it needs no passwd entry. HOME points at /tmp, the
# only place the process may write (mount a tmpfs there with --read-only).
USER 10001:10001
ENV HOME=/tmp \
    JAVA_OPTS="" \
    AOT_CACHE=auto

# 8080: public API, 8081: admin socket (/observe/metrics, /observe/health).
EXPOSE 8080 8081

# start.sh execs java (PID 1 receives SIGTERM from `docker stop`) with the AOT cache when it matches, else without
# it (one line says why); $JAVA_OPTS comes last so it can override the defaults; arguments are passed to main().
ENTRYPOINT ["/app/start.sh"]
