#!/usr/bin/env bash
# Rewrites the "Standard functions" section of docs/rules-language.md from the code
# (`hubrules functions --markdown`); tests/unit/docs_test.cpp fails until this is run.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/hubrules}
doc=docs/rules-language.md
generated=$(mktemp)
"$bin" functions --markdown > "$generated"
awk -v gen="$generated" '
  /^<!-- functions:begin -->$/ { print; while ((getline line < gen) > 0) print line; skip = 1; next }
  /^<!-- functions:end -->$/ { skip = 0 }
  !skip { print }
' "$doc" > "$doc.new"
mv "$doc.new" "$doc"
rm -f "$generated"
