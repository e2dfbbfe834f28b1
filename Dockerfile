# Mirrors .ci/run: Node 20 on Debian, dependencies from the npm registry, data in a volume.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts ./scripts
COPY prisma ./prisma
COPY prisma.config.ts ./
RUN npm ci --omit=dev
COPY . .
# The bundled CLI and the embedded database template (npm ci ran before the sources were here).
RUN node scripts/build.js
ENV SHENBAO_DATA_DIR=/data/pglite
VOLUME /data
# Only used with TELEGRAM_WEBHOOK_URL (TELEGRAM_WEBHOOK_PORT); long polling needs no port.
EXPOSE 8080
ENTRYPOINT ["node", "bin/shenbao.js"]
CMD ["start"]
