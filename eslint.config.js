// Lint: typescript-eslint's recommended type-aware rules, plus the layer boundaries of
// docs/architecture.md enforced with import-x, so the dependency direction is checked by the
// machine rather than by goodwill. The zones below must say what CONTRIBUTING.md's `layers`
// list says (test/architecture.test.ts compares them): change both together.
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

const layer = (name) => `./src/${name}`;

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'src/model/generated/**', 'wasm/**', 'bench/.data/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    rules: {
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            // model and analytics are pure: nothing from other layers, no node:* modules.
            { target: layer('model'), from: ['./src/store', './src/sdk', './src/analytics', './src/cli', './src/integrations', './src/sinks', './src/server', './src/query'] },
            { target: layer('analytics'), from: ['./src/store', './src/sdk', './src/cli', './src/integrations', './src/sinks', './src/server', './src/query'] },
            { target: layer('store'), from: ['./src/sdk', './src/analytics', './src/cli', './src/integrations', './src/sinks', './src/server', './src/query'] },
            { target: layer('sdk'), from: ['./src/analytics', './src/cli', './src/integrations', './src/sinks', './src/server', './src/query'] },
            { target: layer('integrations'), from: ['./src/cli', './src/server', './src/sinks', './src/query'] },
            // query answers every reader: analytics over a store or PostgreSQL (sinks/postgres).
            { target: layer('query'), from: ['./src/cli', './src/server', './src/sdk', './src/integrations'] },
            // server may use query, analytics, store, sdk and model; never the CLI or the other edges.
            { target: layer('server'), from: ['./src/cli', './src/integrations', './src/sinks'] },
            // sinks forward events: they read the store and speak the model, nothing more.
            { target: layer('sinks'), from: ['./src/sdk', './src/analytics', './src/cli', './src/integrations', './src/server', './src/query'] },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: 'TSEnumDeclaration', message: 'Use a string-literal union (erasable syntax only).' },
        { selector: 'ExportAllDeclaration', message: 'Export names explicitly (a test pins the public API).' },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/model/**/*.ts', 'src/analytics/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:*', 'fs', 'path', 'os', 'crypto'], message: 'model and analytics stay pure: no Node modules.' }] }],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.{ts,mjs}', 'scripts/**/*.mjs'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
