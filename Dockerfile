# request-metrics container image (multi-stage).
#
#   docker build -t request-metrics:1.0.0 .
#   docker run -p 8080:8080 -p 8081:8081 request-metrics:1.0.0
#
# The tag is the one k8s/base/kustomization.yaml deploys (images: newTag).
#
# Base images can be swapped without editing this file:
#   --build-arg BUILD_IMAGE=<image with Maven 3.8+ and a JDK 21+ on PATH>
#   --build-arg RUNTIME_IMAGE=<image with a JRE 21+ as `java` on PATH and /bin/sh>
# See docs/CONTAINER.md.

ARG BUILD_IMAGE=maven:3.9-eclipse-temurin-21
ARG RUNTIME_IMAGE=eclipse-temurin:21-jre

# ---------------------------------------------------------------------------
# Build stage: Maven + JDK, produces target/request-metrics.jar and target/libs/
# ---------------------------------------------------------------------------
FROM ${BUILD_IMAGE} AS build
WORKDIR /build

# Dependencies first, in their own layer: it is rebuilt only when pom.xml changes.
COPY pom.xml ./
RUN mvn -B -ntp dependency:go-offline

# Then the sources. maven.test.skip: tests are neither compiled nor run (CI runs
# them outside the image; .dockerignore keeps src/test out of the context).
# Not offline (-o): should go-offline miss a plugin dependency, it is fetched here.
COPY src ./src
COPY app.yaml ./
RUN mvn -B -ntp -Dmaven.test.skip=true package

# ---------------------------------------------------------------------------
# Runtime stage: a JRE, the jar and libs/ only.
# ---------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE}
WORKDIR /app

# Owned by root and not writable by the runtime user: the application never
# writes here (the image also runs with a read-only root filesystem).
COPY --from=build /build/target/libs ./libs
COPY --from=build /build/target/request-metrics.jar ./request-metrics.jar

# Fixed non-root UID/GID; it needs no passwd entry. HOME points at /tmp, the
# only place the process may write (mount a tmpfs there with --read-only).
USER 10001:10001
ENV HOME=/tmp \
    JAVA_OPTS=""

# 8080: public API, 8081: admin socket (/observe/metrics, /observe/health).
EXPOSE 8080 8081

# `sh -c` so that $JAVA_OPTS expands (it comes last, so it can override the
# defaults); `exec` so that java replaces the shell as PID 1 and receives
# SIGTERM from `docker stop`. Extra `docker run` arguments are passed to main().
ENTRYPOINT ["sh", "-c", "exec java -XX:MaxRAMPercentage=75.0 -XX:+ExitOnOutOfMemoryError -Djava.io.tmpdir=/tmp -Duser.home=/tmp $JAVA_OPTS -jar /app/request-metrics.jar \"$@\"", "request-metrics"]
