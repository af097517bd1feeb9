# syntax=docker/dockerfile:1
# The Gati Operator hook server. Build: docker build -t ghcr.io/gati-framework/gati-operator:v0.1.0 .
# Three stages: `build` compiles TypeScript, `deps` installs production dependencies only,
# the runtime stage copies both onto a clean Node image without npm and runs as uid 1001.
ARG NODE_IMAGE=node:20-alpine

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
# npm, npx, yarn and corepack are not needed to run the server: remove them from the attack surface.
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/yarn /usr/local/bin/yarnpkg /usr/local/bin/corepack /opt/yarn* \
 && addgroup -g 1001 -S gati && adduser -u 1001 -S -G gati -H -h /app gati
WORKDIR /app
ENV NODE_ENV=production PORT=8080
COPY --from=deps --chown=0:0 /app/node_modules ./node_modules
COPY --from=build --chown=0:0 /src/dist ./dist
COPY --chown=0:0 package.json ./
# Numeric so Kubernetes can verify runAsNonRoot without reading /etc/passwd.
USER 1001:1001
EXPOSE 8080
# SERVER_NODE_FLAGS (src/install/manifests.ts). Hook calls parse large short-lived JSON, and a
# 32 MiB semi-space (which the Deployment's NODE_OPTIONS also sets) keeps it from being copied by
# scavenges; code that runs rarely keeps its bytecode instead of being compiled again (node
# refuses --no-flush-bytecode in NODE_OPTIONS, so only the image carries it).
ENTRYPOINT ["node", "--max-semi-space-size=32", "--no-flush-bytecode", "dist/cli/main.js", "serve"]
