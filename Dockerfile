# The image the Helm chart runs for the hub and the proxy (hub.image): nbhub on Node 20.
#
#   docker build -t ghcr.io/nbhub/nbhub:0.1.0 .
#
# No image is published yet: build it, push it to a registry your cluster can pull from, and set
# hub.image.name / hub.image.tag. The pods run it as uid 1000 (hub) and 65534 (proxy); nothing in
# the image needs to be writable (the hub's data is on its volume, tsx caches in /tmp).
# test/chart/image.test.ts replays the COPY and `npm ci` steps below and runs the commands the
# chart gives the containers, so what the image holds is enough to run them.

FROM node:20-bookworm-slim AS build
# compilers for native modules (argon2, better-sqlite3) when no prebuilt binary fits
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/nbhub
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

FROM node:20-bookworm-slim
# python3-traitlets: the hub runs z2jh's hub.extraConfig snippets against a recording config
# (src/config/z2jh/extraConfig.py) when it loads its config.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini python3-minimal python3-traitlets \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/nbhub
COPY --from=build /opt/nbhub/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY bin ./bin
COPY src ./src
RUN ln -s /opt/nbhub/bin/nbhub.mjs /usr/local/bin/nbhub
ENV NODE_ENV=production NBHUB_PYTHON=/usr/bin/python3
USER 1000:1000
EXPOSE 8000 8001 8081
ENTRYPOINT ["tini", "--"]
CMD ["nbhub", "start"]
