// `shenbao db migrate`: bring the database up to date and say so in one line.
import { openDatabase } from './database.ts';

export interface MigrateCommandOptions {
  /** postgres:// URL; defaults to env DATABASE_URL, else the embedded database. */
  databaseUrl?: string;
  /** Folder of the embedded database (default ./data/pglite). */
  dataDir?: string;
}

/** Applies pending migrations and returns a Chinese summary for the operator. */
export async function runMigrateCommand(options: MigrateCommandOptions): Promise<string> {
  const db = await openDatabase({ ...options, migrate: false });
  try {
    const { applied, total } = await db.migrate();
    const where = db.kind === 'postgres' ? `PostgreSQL（${db.location}）` : `内置数据库（${db.location}）`;
    if (applied.length === 0) return `${where}：数据库已是最新（已应用 ${total} 个迁移）`;
    return `${where}：已应用 ${applied.length} 个新迁移（${applied.join('、')}），共 ${total} 个迁移`;
  } finally {
    await db.close();
  }
}
