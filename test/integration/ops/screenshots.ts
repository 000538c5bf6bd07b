// Screenshots of the browser tests: always to artifacts/ui/ (git-ignored); with S2S_DOCS_SCREENSHOTS=1
// (`npm run docs:screenshots`) also to docs/images/, where the documentation shows them.
import fs from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../../worker/paths';

export const ARTIFACTS = path.join(PROJECT_ROOT, 'artifacts', 'ui');
const DOCS_IMAGES = path.join(PROJECT_ROOT, 'docs', 'images');
export const DOCS = process.env.S2S_DOCS_SCREENSHOTS === '1';

export async function shot(target: Page | Locator, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await target.screenshot({ path: file });
  if (DOCS) {
    fs.mkdirSync(DOCS_IMAGES, { recursive: true });
    fs.copyFileSync(file, path.join(DOCS_IMAGES, `${name}.png`));
  }
}

/** On failure: the whole page and its HTML, to see what the browser showed. */
export async function saveFailure(page: Page, name = 'failure'): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true }).catch(() => undefined);
  fs.writeFileSync(path.join(ARTIFACTS, `${name}.html`), await page.content().catch(() => ''));
}
