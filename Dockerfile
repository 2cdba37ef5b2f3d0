# PruneLab: the sweep job service in a container.
#   docker build -t prunelab .
#   docker run -p 8080:8080 -v prunelab-state:/var/lib/prunelab/state -v prunelab-jobs:/opt/prunelab/public/jobs \
#              -v prunelab-uploads:/opt/prunelab/public/uploads prunelab
# Browse http://127.0.0.1:8080. Set PRUNELAB_TOKEN (-e PRUNELAB_TOKEN=...) to require a bearer token
# for POST and DELETE. Add `--submit-reference` after the image name to queue the reference sweep on start.
# With PostgreSQL support (deploy/compose.yaml does this): docker build --build-arg PRUNELAB_TRAITS=Postgres -t prunelab:postgres .

# ---- build: the Swift toolchain with the C libraries PruneLab links ----
FROM swift:6.3-bookworm AS build
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get -q update \
    && apt-get -q install -y --no-install-recommends libz-dev libopenblas-dev libsqlite3-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so editing the sources does not refetch them.
# PRUNELAB_TRAITS: package traits to build with, e.g. Postgres (the PostgreSQL work store).
ARG PRUNELAB_TRAITS=""
COPY Package.swift Package.resolved* ./
RUN swift package ${PRUNELAB_TRAITS:+--traits "$PRUNELAB_TRAITS"} resolve
COPY Sources ./Sources
COPY Tests ./Tests
# The Swift runtime and Foundation are linked in, so the runtime image needs no toolchain.
RUN swift build -c release --static-swift-stdlib --product prunelab ${PRUNELAB_TRAITS:+--traits "$PRUNELAB_TRAITS"} \
    && install -D "$(swift build -c release --show-bin-path)/prunelab" /out/prunelab

# ---- runtime: slim Debian with the shared libraries and the dataset ----
FROM debian:bookworm-slim
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get -q update \
    && apt-get -q install -y --no-install-recommends \
        libopenblas0 zlib1g libsqlite3-0 libstdc++6 dataset-fashion-mnist curl ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /var/lib/prunelab --shell /usr/sbin/nologin prunelab
COPY --from=build /out/prunelab /usr/local/bin/prunelab
# The web page stays root's; only its jobs/ and uploads/ folders (artifacts, uploaded models and
# datasets) are the service user's.
COPY public /opt/prunelab/public
RUN rm -rf /opt/prunelab/public/jobs /opt/prunelab/public/uploads \
    && install -d -o prunelab -g prunelab /opt/prunelab/public/jobs /opt/prunelab/public/uploads /var/lib/prunelab/state \
        /shared
# /shared: the artifacts folder many processes share (deploy/compose.yaml); a volume mounted there
# starts out owned by the service user.

USER prunelab
WORKDIR /var/lib/prunelab
# Job records, the artifacts a resumed job continues from (checkpoint, results.csv) and uploads: keep all three.
VOLUME ["/var/lib/prunelab/state", "/opt/prunelab/public/jobs", "/opt/prunelab/public/uploads"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["prunelab", "serve", "--host", "0.0.0.0", "--port", "8080", \
            "--state-dir", "/var/lib/prunelab/state", "--public", "/opt/prunelab/public"]
