// Where the project's own files are, whether running from TypeScript sources (tsx) or compiled dist/.
import fs from 'node:fs';
import path from 'node:path';

function findRoot(start: string): string {
  let dir = start;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 's2s-relay') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the s2s-relay project root above ${start}`);
    dir = parent;
  }
}

export const PROJECT_ROOT = findRoot(__dirname);
export const DATA_DIR = path.join(PROJECT_ROOT, '.data');
