#!/usr/bin/env bash
# npm run epoch:aztec — an epoch of Aztec's own orchestrator through the local broker (docs/aztec-broker.md).
# Needs the Docker engine and base image (.ci/docker-setup.sh); makes the 2^24+1-point test CRS first (cached).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
docker_cli=${DOCKER_CLI:-$( [ -x /usr/bin/docker ] && echo /usr/bin/docker || echo docker )}
"$docker_cli" info >/dev/null 2>&1 || { echo "epoch:aztec: no Docker engine answers; run: sudo bash .ci/docker-setup.sh" >&2; exit 1; }
"$docker_cli" image inspect aztec-aws-prover/base:trixie >/dev/null 2>&1 || { echo "epoch:aztec: no base image; run: sudo bash .ci/docker-setup.sh" >&2; exit 1; }
cache="$HOME/.cache/aztec-aws-prover"
crs=$(node_modules/.bin/tsx -e "import { AZTEC_FULL_CRS_POINTS, insecureAztecTestCrs } from './lib/protocols/aztec/prover/test-crs.ts'; void insecureAztecTestCrs(AZTEC_FULL_CRS_POINTS).then((crs) => console.log(crs.dir))" | tail -1)
work=${EPOCH_WORK:-$(mktemp -d /tmp/aztec-epoch-XXXXXX)}
echo "epoch:aztec: CRS $crs, state and summary in $work" >&2
exec "$docker_cli" run --rm -v "$repo:$repo" -v "$cache:/root/.cache/aztec-aws-prover" -v "$work:$work" -w "$repo" \
  -e "CRS_DIR=/root/.cache/aztec-aws-prover/${crs#"$cache"/}" -e "STATE_DIR=$work/state" -e "EPOCH_OUT=$work/summary.json" \
  -e "LOW_MEMORY=${LOW_MEMORY:-0}" -e "CHECKPOINTS=${CHECKPOINTS:-1}" -e "BLOCKS_PER_CHECKPOINT=${BLOCKS_PER_CHECKPOINT:-1}" -e "MESSAGES=${MESSAGES:-4}" \
  aztec-aws-prover/base:trixie "$repo/node_modules/node/bin/node" "$repo/node_modules/.bin/tsx" scripts/aztec-epoch/prove-epoch.ts
