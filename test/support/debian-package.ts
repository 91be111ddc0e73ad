import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Installs a Debian package when its binary is missing and this process may (root, apt-get), so
 * that the README's `npm test` runs on a fresh machine as it does in CI (`.ci/run` installs the same
 * packages); returns whether the binary is there. Used for `pgbouncer` and `chromium`.
 */
export function ensureDebianPackage(binary: string, pkg: string): boolean {
  if (existsSync(binary)) return true;
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) return false;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const steps of [[['install', '-y', pkg]], [['update'], ['install', '-y', pkg]]]) {
    try {
      for (const args of steps) execFileSync('apt-get', args, { stdio: 'ignore', env, timeout: 300_000 });
      if (existsSync(binary)) return true;
    } catch {
      // try the next way (a stale package list first needs `apt-get update`)
    }
  }
  return existsSync(binary);
}
