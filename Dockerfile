# The image of the Docker Compose deployment (`mediapath compose`): the orchestrator, the
# router and every host's agent run it. iproute2 gives the agents `ip` (their scenario
# addresses and routes) and the router `tc` (link rates).
FROM node:20-bookworm-slim AS build
# The relay's batched UDP addon builds with node-gyp; without a compiler it falls back to
# node:dgram, so these only make the image faster.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
COPY native ./native
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY types ./types
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
RUN apt-get update \
  && apt-get install -y --no-install-recommends iproute2 \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/native ./native
COPY --from=build /app/dist ./dist
COPY bin ./bin
# The reference scenarios (a generated compose file names them as /app/scenarios/<file>),
# the training labs, and the docs the CLI points to (docs/rules.md).
COPY scenarios ./scenarios
COPY labs ./labs
COPY docs ./docs
ENTRYPOINT ["node", "/app/bin/mediapath.js"]
CMD ["run"]
