// The client package's manifest stays in step with the repository (no build needed): the root's version and
// pinned dependency versions, client dependencies only, and an exports map whose entries the build writes.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectedPackageJson, PACKAGE_DIR, ROOT } from '../../../scripts/build-client';

describe('packages/client/package.json', () => {
  it('has the root version and the exact dependency versions the root pins', () => {
    const { current, expected } = expectedPackageJson();
    expect(
      current,
      'packages/client/package.json is out of date: run `npm run build:client` (it syncs the version and dependency versions from the root) and commit it',
    ).toEqual(expected);
  });

  it('declares only what the client needs, and an exports map for import and require with types first', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(PACKAGE_DIR, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      exports: Record<string, Record<string, Record<string, string>> | string>;
      files: string[];
    };
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['@temporalio/client', '@temporalio/common', '@temporalio/proto', '@temporalio/workflow', 'zod']);
    const main = pkg.exports['.'] as Record<string, Record<string, string>>;
    expect(Object.keys(main)).toEqual(['import', 'require']);
    for (const condition of Object.values(main)) expect(Object.keys(condition)).toEqual(['types', 'default']);
    expect(main.import).toEqual({ types: './dist/esm/index.d.mts', default: './dist/esm/index.mjs' });
    expect(main.require).toEqual({ types: './dist/cjs/client/index.d.ts', default: './dist/cjs/client/index.js' });
    expect(pkg.files).toEqual(['dist']);
    // The package's entry is the repository's client/index.ts.
    const tsconfig = JSON.parse(fs.readFileSync(path.join(PACKAGE_DIR, 'tsconfig.json'), 'utf8')) as { files: string[] };
    expect(tsconfig.files.map((f) => path.relative(ROOT, path.resolve(PACKAGE_DIR, f)))).toEqual([path.join('client', 'index.ts')]);
  });
});
