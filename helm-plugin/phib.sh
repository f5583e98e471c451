#!/bin/sh
# Launches phib as a helm plugin. helm sets HELM_BIN (itself) and HELM_NAMESPACE (its
# namespace: `helm -n NS phib ...`); phib reads both, so they are passed on as they are.
# The phib binary is, in this order: $PHIB_BIN, bin/phib inside this plugin folder, or
# `phib` on PATH.
set -eu
if [ -n "${PHIB_BIN:-}" ]; then
  phib="$PHIB_BIN"
elif [ -x "${HELM_PLUGIN_DIR:-$(dirname "$0")}/bin/phib" ]; then
  phib="${HELM_PLUGIN_DIR:-$(dirname "$0")}/bin/phib"
elif command -v phib >/dev/null 2>&1; then
  phib="$(command -v phib)"
else
  echo "helm phib: the phib binary was not found" >&2
  echo "help: install it (\`cargo install --locked --path .\` in phib's source, or the release archive), put it on PATH, or set PHIB_BIN" >&2
  exit 1
fi
export HELM_BIN HELM_NAMESPACE
exec "$phib" "$@"
