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
# Only used by webhooks (TELEGRAM_WEBHOOK_PORT 8080, FEISHU_WEBHOOK_PORT 8081); long polling and the long connection need none.
EXPOSE 8080 8081
ENTRYPOINT ["node", "bin/shenbao.js"]
CMD ["start"]
