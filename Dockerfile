# syntax=docker/dockerfile:1
#
# One image for every Lattice process. The default command runs the all-in-one platform (embedded PGlite
# databases under /data); a distributed deployment runs the same image once per service and overrides the
# command, e.g. `node dist/gateway/main.js` or `node dist/subgraphs/identity/main.js` (see docker-compose.yml).
# Health checks live in docker-compose.yml: each service answers /health/ready on its own port.
# No secret has a default here: LATTICE_CONTEXT_SECRET, LATTICE_ADMIN_PASSWORD, database URLs, … come from the
# environment at run time.

# ---- build: compile TypeScript to dist/ --------------------------------------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

# ---- runtime: production dependencies, compiled code and the composed supergraph ----------------------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production HOST=0.0.0.0
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
# The gateway reads schema/supergraph.graphql, found by walking up to package.json.
COPY --from=build /app/schema ./schema

# Data dir of the embedded platform (PGlite databases and its generated context secret). Created and owned by
# `node` before VOLUME so a fresh named volume inherits that ownership.
ENV LATTICE_DATA_DIR=/data
RUN mkdir -p /data && chown node:node /data
VOLUME /data

USER node
EXPOSE 4000
CMD ["node", "dist/platform/main.js"]
