# Sourced by ./visualchat and ./run-tests: exports JAVA_HOME pointing at a JDK 25 or newer.
# Order: $JAVA_HOME if it is new enough, then JDKs under /usr/lib/jvm and /opt, then `java` on PATH.

vc_java_feature() { # prints the feature version of the java binary $1, or nothing
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n1
}

vc_find_jdk() {
  local candidate version
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/*25* /usr/lib/jvm/*2[6-9]* /usr/lib/jvm/* /opt/*jdk* /opt/java/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ] || continue
    version=$(vc_java_feature "$candidate/bin/java")
    if [ -n "$version" ] && [ "$version" -ge 25 ]; then echo "$candidate"; return 0; fi
  done
  if command -v javac >/dev/null 2>&1; then
    candidate=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
    version=$(vc_java_feature "$candidate/bin/java")
    if [ -n "$version" ] && [ "$version" -ge 25 ]; then echo "$candidate"; return 0; fi
  fi
  return 1
}

if ! JAVA_HOME=$(vc_find_jdk); then
  echo "VisualChat-J needs a JDK 25 or newer (with javac and the jdk.incubator.vector module)." >&2
  echo "None was found in \$JAVA_HOME, /usr/lib/jvm, /opt or on PATH (java -version says: $(java -version 2>&1 | head -n1))." >&2
  echo "Install one, e.g. Temurin 25 (apt: temurin-25-jdk from the Adoptium repository), then set JAVA_HOME." >&2
  exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
