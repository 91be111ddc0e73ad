// Builds the ops console (apps/console) into dist/console: one script and one style sheet, both
// served by the API at /ops under a strict content security policy (no inline code, nothing remote).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] ?? join(here, '../../dist/console'));

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });
await build({
  entryPoints: [join(here, 'src/main.ts')],
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2022',
  platform: 'browser',
  outfile: join(out, 'assets/console.js'),
  legalComments: 'none',
  logLevel: 'warning',
});
copyFileSync(join(here, 'src/styles.css'), join(out, 'assets/console.css'));
copyFileSync(join(here, 'src/index.html'), join(out, 'index.html'));

if (!process.env.CONSOLE_BUILD_QUIET) {
  const files = ['index.html', 'assets/console.js', 'assets/console.css'];
  const sizes = files.map((file) => {
    const bytes = readFileSync(join(out, file));
    return { file, bytes: statSync(join(out, file)).size, gzip: gzipSync(bytes).length };
  });
  const total = sizes.reduce((sum, s) => ({ bytes: sum.bytes + s.bytes, gzip: sum.gzip + s.gzip }), {
    bytes: 0,
    gzip: 0,
  });
  console.log(
    `console: ${readdirSync(out).length} entries in ${out}; ` +
      sizes.map((s) => `${s.file} ${s.bytes} B (${s.gzip} B gzip)`).join(', ') +
      `; page weight ${total.bytes} B (${total.gzip} B gzip)`,
  );
}
