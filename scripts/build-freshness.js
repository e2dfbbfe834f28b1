// Whether the build in dist/ may be run instead of the sources: it exists and no file under src/ is newer (none when
// there are no sources: the build is all there is). Plain JavaScript: bin/shenbao.js asks before tsx is loaded.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The newest modification time of any file under `dir`. */
function newest(dir) {
  if (!existsSync(dir)) return 0;
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/** `dist/cli.js` under `root`, if it is there and not older than `root/src`. */
export function currentBuild(root) {
  const built = join(root, 'dist', 'cli.js');
  return existsSync(built) && statSync(built).mtimeMs >= newest(join(root, 'src')) ? built : null;
}
