#!/usr/bin/env bash
# Prints the pull-request comment for a set of previews: one folder per stack, each with result.json and output.txt as
# pulumi-preview.sh writes them. The first line is the marker that finds this comment again, so later runs edit it
# instead of adding another. GitHub refuses comments over 65,536 characters: each stack's output is cut, at a line,
# to its share of that, and the full text stays in the workflow run.
# Usage: preview-comment.sh RESULTS_DIR   (COMMIT_SHA and RUN_URL from the environment)
set -euo pipefail
results=${1:?usage: preview-comment.sh RESULTS_DIR}
marker='<!-- spec-editor:pulumi-preview -->'
budget=60000

mapfile -t dirs < <(find "$results" -mindepth 1 -maxdepth 1 -type d -exec test -f '{}/result.json' ';' -print | sort)
share=$((budget / (${#dirs[@]} > 0 ? ${#dirs[@]} : 1)))

echo "$marker"
echo "### Pulumi preview"
echo
commit=${COMMIT_SHA:-unknown}
echo "Commit \`${commit:0:7}\` · [workflow run](${RUN_URL:-})"
echo
if [ "${#dirs[@]}" -eq 0 ]; then
  echo "No stack produced a preview; see the workflow run."
  exit 0
fi

echo "| Stack | Preview | Resources |"
echo "| --- | --- | --- |"
for dir in "${dirs[@]}"; do
  jq -r '"| `\(.stack)` | \(if .status == "ok" then "✅ succeeded" else "❌ failed" end) | \(.changes | if . == "" then "-" else gsub("\\|"; "\\|") end) |"' \
    "$dir/result.json"
done

for dir in "${dirs[@]}"; do
  stack=$(jq -r .stack "$dir/result.json")
  echo
  echo "<details><summary><code>pulumi preview --diff --stack $stack</code></summary>"
  echo
  echo '````text'
  awk -v limit="$share" '
    { size += length($0) + 1 }
    size > limit { cut = 1; exit }
    { print }
    END { if (cut) print "... cut here: the full preview is in the workflow run log" }' "$dir/output.txt"
  echo '````'
  echo
  echo "</details>"
done
