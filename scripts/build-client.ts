// Builds and packs the installable client package (@s2s-relay/client, packages/client): client/index.ts and
// only what it imports (client/, domain/ and the payload codec in codec/) compiled to CommonJS with declarations, an ES module entry that
// re-exports the same objects by name (so `import` and `require` share one copy of every class, and
// `instanceof RelayInputError` holds either way), the version and dependency versions synced from the root
// package.json, then `npm pack`. Fails when the build would reach the worker's side or import a package the
// client package does not declare.
//
//   npm run build:client                                  # tarball in artifacts/
//   npm run build:client -- --pack-destination /tmp/x     # tarball elsewhere
//   npm run build:client -- --no-pack                     # build dist/ only
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';

export const ROOT = path.resolve(__dirname, '..');
export const PACKAGE_DIR = path.join(ROOT, 'packages', 'client');
const DIST = path.join(PACKAGE_DIR, 'dist');
const CJS_ENTRY = path.join(DIST, 'cjs', 'client', 'index.js');
/** The only source folders the package may contain. */
const ALLOWED_SOURCES = ['client/', 'domain/', 'codec/'];
/** Client modules that belong to the CLI or the operator's tools, never to the package. */
const FORBIDDEN_SOURCES = ['client/cli', 'domain/metrics', 'codec/codec-server', 'codec/codec-access', 'codec/main'];

interface PackageJson {
  name: string;
  version: string;
  dependencies: Record<string, string>;
  [key: string]: unknown;
}

export interface PackResult {
  tarball: string;
  /** Bytes of the .tgz. */
  size: number;
  /** Bytes of the files once unpacked. */
  unpackedSize: number;
  entryCount: number;
}

const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;

/**
 * The package.json the client package should have: the root's version, and for each dependency the exact
 * version the root pins (the client runs against the same Temporal SDK and zod the relay is tested with).
 */
export function expectedPackageJson(): { current: PackageJson; expected: PackageJson } {
  const root = readJson<PackageJson>(path.join(ROOT, 'package.json'));
  const current = readJson<PackageJson>(path.join(PACKAGE_DIR, 'package.json'));
  const dependencies: Record<string, string> = {};
  for (const name of Object.keys(current.dependencies)) {
    const pinned = root.dependencies[name];
    if (!pinned)
      throw new Error(
        `packages/client/package.json depends on ${name}, which the root package.json does not: add it there first (the client uses the versions the relay is tested with)`,
      );
    dependencies[name] = pinned;
  }
  return { current, expected: { ...current, version: root.version, dependencies } };
}

/** The package.json as committed, refused when it no longer matches the root (tests build without writing files). */
function inSync(): PackageJson {
  const { current, expected } = expectedPackageJson();
  if (JSON.stringify(current) !== JSON.stringify(expected))
    throw new Error(
      'packages/client/package.json is out of date with the root package.json (version or dependency versions): run `npm run build:client`, which syncs it, and commit the change',
    );
  return current;
}

function syncPackageJson(): PackageJson {
  const { current, expected } = expectedPackageJson();
  if (JSON.stringify(current) !== JSON.stringify(expected)) {
    fs.writeFileSync(path.join(PACKAGE_DIR, 'package.json'), `${JSON.stringify(expected, null, 2)}\n`);
    console.log(
      `synced packages/client/package.json with the root: version ${expected.version}, ${Object.entries(expected.dependencies)
        .map(([n, v]) => `${n}@${v}`)
        .join(', ')}`,
    );
  }
  return expected;
}

