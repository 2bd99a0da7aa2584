// CONTRIBUTING.md's layer arrows are what people read; eslint.config.js's zones are what the
// machine enforces. This test keeps them the same list (docs/architecture.md).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

/** Layer → the layers it may import, from the fenced `layers` block of CONTRIBUTING.md. */
function parseLayerArrows(markdown: string): Map<string, Set<string>> {
  const block = /^```layers\n([\s\S]*?)^```/m.exec(markdown);
  if (!block) throw new Error('CONTRIBUTING.md has no ```layers fenced block');
  const arrows = new Map<string, Set<string>>();
  for (const raw of block[1]!.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const m = /^([a-z]+) → (.*)$/.exec(line);
    if (!m) throw new Error(`CONTRIBUTING.md layers: cannot read "${line}" (expected "layer → a, b" or "layer → (none)")`);
    const [, from, rest] = m as unknown as [string, string, string];
    if (arrows.has(from)) throw new Error(`CONTRIBUTING.md layers: ${from} is listed twice`);
    const targets = rest.trim() === '(none)' ? [] : rest.split(',').map((t) => t.trim());
    for (const t of targets) {
      if (!/^[a-z]+$/.test(t)) throw new Error(`CONTRIBUTING.md layers: "${t}" in "${line}" is not a layer name`);
    }
    arrows.set(from, new Set(targets));
  }
  return arrows;
}

interface Zone {
  target: string;
  from: string | string[];
}

/** Layer → the layers it may import, from eslint.config.js's `import-x/no-restricted-paths` zones. */
function lintArrows(config: unknown[], layers: readonly string[]): Map<string, Set<string>> {
  const zones: Zone[] = [];
  for (const entry of config) {
    const rule = (entry as { rules?: Record<string, unknown> }).rules?.['import-x/no-restricted-paths'];
    if (Array.isArray(rule)) zones.push(...(rule[1] as { zones: Zone[] }).zones);
  }
  if (zones.length === 0) throw new Error('eslint.config.js has no import-x/no-restricted-paths zones');
  const name = (path: string): string => {
    const m = /^\.\/src\/([a-z]+)$/.exec(path);
    if (!m) throw new Error(`eslint.config.js: zone path "${path}" is not ./src/<layer>`);
    return m[1]!;
  };
  const forbidden = new Map<string, Set<string>>(layers.map((l) => [l, new Set<string>()]));
  for (const z of zones) {
    const target = name(z.target);
    const set = forbidden.get(target);
    if (!set) throw new Error(`eslint.config.js: zone for "${target}", which CONTRIBUTING.md does not list`);
    for (const f of Array.isArray(z.from) ? z.from : [z.from]) set.add(name(f));
  }
  return new Map(layers.map((l) => [l, new Set(layers.filter((o) => o !== l && !forbidden.get(l)!.has(o)))]));
}

/** Every difference between the two, one line each. */
function arrowMismatches(doc: Map<string, Set<string>>, lint: Map<string, Set<string>>): string[] {
  const out: string[] = [];
  for (const [layer, allowed] of doc) {
    const enforced = lint.get(layer) ?? new Set<string>();
    for (const t of allowed) if (!enforced.has(t)) out.push(`${layer} → ${t}: in CONTRIBUTING.md, forbidden by eslint.config.js`);
    for (const t of enforced) if (!allowed.has(t)) out.push(`${layer} → ${t}: allowed by eslint.config.js, not in CONTRIBUTING.md`);
  }
  return out;
}

describe('layer arrows', () => {
  const contributing = readFileSync(join(ROOT, 'CONTRIBUTING.md'), 'utf8');

  it('CONTRIBUTING.md lists every folder under src/, and only layers it lists as targets', () => {
    const doc = parseLayerArrows(contributing);
    const folders = readdirSync(join(ROOT, 'src'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    expect(folders.filter((f) => !doc.has(f))).toEqual([]);
    const targets = [...doc.values()].flatMap((s) => [...s]);
    expect(targets.filter((t) => !doc.has(t))).toEqual([]);
  });

  it('CONTRIBUTING.md and the lint zones of eslint.config.js allow the same imports', async () => {
    const doc = parseLayerArrows(contributing);
    const config = ((await import(pathToFileURL(join(ROOT, 'eslint.config.js')).href)) as { default: unknown[] }).default;
    const lint = lintArrows(config, [...doc.keys()]);
    expect(arrowMismatches(doc, lint)).toEqual([]);
  });

  it('a mismatch is reported in both directions', () => {
    const doc = parseLayerArrows('```layers\ncli → server, model\nserver → model\nmodel → (none)\n```\n');
    const config = [{ rules: { 'import-x/no-restricted-paths': ['error', { zones: [{ target: './src/server', from: ['./src/cli', './src/model'] }] }] } }];
    expect(arrowMismatches(doc, lintArrows(config, [...doc.keys()]))).toEqual([
      'server → model: in CONTRIBUTING.md, forbidden by eslint.config.js',
      'model → cli: allowed by eslint.config.js, not in CONTRIBUTING.md',
      'model → server: allowed by eslint.config.js, not in CONTRIBUTING.md',
    ]);
  });

  it('rejects an unreadable arrow', () => {
    expect(() => parseLayerArrows('```layers\ncli -> server\n```\n')).toThrow(/cannot read "cli -> server"/);
    expect(() => parseLayerArrows('no block')).toThrow(/no ```layers fenced block/);
  });
});
