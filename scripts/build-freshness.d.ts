/** `dist/cli.js` under `root`, if it is there and not older than `root/src`. */
export function currentBuild(root: string): string | null;
