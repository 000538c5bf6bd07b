// Lint rules for s2s-relay. Type-aware: a floating promise is an error everywhere. Code bundled into the
// workflow (workflows/ and domain/) gets extra guards: it must stay deterministic and do no I/O, and the
// domain (shared, frozen modules in the sandbox) must not use zod's .regex(), which writes to its RegExp.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const WORKFLOW_BUNDLED = ['workflows/**/*.ts', 'domain/**/*.ts'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', 'artifacts/**', 'bin/**', 'packages/client/dist/**', 'examples/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['*.mjs'] }, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
    },
  },
  { files: ['**/*.mjs', '**/*.js'], ...tseslint.configs.disableTypeChecked },
  {
    files: WORKFLOW_BUNDLED,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'http', 'https', 'net', 'crypto', 'child_process', 'os'],
              message: 'Code bundled into the workflow must not use Node modules.',
            },
            {
              group: ['undici', '**/activities/*', '**/worker/*', '**/client/*', '**/codec/*'],
              message: 'Code bundled into the workflow must not do I/O; call an activity instead.',
            },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Use workflowNow() from workflows/clock.ts (Temporal time).' },
        { object: 'Math', property: 'random', message: "Use Temporal's deterministic random if needed." },
        { object: 'process', property: 'env', message: 'Workflows get settings from the loadSettings local activity.' },
      ],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'fetch'],
    },
  },
  {
    files: ['domain/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='regex']",
          message: "Use pattern() from domain/contract/fields.ts: zod's .regex() writes lastIndex, which the sandbox's frozen shared modules refuse.",
        },
      ],
    },
  },
);