/** Runs a command without blocking this process (tests build while a relay worker runs in it). */
async function run(command: string, args: string[], cwd: string): Promise<string> {
  try {
    return (await promisify(execFile)(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    throw new Error(`${path.basename(command)} ${args.join(' ')} failed (exit ${e.code}):\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

/** Bare package names a built file requires or a declaration file imports. */
function importedPackages(text: string): string[] {
  const specifiers = [...text.matchAll(/(?:require\(|from\s+|import\()\s*["']([^"'./][^"']*)["']/g)].map((m) => m[1] as string);
  return specifiers.map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : (s.split('/')[0] as string)));
}

/** What the build emitted may only be client-side code importing declared dependencies and Node's built-ins. */
function checkOutput(pkg: PackageJson): void {
  const cjs = path.join(DIST, 'cjs');
  const problems: string[] = [];
  const declared = new Set(Object.keys(pkg.dependencies));
  for (const file of filesUnder(cjs)) {
    const rel = path.relative(cjs, file).split(path.sep).join('/');
    if (!ALLOWED_SOURCES.some((p) => rel.startsWith(p)) || FORBIDDEN_SOURCES.some((p) => rel.startsWith(p)))
      problems.push(`${rel}: not client-side code (only ${ALLOWED_SOURCES.join(', ')} without ${FORBIDDEN_SOURCES.join(', ')} may be packed)`);
    for (const name of importedPackages(fs.readFileSync(file, 'utf8'))) {
      if (!declared.has(name) && !name.startsWith('node:') && !builtinModules.includes(name))
        problems.push(`${rel} imports ${name}, which packages/client/package.json does not declare`);
    }
  }
  if (problems.length > 0) throw new Error(`the client package build reaches beyond the client:\n  ${[...new Set(problems)].join('\n  ')}`);
}

/** The ES module entry: the CommonJS build's exports by name, and its declarations. */
function writeEsmEntry(): string[] {
  const require = createRequire(__filename);
  const names = Object.keys(require(CJS_ENTRY) as object)
    .filter((n) => n !== '__esModule' && n !== 'default')
    .sort();
  const esm = path.join(DIST, 'esm');
  fs.mkdirSync(esm, { recursive: true });
  const header = "// ES module entry of @s2s-relay/client: the CommonJS build's exports by name, so import and require share one copy of each class.\n";
  fs.writeFileSync(
    path.join(esm, 'index.mjs'),
    `${header}import client from '../cjs/client/index.js';\n\nexport const {\n${names.map((n) => `  ${n},`).join('\n')}\n} = client;\n`,
  );
  fs.writeFileSync(path.join(esm, 'index.d.mts'), `${header}export * from '../cjs/client/index.js';\n`);
  return names;
}

export async function buildClient(options: { sync?: boolean } = {}): Promise<{ pkg: PackageJson; exportNames: string[] }> {
  const pkg = options.sync === false ? inSync() : syncPackageJson();
  fs.rmSync(DIST, { recursive: true, force: true });
  await run(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(PACKAGE_DIR, 'tsconfig.json')], ROOT);
  checkOutput(pkg);
  const exportNames = writeEsmEntry();
  return { pkg, exportNames };
}

/** Packs packages/client (built) into `destination`; answers the tarball's path and sizes. */
export async function packClient(destination: string): Promise<PackResult> {
  fs.mkdirSync(destination, { recursive: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const out = await run(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', destination], PACKAGE_DIR);
  const [info] = JSON.parse(out) as Array<{ filename: string; size: number; unpackedSize: number; entryCount: number }>;
  if (!info) throw new Error(`npm pack printed no result: ${out}`);
  return { tarball: path.join(destination, info.filename), size: info.size, unpackedSize: info.unpackedSize, entryCount: info.entryCount };
}

async function main(argv: string[]): Promise<void> {
  const started = Date.now();
  const { pkg, exportNames } = await buildClient();
  console.log(
    `built ${pkg.name}@${pkg.version} in packages/client/dist: CommonJS + ES module entry, ${exportNames.length} named exports (${Date.now() - started} ms)`,
  );
  if (argv.includes('--no-pack')) return;
  const at = argv.indexOf('--pack-destination');
  const destination = path.resolve(at >= 0 && argv[at + 1] ? (argv[at + 1] as string) : path.join(ROOT, 'artifacts'));
  const packed = await packClient(destination);
  console.log(
    `packed ${path.relative(process.cwd(), packed.tarball) || packed.tarball}: ${(packed.size / 1024).toFixed(1)} KiB, ${(packed.unpackedSize / 1024).toFixed(1)} KiB unpacked, ${packed.entryCount} files`,
  );
  console.log(
    `dependencies: ${Object.entries(pkg.dependencies)
      .map(([n, v]) => `${n}@${v}`)
      .join(', ')}`,
  );
  console.log(`install it in a backend with: npm install ${packed.tarball}`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`build:client failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
