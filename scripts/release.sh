#!/usr/bin/env bash
# Cuts a release: one version in every pom, the full build and tests on it, a commit and a tag;
# then, if NEXT is given, NEXT-SNAPSHOT in every pom and a second commit.
#
#   scripts/release.sh VERSION [NEXT]        e.g. scripts/release.sh 0.1.0 0.2.0
#
# It publishes nothing: `./mvnw -B deploy` at the tag then sends the jars (with their -sources and
# -javadoc jars, which every build makes) to the repository your settings.xml names; Maven
# Central also wants them signed (maven-gpg-plugin or the Central Portal's publishing plugin, with
# your key), which is the releaser's set-up, not the project's.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
VERSION="${1-}"
NEXT="${2-}"
if ! [[ "$VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[A-Za-z0-9.]+)?$ ]] || [[ "$VERSION" == *-SNAPSHOT ]]; then
  echo "usage: scripts/release.sh VERSION [NEXT]   (VERSION like 0.1.0, not a -SNAPSHOT)" >&2
  exit 2
fi
if [ -n "$NEXT" ] && ! [[ "$NEXT" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "release: NEXT is a version like 0.2.0 (-SNAPSHOT is added): $NEXT" >&2
  exit 2
fi
if [ -n "$(git status --porcelain)" ]; then
  echo "release: the working tree has changes; commit or stash them first" >&2
  exit 1
fi
if git rev-parse -q --verify "refs/tags/v$VERSION" >/dev/null; then
  echo "release: tag v$VERSION exists" >&2
  exit 1
fi
set_version() {
  ./mvnw -B -q versions:set -DnewVersion="$1" -DgenerateBackupPoms=false -DprocessAllModules=true
}
set_version "$VERSION"
./mvnw -B verify
git commit -q -am "release $VERSION"
git tag -a "v$VERSION" -m "jaio $VERSION"
echo "release: tagged v$VERSION"
if [ -n "$NEXT" ]; then
  set_version "$NEXT-SNAPSHOT"
  git commit -q -am "$NEXT-SNAPSHOT: development after $VERSION"
  echo "release: main is now at $NEXT-SNAPSHOT"
fi
