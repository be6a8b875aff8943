# syntax=docker/dockerfile:1
# Build: docker build -t mini-crm .
# Run:   docker run -p 8000:8000 -v mini-crm-data:/data mini-crm

FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 falls back to compiling from source when no prebuilt binary fits.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json bundle.ts ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# Same base image as the build stage, so the compiled native module matches its libc.
FROM node:20-bookworm-slim
# glibc gives each thread that allocates (the registrar, V8's helpers) an arena of its
# own, up to 8 per core, and each keeps what it freed: two arenas measured 18–34 MB less
# resident at the end of a load run, for 0.93–1.03× the registrations/s (docs/performance.md).
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    PORT=8000 \
    HOST=0.0.0.0 \
    DATABASE_URL=sqlite:/data/mini-crm.db
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
# The service is bundled: dist/mini-crm.js, the registrar thread's dist/registrar.js and
# dist/chunks/, where the Swagger UI page waits for the first request of /docs and the
# PostgreSQL client for a DATABASE_URL that names PostgreSQL (unused modules left out:
# ~45 MB less resident); node_modules is still needed for the native SQLite driver, and
# dist/src for `node dist/src/reconcile.js`.
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node runs as PID 1 and handles SIGTERM itself: it stops accepting, finishes the
# requests in flight, closes the database and exits 0.
STOPSIGNAL SIGTERM
# V8's heap held close to what it uses, as `npm start` runs it: young generations of
# 2 × 8 MB on the main thread instead of 2 × 16 MB (the registrar sets its own 2 × 2 MB
# as it starts: docs/performance.md, "Young generations sized per thread"), and old
# generations that grow to 1.75× what they held after their last full collection
# instead of up to 4× ("The heap held close"); and one V8 helper thread instead of
# four, which on two cores took CPU from the threads that answer ("One V8 helper thread").
CMD ["node", "--v8-pool-size=1", "--max-semi-space-size=8", "--heap-growing-percent=75", "dist/mini-crm.js"]
