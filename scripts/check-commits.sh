#!/usr/bin/env bash
# Checks commit messages against the house rule (issue 16): a subject of at most 72
# characters, a blank line, then a body that says why. Run by hand before pushing:
#   scripts/check-commits.sh [<revision range>]      (default: the last 20 commits)
# Prints each commit that breaks the rule and exits 1 if there is one.
set -euo pipefail
range="${1:-HEAD~20..HEAD}"
if [[ "$range" == HEAD~20..HEAD ]] && ! git rev-parse -q --verify 'HEAD~20' >/dev/null; then
  range=HEAD
fi
status=0
while IFS= read -r sha; do
  subject=$(git log -1 --format=%s "$sha")
  second=$(git log -1 --format=%B "$sha" | sed -n 2p)
  body=$(git log -1 --format=%b "$sha" | tr -d '[:space:]')
  short=$(git rev-parse --short "$sha")
  if (( ${#subject} > 72 )); then
    echo "$short: subject is ${#subject} characters (at most 72): $subject"; status=1
  fi
  if [[ -n "$second" ]]; then
    echo "$short: no blank line after the subject"; status=1
  fi
  if [[ -z "$body" ]]; then
    echo "$short: no body saying why: $subject"; status=1
  fi
done < <(git rev-list --no-merges "$range")
exit $status
