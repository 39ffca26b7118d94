# kscale controller image.
#
#   build    full toolchain: npm ci (with devDependencies), tsc → /src/dist
#   deps     npm ci --omit=dev: the runtime dependencies only
#   runtime  node + package.json + dist/ + production node_modules (+ the CRD); nothing else:
#            no sources, no devDependencies, no npm cache, root-owned read-only files, non-root user.
#
#   docker build -t kscale:0.1.0 \
#     --build-arg VERSION=0.1.0 --build-arg REVISION="$(git rev-parse HEAD)" \
#     --build-arg SOURCE=https://github.com/<org>/kscale --build-arg CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)" .
#
# Built to run with readOnlyRootFilesystem: true, runAsNonRoot: true (numeric USER) and all capabilities
# dropped; nothing is written at runtime. No Docker engine was available where this file was written:
# test/integration/dockerfile.test.ts replays these instructions without Docker and checks the result
# (docs/container-image.md says what that covers and what it does not). Pin NODE_IMAGE by digest in CI.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN node node_modules/typescript/bin/tsc -p tsconfig.build.json
# `kscale version` in the image names the commit it was built from (there is no .git here): the
# REVISION build argument goes into dist/build-info.json. Only this step and those after it are
# rebuilt when the revision changes.
COPY scripts/build-info.ts ./scripts/
ARG REVISION=unknown
RUN KSCALE_BUILD_COMMIT="${REVISION}" node scripts/build-info.ts dist/build-info.json

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json ./
# No runtime dependency has an install script (the image test checks the lockfile for that).
# Type declarations and source maps of the dependencies are never read at runtime: dropping them
# halves node_modules (@kubernetes/client-node alone ships 28 MB of .d.ts and 11 MB of .map).
RUN npm ci --omit=dev --ignore-scripts \
 && find node_modules -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' \) -delete

FROM ${NODE_IMAGE} AS runtime
# HOME and the npm cache point at /tmp so that nothing (not even an `npm` run by hand) tries to
# write to the root filesystem; the controller itself writes no files.
ENV NODE_ENV=production HOME=/tmp NPM_CONFIG_CACHE=/tmp/.npm NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /src/dist ./dist
COPY deploy/crd ./deploy/crd
USER 65532:65532
EXPOSE 8080
# Memory (issue 11, measured with bench/vs-hpa.ts at 1,000 autoscalers): V8's default young
# generation and lazy old-space growth keep ~3x the live heap resident, and glibc's per-thread malloc
# arenas hold freed memory. --optimize-for-size with a 1 MiB semi-space and two arenas keep RSS near
# the live data: 137 MiB at 1,000 autoscalers in 50 namespaces with 1.1 ms of CPU per evaluation
# (upstream's HPA: 145 MiB, 1.6 ms); see README "vs-hpa". Source maps are not loaded
# (+10 MiB); add NODE_OPTIONS=--enable-source-maps when debugging a stack trace.
ENV MALLOC_ARENA_MAX=2
ENTRYPOINT ["node", "--optimize-for-size", "--max-semi-space-size=1", "dist/cli/main.js"]
CMD ["run"]

# Labels last, so that changing the revision does not invalidate the layers above.
ARG NODE_IMAGE
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="kscale" \
      org.opencontainers.image.description="Kubernetes autoscaler with the HPA's exact decisions, explained" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="${NODE_IMAGE}"
