// Prisma's schema engine (migrations, diffs) compiled to WebAssembly, driven through a driver
// adapter. The Prisma CLI would download a native binary for this, which these machines cannot.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import * as runtime from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { SchemaEngine } from '@prisma/schema-engine-wasm/schema_engine_bg';

export type { SchemaEngine };

let loading: Promise<typeof runtime> | undefined;

/**
 * Instantiates the engine's WebAssembly module once per process. The package's own entry
 * imports the .wasm file as an ES module, which Node 20 refuses, so it is done by hand here.
 */
function loadRuntime(): Promise<typeof runtime> {
  loading ??= (async () => {
    const require = createRequire(import.meta.url);
    const packageDir = dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg'));
    const bytes = await readFile(join(packageDir, 'schema_engine_bg.wasm'));
    const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': runtime });
    runtime.__wbg_set_wasm(instance.exports);
    (instance.exports as { __wbindgen_start(): void }).__wbindgen_start();
    return runtime;
  })();
  return loading;
}

/** A Prisma schema file as the engine takes it. */
export interface SchemaFile {
  path: string;
  content: string;
}

/**
 * Creates a schema engine that talks to the database behind `adapterFactory`.
 * `schemaFiles` are only needed for commands that read the datamodel from the engine's own state.
 * Call `engine.free()` when done; the adapter factory's database stays open.
 */
export async function createSchemaEngine(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  schemaFiles?: SchemaFile[],
): Promise<SchemaEngine> {
  const wasm = await loadRuntime();
  // Wraps every adapter call so a driver error becomes a value the engine can carry.
  const adapter = bindMigrationAwareSqlAdapterFactory(adapterFactory);
  // The engine takes `undefined` or a non-empty list of [path, content] pairs.
  const datamodels: [string, string][] | undefined =
    schemaFiles && schemaFiles.length > 0 ? schemaFiles.map((f) => [f.path, f.content]) : undefined;
  const log = (line: string) => {
    if (process.env.SHENBAO_DEBUG_SCHEMA_ENGINE) process.stderr.write(`[schema-engine] ${line}\n`);
  };
  return wasm.SchemaEngine.new({ datamodels }, log, adapter);
}
