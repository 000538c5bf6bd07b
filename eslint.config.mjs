// Lint rules for s2s-relay. Workflow code gets extra guards: it must stay deterministic.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', 'artifacts/**', 'bin/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'fs', 'path', 'http', 'https', 'net', 'crypto', 'child_process', 'os'], message: 'Workflow code must not use Node modules.' },
            { group: ['undici', '../activities/*', '../worker/*', '../client/*'], message: 'Workflow code must not do I/O; call an activity instead.' },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Use workflowNow() from workflows/clock.ts (Temporal time).' },
        { object: 'Math', property: 'random', message: 'Use Temporal\'s deterministic random if needed.' },
        { object: 'process', property: 'env', message: 'Workflows get settings from the relaySettings local activity.' },
      ],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'fetch'],
    },
  },
);
