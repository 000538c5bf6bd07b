# syntax=docker/dockerfile:1
# The s2s-relay worker image. The build stage installs every dependency, compiles the TypeScript
# (`npm run build`: tsc -p tsconfig.build.json -> dist/) and prebuilds the workflow bundle; the runtime stage
# has production dependencies, dist/ and config/ only, and runs as the unprivileged `node` user.
# Debian (glibc) base: the Temporal SDK's native core has no musl (Alpine) build. Node 26 is the active LTS
# (Node 20 reached end of life on 2026-04-30); CI runs the test suite on this version (.ci/run), on Debian 12.
ARG NODE_IMAGE=node:26.12.1-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No dependency needs an install script (the project's policy); skipping them keeps the build hermetic.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY domain ./domain
COPY workflows ./workflows
COPY activities ./activities
COPY worker ./worker
COPY client ./client
COPY codec ./codec
COPY emulator ./emulator
RUN npm run build \
 && node dist/worker/build-bundle.js dist/workflow-bundle.js

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY config ./config
COPY bin ./bin
# The embedded delivery ledger's default place (one container; replicas share PostgreSQL: S2S_LEDGER_URL).
RUN mkdir -p /app/.data && chown node:node /app/.data
# Workers start from the prebuilt bundle; metrics on 9464 (Prometheus: GET /metrics).
ENV S2S_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js \
    S2S_METRICS_PORT=9464
EXPOSE 9464
USER node
# SIGTERM: the worker stops polling and lets in-flight sends finish (worker/run.ts onShutdownSignal).
# Run with an init (compose `init: true`, `docker run --init`) so signals and zombies are handled.
STOPSIGNAL SIGTERM
CMD ["node", "dist/worker/main.js"]
