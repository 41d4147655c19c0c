#!/usr/bin/env bash
# Outside linters on what we deploy: cfn-lint (PyPI, pinned, in its own venv) on the synthesized template of both
# profiles, and asl-validator (npm, pinned) on every state machine definition in them (path and ARN checks on).
# Zero errors; a warning is either fixed or ignored below with the reason. Run from .ci/run, or by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
# Node 22 of the npm 'node' package (the system's may be older).
export PATH="$PWD/node_modules/.bin:$PATH"

CFN_LINT_VERSION=1.58.0
ASL_VALIDATOR_VERSION=4.0.0
out=.cache/lint-templates
venv=.cache/cfn-lint-venv
asl=.cache/asl-validator

rm -rf "$out"
tsx scripts/synth-for-lint.ts "$out"

if ! "$venv/bin/cfn-lint" --version 2>/dev/null | grep -qx "cfn-lint $CFN_LINT_VERSION"; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "cfn-lint==$CFN_LINT_VERSION"
fi
# Ignored, with the reason:
#   W3005 (DependsOn already enforced by a GetAtt): CDK makes each Lambda function and state machine DependsOn its
#         role and the role's default policy, so the execution role's policy exists before the first invocation;
#         the role half is redundant with the Role/RoleArn GetAtt, the policy half is not. Harmless, and generated.
"$venv/bin/cfn-lint" --ignore-checks W3005 -- "$out"/*.template.json
echo "cfn-lint $CFN_LINT_VERSION: $(ls "$out"/*.template.json | wc -l) templates, no errors or warnings"

if [ "$("$asl/node_modules/.bin/asl-validator" --version 2>/dev/null)" != "$ASL_VALIDATOR_VERSION" ]; then
  rm -rf "$asl"
  npm install --prefix "$asl" --no-save --no-package-lock --no-audit --no-fund --silent "asl-validator@$ASL_VALIDATOR_VERSION"
fi
for definition in "$out"/*.asl.json; do
  "$asl/node_modules/.bin/asl-validator" --json-path "$definition"
done
echo "asl-validator $ASL_VALIDATOR_VERSION: $(ls "$out"/*.asl.json | wc -l) state machine definitions valid"
