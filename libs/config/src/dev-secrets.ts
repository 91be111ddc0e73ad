import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Reads a development secret from the git-ignored keys folder, making it on first use.
 * Production passes secrets through the environment instead (see loadAppConfig).
 */
export function loadOrCreateDevSecret(keysDir: string, file: string, make: () => string): string {
  const path = join(keysDir, file);
  if (existsSync(path)) return readFileSync(path, 'utf8');
  mkdirSync(keysDir, { recursive: true, mode: 0o700 });
  const value = make();
  try {
    writeFileSync(path, value, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process made it first: theirs wins so every process shares one secret.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readFileSync(path, 'utf8');
}
