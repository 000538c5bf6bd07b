// The contract as other languages see it: the committed JSON Schema files (docs/contract/schema) are exactly
// what the zod definitions generate, they accept every example payload docs/contract.md shows (which the
// contract accepts too) and refuse bad ones, and the doc's names and limits are the code's.
import fs from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { checkMessage, LIMITS, MESSAGES, type MessageName } from '../../../domain/contract';
import { RefusalType } from '../../../domain/errors';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../../../domain/search-attributes';
import { queries, updates, USER_WORKFLOW_PREFIX, USER_WORKFLOW_TYPE } from '../../../domain/workflow-api';
import { contractSchemaFiles, SCHEMA_DIR, schemaDrift } from '../../../scripts/contract-schema';

const DOC = path.resolve(SCHEMA_DIR, '..', '..', 'contract.md');
const doc = fs.readFileSync(DOC, 'utf8');
const NAMES = Object.keys(MESSAGES) as MessageName[];

const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
const validators = new Map(NAMES.map((name) => [name, ajv.compile(JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, `${name}.json`), 'utf8')) as object)]));
const validate = (name: MessageName, value: unknown) => {
  const v = validators.get(name);
  if (!v) throw new Error(`no schema for ${name}`);
  return v(value) ? [] : (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
};

/** The payloads docs/contract.md shows, each marked `<!-- example: <message> -->` before its json block. */
function docExamples(): Array<{ name: MessageName; value: unknown }> {
  return [...doc.matchAll(/<!-- example: (\w+) -->\s*```json\n([\s\S]*?)```/g)].map((m) => ({
    name: m[1] as MessageName,
    value: JSON.parse(m[2] as string) as unknown,
  }));
}

describe('JSON Schema files', () => {
  it('are what `npm run contract:schema` generates from domain/contract (no drift)', () => {
    const drift = schemaDrift();
    expect(drift, `${drift.join('\n')}\nrun \`npm run contract:schema\` and commit docs/contract/schema/`).toEqual([]);
    expect([...contractSchemaFiles().keys()].sort()).toEqual(NAMES.map((n) => `${n}.json`).sort());
  });

  it('accept every example payload of docs/contract.md, which the contract accepts too', () => {
    const examples = docExamples();
    expect(new Set(examples.map((e) => e.name)), 'docs/contract.md has an example for every message').toEqual(new Set(NAMES));
    for (const { name, value } of examples) {
      expect(validate(name, value), `${name} example against ${name}.json`).toEqual([]);
      const checked = checkMessage(name, value);
      expect(checked.ok ? [] : checked.issues, `${name} example against the zod contract`).toEqual([]);
    }
  });

  it('refuse bad payloads (which the contract refuses too)', () => {
    const example = (name: MessageName) => docExamples().find((e) => e.name === name)?.value as Record<string, unknown>;
    const bad: Array<[MessageName, string, unknown]> = [
      ['track', 'revenue as a JSON number', { ...example('track'), revenue: 9.99 }],
      ['track', 'an unknown field', { ...example('track'), amount: '9.99' }],
      ['track', 'no eventId', { ...example('track'), eventId: undefined }],
      ['track', 'a nested callback param', { ...example('track'), callbackParams: { plan: { tier: 'pro' } } }],
      ['track', 'an empty sharingFilter', { ...example('track'), sharingFilter: [] }],
      ['track', 'an upper-case event name', { ...example('track'), name: 'Purchase' }],
      ['signup', 'a user id with a space', { ...example('signup'), userId: 'user 42' }],
      ['signup', 'platform "web"', { ...example('signup'), platform: 'web' }],
      ['signup', 'attStatus 7', { ...example('signup'), attStatus: 7 }],
      ['signup', 'an idfa that is not a UUID', { ...example('signup'), deviceIds: { idfa: 'abc' } }],
      ['signup', 'an unknown device id', { ...example('signup'), deviceIds: { imei: '490154203237518' } }],
      ['signup', 'installedAt without a timezone', { ...example('signup'), installedAt: '2026-11-22T10:15:00' }],
      ['refund', 'an amount with a sign', { ...example('refund'), amount: '-9.99' }],
      ['refund', 'an amount with 6 decimals', { ...example('refund'), amount: '9.999999' }],
      ['adRevenue', 'zero impressions', { ...example('adRevenue'), adImpressionsCount: 0 }],
      ['adRevenue', 'fractional impressions', { ...example('adRevenue'), adImpressionsCount: 1.5 }],
      ['redrive', 'an id with a space', { ids: ['dlv adj'] }],
      ['forget', 'no userId', { reason: 'x' }],
    ];
    for (const [name, what, value] of bad) {
      const json = JSON.parse(JSON.stringify(value)) as unknown; // as a backend would send it (undefined fields dropped)
      expect(validate(name, json).length, `${name}.json accepts ${what}`).toBeGreaterThan(0);
      expect(checkMessage(name, json).ok, `the contract accepts ${what}`).toBe(false);
    }
  });
});

describe('docs/contract.md', () => {
  it('links every schema file and names the workflow, its messages, queries, search attributes and failure types', () => {
    for (const name of NAMES) expect(doc.includes(`](contract/schema/${name}.json)`), `docs/contract.md links ${name}.json`).toBe(true);
    for (const needle of [
      `\`${USER_WORKFLOW_TYPE}\``,
      `\`${USER_WORKFLOW_PREFIX}<userId>\``,
      ...Object.keys(updates).map((u) => `| \`${u}\` |`),
      ...Object.keys(queries).map((q) => `| \`${q}\` |`),
      ...SEARCH_ATTRIBUTE_DEFINITIONS.map((sa) => `\`${sa.name}\``),
      ...Object.values(RefusalType).map((t) => `\`${t}\``),
      'USE_EXISTING',
      'REJECT_DUPLICATE',
      's2s recover <userId>',
    ]) {
      expect(doc.includes(needle), `docs/contract.md names ${needle}`).toBe(true);
    }
  });

  it('links only to files that exist and to its own headings', () => {
    const anchors = new Set(
      [...doc.matchAll(/^#+ (.+)$/gm)].map((m) =>
        (m[1] as string)
          .toLowerCase()
          .replace(/[^\w\s-]/g, '')
          .replace(/\s/g, '-'),
      ),
    );
    const links = [...doc.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] as string).filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t));
    expect(links.length).toBeGreaterThan(8);
    for (const link of links) {
      const [target = '', anchor] = link.split('#');
      if (target) expect(fs.existsSync(path.resolve(path.dirname(DOC), target)), `docs/contract.md links ${link}, which does not exist`).toBe(true);
      if (anchor !== undefined && !target) expect(anchors.has(anchor), `docs/contract.md links #${anchor}, which is none of its headings`).toBe(true);
    }
  });

  it('lists every limit with the value domain/contract/limits.ts has', () => {
    for (const [key, value] of Object.entries(LIMITS))
      expect(doc.includes(`| \`${key}\` | ${value} |`), `docs/contract.md's limits table has ${key} = ${value}`).toBe(true);
  });
});
