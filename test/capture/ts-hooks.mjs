// Module hooks for ts-register.mjs: `.js` imports of TypeScript sources resolve to the `.ts`
// file; `.ts` files are transpiled with the project's typescript (no type checking).
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export async function resolve(spec, ctx, next) {
  if (spec.endsWith('.js') && /^(\.|\/|file:)/.test(spec) && ctx.parentURL?.endsWith('.ts')) {
    const url = new URL(spec.replace(/\.js$/, '.ts'), ctx.parentURL);
    if (existsSync(fileURLToPath(url))) return { url: url.href, shortCircuit: true };
  }
  return next(spec, ctx);
}

export async function load(url, ctx, next) {
  if (!url.endsWith('.ts')) return next(url, ctx);
  const file = fileURLToPath(url);
  const out = ts.transpileModule(await readFile(file, 'utf8'), {
    fileName: file,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  return { format: 'module', source: out.outputText, shortCircuit: true };
}
