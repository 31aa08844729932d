#!/usr/bin/env bash
# The demo behind `make demo`: a local PostHog emulator, then plan, apply and a clean re-plan of
# examples/. Everything runs against 127.0.0.1; the data lives in a temporary SQLite file.
set -euo pipefail
cd "$(dirname "$0")/.."

workdir=$(mktemp -d)
port=${PHSYNC_DEMO_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
emulator_pid=""
cleanup() {
  if [ -n "$emulator_pid" ]; then kill "$emulator_pid" 2>/dev/null || true; wait "$emulator_pid" 2>/dev/null || true; fi
  rm -rf "$workdir"
}
trap cleanup EXIT

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
  step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
  step() { printf '\n== %s\n' "$*"; }
fi

step "Starting the PostHog emulator on 127.0.0.1:$port (data in $workdir/posthog.sqlite)"
phsync emulator --port "$port" --data "$workdir/posthog.sqlite" >"$workdir/emulator.log" 2>&1 &
emulator_pid=$!
for _ in $(seq 1 100); do
  if python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/_emulator/health', timeout=1)" 2>/dev/null; then break; fi
  if ! kill -0 "$emulator_pid" 2>/dev/null; then cat "$workdir/emulator.log"; echo "the emulator did not start" >&2; exit 1; fi
  sleep 0.1
done

export POSTHOG_HOST="http://127.0.0.1:$port"
export POSTHOG_PERSONAL_API_KEY=phx_emulator
export POSTHOG_PROJECT_ID=1

step "phsync validate examples/"
phsync validate examples

step "phsync plan examples/"
phsync plan examples

step "phsync apply --yes examples/"
phsync apply --yes examples

step "phsync plan --detailed-exitcode examples/  (0 = PostHog matches the manifests)"
set +e
phsync plan --detailed-exitcode examples
code=$?
set -e
if [ "$code" -ne 0 ]; then
  echo "expected no changes after apply, but plan exited $code" >&2
  exit 1
fi
step "Done: apply converged, and a fresh plan shows no changes."
cat <<'NEXT'

The demo's emulator stops with it. To go on by hand (README, "After the demo"):
  terminal 1:  .venv/bin/phsync emulator                # a local PostHog on 127.0.0.1:8010
  terminal 2:  source .venv/bin/activate                 # puts `phsync` on the PATH
               export POSTHOG_HOST=http://127.0.0.1:8010 POSTHOG_PERSONAL_API_KEY=phx_emulator
               phsync apply --yes examples/ && phsync flags list
NEXT
