#!/usr/bin/env node
// The shape of the code base: files and lines per lib and app, the largest files, and the
// symbols each lib's index.ts exports (resolved by the TypeScript compiler, `export *` expanded).
// Usage: node bench/house.mjs [root]   (prints Markdown; compares nothing, measures one tree)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(process.argv[2] ?? '.');
const walk = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
const isSource = (path) => path.endsWith('.ts') && !path.endsWith('.spec.ts') && !path.endsWith('.d.ts');
const lines = (path) => readFileSync(path, 'utf8').split('\n').length - 1;

const units = ['libs', 'apps'].flatMap((top) =>
  readdirSync(join(root, top))
    .filter((name) => statSync(join(root, top, name)).isDirectory())
    .map((name) => ({ name: `${top}/${name}`, files: walk(join(root, top, name)).filter(isSource) })),
);
console.log('| lib or app | files | lines | specs |\n|---|---|---|---|');
for (const unit of units) {
  const specs = walk(join(root, unit.name)).filter((p) => p.endsWith('.spec.ts')).length;
  console.log(`| ${unit.name} | ${unit.files.length} | ${unit.files.reduce((n, p) => n + lines(p), 0)} | ${specs} |`);
}

const all = units.flatMap((unit) => unit.files).map((path) => ({ path: relative(root, path), lines: lines(path) }));
console.log('\nLargest files:\n');
for (const file of all.sort((a, b) => b.lines - a.lines).slice(0, 10)) console.log(`- ${file.path}: ${file.lines}`);

const indexes = units.filter((u) => u.name.startsWith('libs/')).map((u) => join(root, u.name, 'src', 'index.ts'));
const program = ts.createProgram(indexes, {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  experimentalDecorators: true,
  skipLibCheck: true,
  noEmit: true,
});
const checker = program.getTypeChecker();
console.log('\n| lib index | exported symbols | of which classes |\n|---|---|---|');
for (const index of indexes) {
  const source = program.getSourceFile(index);
  const symbol = source && checker.getSymbolAtLocation(source);
  if (!symbol) continue;
  const exports = checker.getExportsOfModule(symbol);
  const classes = exports.filter((s) => {
    const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
    return (target.flags & ts.SymbolFlags.Class) !== 0;
  });
  console.log(`| ${relative(root, index)} | ${exports.length} | ${classes.length} |`);
}
