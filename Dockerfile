# Build: the release binary; run: a slim image with only the binary.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p api --bin tongxin

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* && useradd --system --home /app tongxin
WORKDIR /app
COPY --from=build /src/target/release/tongxin /usr/local/bin/tongxin
USER tongxin
EXPOSE 8000
ENV TONGXIN_LISTEN=0.0.0.0:8000
CMD ["tongxin", "serve"]
