// Lint: the typed rules that catch real bugs here (promises left floating or passed where a
// callback's result is ignored, conditions that are always true or false by their types, switches
// that miss a case). Formatting is Prettier's (.prettierrc.json), not the linter's.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'bench/results/'] },
  {
    files: ['src/**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unnecessary-condition': ['error', { allowConstantLoopConditions: true }],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/await-thenable': 'error',
      // Matching control characters is deliberate where untrusted text is cleaned (XML, URLs, headers).
      'no-control-regex': 'off',
    },
  },
  {
    // The launcher is the package's CommonJS entry: it requires Node built-ins only when a run needs them.
    files: ['src/cli/launch.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
)
