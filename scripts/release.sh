#!/usr/bin/env bash
# Cuts a release: one version in every pom and in README.md's snippets, the full build and tests
# on it (about 6 minutes on 2 cores), a commit and a tag; then, if NEXT is given, NEXT-SNAPSHOT the
# same way and a second commit. If the build fails, the files are put back and nothing is committed.
#
#   scripts/release.sh VERSION [NEXT]        e.g. scripts/release.sh 0.1.0 0.2.0
#
# It publishes nothing: at the tag, `./mvnw -B deploy -DskipTests -DaltDeploymentRepository=ID::URL`
# sends the jars (with their -sources and -javadoc jars, which every build makes) to URL, with the
# credentials of server ID in your settings.xml. Maven Central also wants them signed
# (maven-gpg-plugin or the Central Portal's publishing plugin, with your key): the releaser's set-up.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: scripts/release.sh VERSION [NEXT]   (e.g. 0.1.0 0.2.0)" >&2
  exit 2
fi
VERSION="$1"
NEXT="${2-}"
if ! [[ "$VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[A-Za-z0-9.]+)?$ ]] || [[ "$VERSION" == *-SNAPSHOT ]]; then
  echo "release: VERSION is a version like 0.1.0 (not a -SNAPSHOT): $VERSION" >&2
  exit 2
fi
if [ -n "$NEXT" ]; then
  if ! [[ "$NEXT" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    echo "release: NEXT is a version like 0.2.0 (-SNAPSHOT is added): $NEXT" >&2
    exit 2
  fi
  if [ "$NEXT" = "${VERSION%%-*}" ] || [ "$(printf '%s\n%s\n' "${VERSION%%-*}" "$NEXT" | sort -V | tail -n 1)" != "$NEXT" ]; then
    echo "release: NEXT ($NEXT) must come after VERSION ($VERSION)" >&2
    exit 2
  fi
fi
if [ -n "$(git status --porcelain)" ]; then
  echo "release: the working tree has changes; commit or stash them first" >&2
  exit 1
fi
if git rev-parse -q --verify "refs/tags/v$VERSION" >/dev/null; then
  echo "release: tag v$VERSION exists" >&2
  exit 1
fi
CURRENT="$(sed -n '0,/<artifactId>jaio-parent<\/artifactId>/d; s|^ *<version>\(.*\)</version>.*|\1|p' pom.xml | head -n 1)"
# Every pom, and the README's coordinates (`dev.jaio:jaio-core:V`, <version>V</version>, jar names).
set_version() {
  ./mvnw -B -q versions:set -DnewVersion="$2" -DgenerateBackupPoms=false -DprocessAllModules=true
  sed -i "s/$(printf '%s' "$1" | sed 's/[.]/\\./g')/$2/g" README.md
}
restore() {
  echo "release: the build failed; the poms and README.md are put back" >&2
  git checkout -- . >/dev/null 2>&1 || true
}
set_version "$CURRENT" "$VERSION"
if ! ./mvnw -B verify; then
  restore
  exit 1
fi
git commit -q -am "release $VERSION"
git tag -a "v$VERSION" -m "jaio $VERSION"
echo "release: tagged v$VERSION"
if [ -n "$NEXT" ]; then
  set_version "$VERSION" "$NEXT-SNAPSHOT"
  git commit -q -am "$NEXT-SNAPSHOT: development after $VERSION"
  echo "release: main is now at $NEXT-SNAPSHOT"
fi
