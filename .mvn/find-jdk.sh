# shellcheck shell=sh
# Finds a JDK of at least a given feature version, without needing JAVA_HOME.
# Sourced (POSIX sh) by ./mvnw and ./jaio; defines functions only and changes no shell options.
#
#   jaio_find_jdk MIN   prints the home directory of a JDK (java and javac) whose feature version
#                       is >= MIN, or returns 1. It tries, in order:
#                         1. $JAVA_HOME, if it is new enough;
#                         2. the `java` on PATH, if it is new enough;
#                         3. the newest new-enough JDK under /usr/lib/jvm, /usr/java, /opt/java,
#                            /opt/jdk*, ~/.jdks and ~/.sdkman/candidates/java.
#   jaio_jdk_version DIR  prints the full Java version of the JDK at DIR (e.g. 25.0.3), or returns 1.

# Full version of the Java installation at $1: the release file's JAVA_VERSION, else what java reports.
jaio_jdk_version() {
  [ -x "$1/bin/java" ] || return 1
  _jaio_v=
  if [ -r "$1/release" ]; then
    _jaio_v=$(sed -n 's/^JAVA_VERSION="\{0,1\}\([^"]*\)"\{0,1\}[[:space:]]*$/\1/p' "$1/release" | head -n 1)
  fi
  if [ -z "$_jaio_v" ]; then
    _jaio_v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 \
      | sed -n 's/^[[:space:]]*java\.version = \(.*\)$/\1/p' | head -n 1)
  fi
  [ -n "$_jaio_v" ] || return 1
  printf '%s\n' "$_jaio_v"
}

# Feature version (8, 17, 25, ...) of a full version string: "1.8.0_392" -> 8, "25.0.3" -> 25, "26-ea" -> 26.
jaio_feature_version() {
  _jaio_f=$1
  case $_jaio_f in 1.*) _jaio_f=${_jaio_f#1.} ;; esac
  _jaio_f=${_jaio_f%%[!0-9]*}
  [ -n "$_jaio_f" ] || return 1
  printf '%s\n' "$_jaio_f"
}

# Succeeds if $1 is a JDK (java and javac) of feature version >= $2.
jaio_is_jdk_at_least() {
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 1
  _jaio_full=$(jaio_jdk_version "$1") || return 1
  _jaio_feature=$(jaio_feature_version "$_jaio_full") || return 1
  [ "$_jaio_feature" -ge "$2" ] 2>/dev/null
}

# Home directory of the `java` found on PATH (following symlinks), or returns 1.
jaio_path_java_home() {
  _jaio_java=$(command -v java 2>/dev/null) || return 1
  if _jaio_real=$(readlink -f "$_jaio_java" 2>/dev/null) && [ -n "$_jaio_real" ]; then
    _jaio_home=${_jaio_real%/bin/java}
    if [ "$_jaio_home" != "$_jaio_real" ] && [ -x "$_jaio_home/bin/java" ]; then
      printf '%s\n' "$_jaio_home"
      return 0
    fi
  fi
  _jaio_home=$("$_jaio_java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^[[:space:]]*java\.home = \(.*\)$/\1/p' | head -n 1)
  [ -n "$_jaio_home" ] || return 1
  printf '%s\n' "$_jaio_home"
}

jaio_find_jdk() {
  _jaio_min=$1
  if [ -n "${JAVA_HOME-}" ] && jaio_is_jdk_at_least "$JAVA_HOME" "$_jaio_min"; then
    printf '%s\n' "$JAVA_HOME"
    return 0
  fi
  if _jaio_ph=$(jaio_path_java_home) && jaio_is_jdk_at_least "$_jaio_ph" "$_jaio_min"; then
    printf '%s\n' "$_jaio_ph"
    return 0
  fi
  # Newest candidate: list "version<TAB>dir" lines and sort them by version.
  _jaio_best=$(
    set +f # the callers may run with globbing off (mvnw: set -f)
    for _jaio_d in /usr/lib/jvm/* /usr/java/* /opt/java /opt/java/* /opt/jdk* \
      "${HOME:-/nonexistent}"/.jdks/* "${HOME:-/nonexistent}"/.sdkman/candidates/java/*; do
      [ -d "$_jaio_d" ] || continue
      jaio_is_jdk_at_least "$_jaio_d" "$_jaio_min" || continue
      printf '%s\t%s\n' "$(jaio_jdk_version "$_jaio_d")" "$_jaio_d"
    done | sort -t "$(printf '\t')" -k1,1V | tail -n 1 | cut -f 2-
  )
  [ -n "$_jaio_best" ] || return 1
  printf '%s\n' "$_jaio_best"
}
