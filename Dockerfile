# kscale controller image: build with the full toolchain, ship only compiled output and runtime deps.
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json

FROM node:24-bookworm-slim AS runtime
LABEL org.opencontainers.image.title="kscale" \
      org.opencontainers.image.description="Kubernetes autoscaler with the HPA's exact decisions, explained" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist ./dist
COPY deploy/crd ./deploy/crd
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["node", "--enable-source-maps", "dist/cli/main.js"]
CMD ["run"]
