#!/usr/bin/env bash
# Everything a build needs (Debian packages, the display user, Node for the
# web console): the same as scripts/setup.sh, under the name the deploy
# documentation uses. Idempotent; prints what it changed.
exec "$(dirname "$0")/setup.sh" "$@"
