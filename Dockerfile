# syntax=docker/dockerfile:1
# The server in a small image: built with the Rust toolchain and Node (for
# GraphiQL's assets, which go into the binary), run as a non-root user on
# Debian slim. `docker build -t invoice-finance .`

FROM rust:1.95-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The registry and the target directory are cache mounts, so a rebuild after
# a change to our code reuses compiled dependencies; the binary is copied out.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    npm ci --prefix web --no-audit --no-fund --ignore-scripts \
 && cargo build --release --locked --bin invoice-finance \
 && cp target/release/invoice-finance /usr/local/bin/invoice-finance \
 && strip /usr/local/bin/invoice-finance

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /data invoice \
 && mkdir -p /data && chown invoice:invoice /data
COPY --from=build /usr/local/bin/invoice-finance /usr/local/bin/invoice-finance
USER 10001:10001
WORKDIR /data
# SQLite in /data unless DATABASE_URL says otherwise; JSON logs; all interfaces.
ENV BIND_ADDR=0.0.0.0:8000 \
    LOG_FORMAT=json \
    DATABASE_URL=sqlite:///data/invoice-finance.sqlite?mode=rwc
VOLUME ["/data"]
EXPOSE 8000
ENTRYPOINT ["invoice-finance"]
CMD ["serve"]
