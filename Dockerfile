# syntax=docker/dockerfile:1
# The server in a small image: built with the Rust toolchain and Node (for
# GraphiQL's assets, which go into the binary), run as a non-root user on
# Debian slim. `docker build -t invoice-finance .`

FROM rust:1.95-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so a change to our code does not refetch them.
COPY Cargo.toml Cargo.lock ./
COPY entity entity
COPY migration migration
COPY web/package.json web/package-lock.json web/
RUN npm ci --prefix web --no-audit --no-fund --ignore-scripts
COPY . .
RUN cargo build --release --locked --bin invoice-finance \
 && strip target/release/invoice-finance

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /data invoice \
 && mkdir -p /data && chown invoice:invoice /data
COPY --from=build /src/target/release/invoice-finance /usr/local/bin/invoice-finance
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
