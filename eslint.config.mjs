// ESLint flat config, after the JupyterLab extension template (jupyterlab/extension-template,
// template/eslint.config.mjs): @eslint/js + typescript-eslint + @jupyter/eslint-plugin.
// Differences from the template, on purpose:
// - Formatting is Prettier's job, run as its own script (`npm run prettier:check`), not as an
//   ESLint rule (the template's `eslint-plugin-prettier/recommended`): `eslint-config-prettier`
//   only turns off the rules that would fight it.
// - Rules that would need mass edits of today's code are warnings; see the comments below.
// - The scripts (scripts/, bench/, eval/ *.mjs) are linted too, with Node's globals.
// Feature boundaries (no import of another feature's internals) are checked by
// scripts/check-feature-boundaries.mjs, not here.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import prettierConfig from 'eslint-config-prettier/flat';
import globals from 'globals';
import jupyterPlugin from '@jupyter/eslint-plugin';

export default defineConfig([
  {
    ignores: [
      'node_modules',
      'dist',
      'coverage',
      'lib',
      'jupyterlab_data_engineer',
      '**/*.js',
      '**/*.d.ts',
      '.venv',
      '.ci-venv',
      'tests',
      '**/__tests__',
      'ui-tests',
      'bench/**/*.ts',
      'bench/results',
      'eval/tasks',
      'examples'
    ]
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    plugins: {
      jupyter: jupyterPlugin
    }
  },
  jupyterPlugin.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      globals: {
        ...globals.browser,
        ...globals.es2015,
        ...globals.node
      },
      parserOptions: {
        project: 'tsconfig.json',
        sourceType: 'module'
      }
    },
    rules: {
      '@typescript-eslint/naming-convention': [
        'error',
        {
          selector: 'interface',
          format: ['PascalCase'],
          custom: {
            regex: '^I[A-Z]',
            match: true
          }
        }
      ],
      '@typescript-eslint/no-unused-vars': [
        'warn',
        { args: 'none', ignoreRestSiblings: true }
      ],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-namespace': 'off',
      '@typescript-eslint/no-use-before-define': 'off',
      // A `require()` fallback for Node (jest) where the browser has a global: allowed, flagged.
      '@typescript-eslint/no-require-imports': 'warn',
      curly: ['error', 'all'],
      eqeqeq: 'error',
      // Named function expressions (`React.memo(function TurnView(...))`) keep a display name.
      'prefer-arrow-callback': ['error', { allowNamedFunctions: true }],
      // Stripping ANSI escapes and NULs from terminal text is what those regexes are for: a warning
      // (some files already carry an eslint-disable comment for it).
      'no-control-regex': 'warn',
      // Escaped code points (`\u200c`) in a /u character class are single characters, on purpose.
      'no-misleading-character-class': ['error', { allowEscape: true }],
      // Style only; kept visible as a warning rather than editing files others are changing.
      'no-useless-escape': 'warn'
    }
  },
  {
    files: ['**/*.mjs'],
    languageOptions: {
      globals: {
        ...globals.node
      }
    },
    rules: {
      '@typescript-eslint/no-unused-vars': 'off',
      'no-unused-vars': ['warn', { args: 'none', ignoreRestSiblings: true }]
    }
  },
  {
    // The benches drive a browser: the functions they pass to `page.evaluate` run in the page.
    files: ['bench/**/*.mjs'],
    languageOptions: {
      globals: {
        ...globals.browser
      }
    }
  },
  prettierConfig
]);
