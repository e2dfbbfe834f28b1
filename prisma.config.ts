// Prisma 7 configuration, read by the Prisma CLI (generate, and migrate deploy where the
// schema-engine binary is available). The app itself does not read this file:
// src/store/database.ts picks the database and applies migrations through the WASM engine.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  // Optional here so that `prisma generate` (run at npm install) works without a database.
  datasource: { url: process.env.DATABASE_URL },
});
