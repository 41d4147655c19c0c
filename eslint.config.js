import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', '.cache/**', '.venv/**', '.venv-localstack/**', '.localstack/**', 'containers/prover/.context/**', 'lib/protocols/devnet/artifacts/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The arrow points one way: the Lambda handlers (lambdas/) are thin wrappers around lib/, never the reverse.
    files: ['lib/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)lambdas(/|$)',
              message: 'lib/ must not import from lambdas/: move what both need into lib/ (e.g. lib/pipeline/) and import it from lambdas/.',
            },
          ],
        },
      ],
    },
  },
);
