#!/usr/bin/env bash
# Installs the LocalStack host runtime (localstack-core 4.14.0, the last free line) into .venv-localstack/,
# exactly as pinned in test/localstack/requirements.lock. Idempotent: a stamp of the lock's sha256 makes a
# second run a no-op (~0.1 s). pip caches the wheels under ~/.cache/pip (or $PIP_CACHE_DIR): a rebuild after a
# lock change, or in a fresh clone on a machine that built it once, downloads nothing (~80 s, mostly unpacking).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv-localstack"
lock="$root/test/localstack/requirements.lock"
stamp="$venv/.lock-sha256"
want="$(sha256sum "$lock" | cut -d' ' -f1)"

# Two test runs starting at once must not build the same venv concurrently.
mkdir -p "$root/.localstack"
exec 9>"$root/.localstack/setup.lock"
flock 9

if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "localstack-setup: $venv is up to date"
  exit 0
fi

# LocalStack 4.14 needs Python >= 3.12: localstack/services/stores.py uses PEP 695 generics
# (`class RegionBundle[BaseStoreType](dict)`), so on 3.11 every S3 call fails with
# "invalid syntax (stores.py, line 193)" although the package declares Requires-Python >= 3.10.
usable() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }
python=""
candidates=("${LOCALSTACK_PYTHON:-}")
# pyenv shims refuse versions that are installed but not selected, so call pyenv's interpreters directly.
pyenv_root="$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")"
for v in "$pyenv_root"/versions/3.13* "$pyenv_root"/versions/3.12*; do candidates+=("$v/bin/python3"); done
candidates+=(python3.13 python3.12 python3)
for c in "${candidates[@]}"; do
  if [[ -n "$c" ]] && usable "$c"; then python="$c"; break; fi
done
if [[ -z "$python" ]]; then
  echo "localstack-setup: no Python >= 3.12 found (tried: ${candidates[*]}); set LOCALSTACK_PYTHON=/path/to/python3.12+" >&2
  exit 1
fi

echo "localstack-setup: building $venv with $python ($("$python" --version))"
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check 'pip==26.0.1'
# --no-deps: the lock is the complete set pip resolved once; nothing may float. (No `pip check`: kclpy-ext
# declares a dependency on the PyPI backport of argparse, which pip freeze leaves out and Python 3 has built in.)
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -r "$lock"
"$venv/bin/python" -c 'import localstack.aws.components, localstack.services.stores' # fails fast on a bad runtime
echo "$want" > "$stamp"
echo "localstack-setup: installed localstack-core $("$venv/bin/python" -c 'from localstack import version; print(version.__version__)')"
