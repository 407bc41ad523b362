#!/usr/bin/env bash
# Tries jaio the way a new user adopts it: a separate Maven project that depends on
# dev.jaio:jaio-core from the local repository, built with Maven and run on the module path and on
# the class path, as README.md's "Add jaio to a build" says. CI runs it after the tests
# (.ci/run); run it by hand after `./mvnw -B install`:
#
#   scripts/try-as-dependency.sh [--install]     # --install runs ./mvnw -B -q install -DskipTests first
#
# Prints what each run printed and exits non-zero if a step fails.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../.mvn/find-jdk.sh
. "$ROOT/.mvn/find-jdk.sh"
JDK="$(jaio_find_jdk 25)" || { echo "try-as-dependency: no JDK 25 or newer found" >&2; exit 1; }
if [ "${1-}" = "--install" ]; then
  (cd "$ROOT" && ./mvnw -B -q install -DskipTests)
fi
# The version the build has now: the parent pom's own <version>.
VERSION="$(sed -n '0,/<artifactId>jaio-parent<\/artifactId>/d; s|^ *<version>\(.*\)</version>.*|\1|p' "$ROOT/pom.xml" | head -n 1)"
[ -n "$VERSION" ] || { echo "try-as-dependency: no version in $ROOT/pom.xml" >&2; exit 1; }
APP="$(mktemp -d "${TMPDIR:-/tmp}/jaio-app.XXXXXX")"
trap 'rm -rf "$APP"' EXIT
mkdir -p "$APP/src/main/java/app"

# The README's <dependency> snippet with the version of this tree; the compiler plugin pinned, as
# a build should (Maven 3.9's default would do too).
cat > "$APP/pom.xml" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>app</groupId>
  <artifactId>app</artifactId>
  <version>1</version>
  <properties>
    <maven.compiler.release>25</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
  <dependencies>
    <dependency>
      <groupId>dev.jaio</groupId>
      <artifactId>jaio-core</artifactId>
      <version>$VERSION</version>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-compiler-plugin</artifactId>
        <version>3.14.1</version>
      </plugin>
    </plugins>
  </build>
</project>
POM
cat > "$APP/src/main/java/module-info.java" <<'JAVA'
module app {
    requires dev.jaio;
}
JAVA
cat > "$APP/src/main/java/app/Main.java" <<'JAVA'
package app;

import dev.jaio.AsyncFile;
import dev.jaio.EngineConfig;
import dev.jaio.FileOption;
import dev.jaio.IoBuffer;
import dev.jaio.IoEngine;
import java.nio.file.Files;
import java.nio.file.Path;

public final class Main {
    public static void main(String[] args) throws Exception {
        Path path = Files.createTempFile("jaio-app", ".dat");
        try (IoEngine engine = IoEngine.open(EngineConfig.defaults());
             AsyncFile file = AsyncFile.open(engine, path, FileOption.READ, FileOption.WRITE);
             IoBuffer buf = file.allocateBuffer(4096)) {
            buf.segment().fill((byte) 7);
            int wrote = file.write(buf.segment(), 0).join();
            file.fdatasync().join();
            buf.segment().fill((byte) 0);
            int read = file.read(buf.segment(), 0).join();
            boolean same = buf.segment().get(java.lang.foreign.ValueLayout.JAVA_BYTE, 4095) == 7;
            System.out.println("jaio " + engine.name() + ": wrote " + wrote + ", read " + read
                    + (same ? ", the same bytes" : ", DIFFERENT bytes") + " (" + Main.class.getModule() + ")");
            if (!same || wrote != 4096 || read != 4096) {
                System.exit(1);
            }
        } finally {
            Files.deleteIfExists(path);
        }
    }
}
JAVA

cd "$APP"
"$ROOT/mvnw" -B -q -f "$APP/pom.xml" package dependency:build-classpath -Dmdep.outputFile="$APP/cp.txt"
CP="$(cat "$APP/cp.txt")"
JAVA="$JDK/bin/java"
echo "== module path: java --enable-native-access=dev.jaio -p target/classes:<jaio-core jar> -m app/app.Main"
"$JAVA" --enable-native-access=dev.jaio -p "target/classes:$CP" -m app/app.Main
echo "== class path: java --enable-native-access=ALL-UNNAMED -cp target/classes:<jaio-core jar> app.Main"
rm target/classes/module-info.class
"$JAVA" --enable-native-access=ALL-UNNAMED -cp "target/classes:$CP" app.Main
echo "== class path, native access denied: java --illegal-native-access=deny -cp ... app.Main (the flag left out)"
if denied="$("$JAVA" --illegal-native-access=deny -cp "target/classes:$CP" app.Main 2>&1)"; then
  echo "try-as-dependency: it ran although native access was denied" >&2
  exit 1
fi
printf '%s\n' "$denied" | head -n 1
if ! printf '%s\n' "$denied" | head -n 1 | grep -q 'IllegalCallerException: .*add --enable-native-access=ALL-UNNAMED'; then
  echo "try-as-dependency: denied native access did not end in the message naming the flag" >&2
  exit 1
fi
echo "try-as-dependency: dev.jaio:jaio-core:$VERSION works from a separate project"
