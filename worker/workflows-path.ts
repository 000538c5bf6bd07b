// The workflow entry module, resolved for both TypeScript sources (tsx, vitest) and compiled dist/.
import fs from 'node:fs';
import path from 'node:path';

const dir = path.join(__dirname, '..', 'workflows');
export const WORKFLOWS_PATH = ['index.ts', 'index.js'].map((f) => path.join(dir, f)).find((f) => fs.existsSync(f)) ?? path.join(dir, 'index.js');
