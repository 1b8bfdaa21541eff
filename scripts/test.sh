#!/usr/bin/env bash
# The whole test suite, with all set-up: venv, browser for the UI tests, then pytest.
# pytest's exit code 5 ("no tests collected", e.g. a -k filter that matches nothing) is not a failure:
# it is reported as such and exits 0; every real failure keeps pytest's non-zero exit code.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
if [ "$(id -u)" = 0 ] && ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  echo "test: installing Debian chromium for the browser tests" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "test: could not install chromium; browser tests will fail" >&2
fi
set +e
.venv/bin/python -m pytest "$@"
rc=$?
set -e
if [ "$rc" = 5 ]; then
  echo "test: pytest collected no tests (exit 5); nothing failed" >&2
  exit 0
fi
exit "$rc"
