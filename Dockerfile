# syntax=docker/dockerfile:1
# The release binary, built in three stages so that the dependencies are a cached layer
# (cargo-chef): `planner` reduces the workspace to a recipe of its manifests, `cook` builds
# the dependencies from the recipe alone, `build` adds the sources and builds Tongxin.
# A change to the sources reuses the cooked layer; only a change to a manifest or to
# Cargo.lock cooks again. The runtime is a slim Debian image with only the binary.
# The release profile links under fat LTO: the builder needs about 3 GB of memory.
#
# Rust 1.95 on bookworm in every build stage (cargo-chef caches only within one toolchain);
# bookworm's glibc matches the runtime image's.
FROM lukemathwalker/cargo-chef:0.1.77-rust-1.95.0-bookworm AS chef
WORKDIR /src

# The workspace's members only: `fuzz/` is a workspace of its own, `web/` is no crate.
FROM chef AS planner
COPY Cargo.toml Cargo.lock ./
COPY api api
COPY entity entity
COPY migration migration
COPY bench bench
COPY memory memory
RUN cargo chef prepare --recipe-path recipe.json

# The dependencies, for exactly the package, binary and profile built below (gcc, which
# ring and mimalloc need, comes with the rust bookworm image).
FROM chef AS cook
COPY --from=planner /src/recipe.json recipe.json
RUN cargo chef cook --release --locked -p api --bin tongxin --recipe-path recipe.json

FROM cook AS build
COPY Cargo.toml Cargo.lock ./
COPY api api
COPY entity entity
COPY migration migration
COPY bench bench
COPY memory memory
# Embedded in the binary by include_bytes! (api/src/http/web.rs).
COPY web/dashboard web/dashboard
COPY web/graphiql web/graphiql
RUN cargo build --release --locked -p api --bin tongxin

FROM debian:bookworm-slim AS runtime
# ca-certificates for TLS to the WeChat API, curl for the health checks, fonts-wqy-microhei
# for the proof PDFs (read at run time from TONGXIN_PROOF_FONT's default path). Not pinned to
# Debian revisions: bookworm-slim follows the point releases and security updates, and the
# archive drops a superseded revision, so a pinned `pkg=version` would break the build.
# The fixed UID/GID keep a data volume's ownership stable across rebuilds.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 tongxin \
    && useradd --system --uid 10001 --gid tongxin --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin tongxin \
    && install -d -o tongxin -g tongxin -m 0750 /app/data
COPY --from=build /src/target/release/tongxin /usr/local/bin/tongxin
# Without DATABASE_URL the server keeps the embedded SQLite file tongxin.db (with the demo
# data) in its working directory: /app/data, owned by the user and a volume of its own.
WORKDIR /app/data
VOLUME ["/app/data"]
USER 10001:10001
ENV TONGXIN_LISTEN=0.0.0.0:8000
EXPOSE 8000
# Liveness of the process; docker-compose.yml checks readiness (/readyz) instead.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8000/healthz"]
CMD ["tongxin", "serve"]
