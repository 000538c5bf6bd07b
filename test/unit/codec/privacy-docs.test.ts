// docs/privacy.md against the code: every variable the payload keys and the codec server read is documented
// with its default, only those are, the screenshots and files it links to exist, and the messages it quotes
// are the ones the code prints.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { CodecServerEnv } from '../../../codec/codec-server-settings';
import { readPayloadEncryption } from '../../../codec/payload-encryption';
import { PayloadKeySettings, readPayloadKeys } from '../../../codec/payload-keys';
import { PROJECT_ROOT } from '../../../worker/paths';

const doc = fs.readFileSync(path.join(PROJECT_ROOT, 'docs', 'privacy.md'), 'utf8');
type Shape = Record<string, z.ZodType>;
const variables = { ...(PayloadKeySettings.shape as Shape), ...(CodecServerEnv.shape as Shape) };
const rows = (name: string) => doc.split('\n').filter((l) => l.startsWith('|') && (l.split('|')[1] ?? '').includes(`\`${name}\``));

describe('docs/privacy.md', () => {
  it('documents every payload-key and codec-server variable with its default', () => {
    for (const [name, schema] of Object.entries(variables)) {
      const [row] = rows(name);
      expect(row, `${name} is documented`).toBeDefined();
      const fallback = schema.safeParse(undefined);
      const cell = (row as string).split('|')[2] as string;
      const value = fallback.success ? fallback.data : undefined;
      if (value === undefined) expect(cell, `${name} default`).toMatch(/unset/);
      else expect(cell, `${name} default`).toContain(`\`${Array.isArray(value) ? value.join(',') : String(value)}\``);
    }
  });

  it('documents in its tables only variables those schemas read', () => {
    const documented = doc
      .split('\n')
      .filter((l) => /^\| `[A-Z][A-Z0-9_]*`/.test(l))
      .map((l) => /^\| `([A-Z0-9_]+)`/.exec(l)?.[1] as string);
    expect(documented.length).toBe(Object.keys(variables).length);
    for (const name of documented) expect(Object.keys(variables)).toContain(name);
  });

  it('links only to files that exist', () => {
    for (const m of doc.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
      const target = m[1] as string;
      if (/^[a-z]+:/.test(target)) continue;
      expect(fs.existsSync(path.resolve(PROJECT_ROOT, 'docs', target)), `docs/privacy.md links to ${target}`).toBe(true);
    }
    for (const name of ['codec-off-history', 'codec-off-signup', 'codec-settings', 'codec-on-history', 'codec-on-signup'])
      expect(doc).toContain(`(images/${name}.png)`);
    for (const file of doc.matchAll(/`((?:test|codec)\/[\w/.-]+\.ts)`/g)) expect(fs.existsSync(path.join(PROJECT_ROOT, file[1] as string)), file[1]).toBe(true);
  });

  it('quotes the messages the code prints', () => {
    const description = readPayloadEncryption({ S2S_PAYLOAD_KEYS: `k2026a:${randomBytes(32).toString('base64')}` }).description;
    expect(doc).toContain(description);
    let message = '';
    try {
      readPayloadKeys({ S2S_PAYLOAD_KEYS: `k2026a:${randomBytes(32).toString('base64')},k2026b:${randomBytes(16).toString('base64')}` });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(doc).toContain(message);
  });
});
