// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.lattice/', 'jest.config.js', 'eslint.config.mjs', 'docs/examples/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      // Interface methods are async by contract even when one implementation has nothing to await.
      '@typescript-eslint/require-await': 'off',
      // Named exports only: a reader finds a symbol by its one name everywhere.
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' }],
      // Process environment is read in one place (infrastructure/config); tests may read it for their own servers.
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through infrastructure/config.' }],
    },
  },
  {
    files: ['infrastructure/config/config.ts', 'test/**/*.ts', 'bench/**/*.ts', '**/*.test.ts', '**/*.contract.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['test/**/*.ts', '**/*.test.ts', '**/*.contract.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Plain CommonJS scripts run by npm before anything is built (scripts/build-if-stale.js): no tsconfig covers them.
    files: ['scripts/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly' },
    },
    rules: {
      ...tseslint.configs.disableTypeChecked.rules,
      '@typescript-eslint/no-require-imports': 'off',
      'no-restricted-properties': 'off',
    },
  },
);
