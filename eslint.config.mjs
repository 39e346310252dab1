// Lint for src/ and test/: TypeScript's recommended rules, checked by `npm test`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/** Modules that run as root only: what the unprivileged side may not import. */
const ROOT_SIDE = [
  { group: ['**/engine/*', '**/bpf/*', '../uprobe/*', '../../uprobe/*', '**/helper/*', '**/install/installer'], message: 'root-side code: the unprivileged side never imports it.' },
  { group: ['**/root', '**/root-part', '**/root-registry'], message: "a kind's root part: the unprivileged side reads src/kinds/client-registry." },
];
/** Another kind's folder, seen from a kind's folder. */
const OTHER_KIND = { group: ['../*/*', '!../shared/*', '!../../**'], message: "another kind's folder: move what they share to src/kinds/shared/." };

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'media/dist/**', 'node_modules/**', '.code-server/**', 'build/**', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Build, test and benchmark scripts run in Node.
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['**/*.ts'],
    rules: {
      // Lazy loading of native code and of what a start does not need is deliberate.
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  // The privilege line is a folder line (docs/ARCHITECTURE.md). What crosses a
  // process boundary imports nothing else of the project.
  {
    files: ['src/protocol/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['../*'], message: 'src/protocol/ depends on nothing else of src/.' }] }] },
  },
  // What runs unprivileged (the extension, the webview, starting the helper,
  // runtimes and /proc as a user reads them, the kinds' client parts) never
  // imports what runs as root: the extension bundle cannot hold root code.
  {
    files: ['src/extension.ts', 'src/ext/**/*.ts', 'src/webview/**/*.ts', 'src/client/**/*.ts', 'src/runtime/**/*.ts', 'src/proc/**/*.ts', 'src/install/index.ts', 'src/kinds/*.ts', 'src/kinds/shared/*.ts'],
    ignores: ['src/kinds/root-*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ROOT_SIDE }] },
  },
  // A kind's folder: its client files as above, and no other kind's folder
  // (what two kinds share is in src/kinds/shared/).
  {
    files: ['src/kinds/*/*.ts'],
    ignores: ['src/kinds/shared/*.ts', 'src/kinds/*/root.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [...ROOT_SIDE, OTHER_KIND] }] },
  },
  {
    files: ['src/kinds/*/root.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [OTHER_KIND] }] },
  },
);
