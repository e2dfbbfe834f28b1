import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Files the assistant makes or receives in a test go to a folder of the test's own, never ./data/files.
process.env.SHENBAO_FILES_DIR ??= mkdtempSync(join(tmpdir(), 'shenbao-test-files-'));
