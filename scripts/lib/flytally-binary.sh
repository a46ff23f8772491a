# Sourced by the scripts in scripts/: sets B to the flytally binary to run — FLYTALLY_BIN when
# set (a prebuilt binary, e.g. on a machine without Swift), else a release build of this
# checkout, built now (quick when nothing changed).
if [ -n "${FLYTALLY_BIN:-}" ]; then
  B=$FLYTALLY_BIN
  # A relative path must survive the scripts' cd into their work folders.
  [ -e "$B" ] && B=$(realpath "$B")
else
  B=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && swift build -c release --product flytally >/dev/null && pwd)/.build/release/flytally
fi
