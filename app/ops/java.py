"""Finding a usable Java runtime for the local Neo4j server."""

from __future__ import annotations

import re
import shutil
import subprocess

MIN_JAVA = 17


class JavaError(RuntimeError):
    pass


def java_major_version(java: str = "java") -> int:
    exe = shutil.which(java)
    if exe is None:
        raise JavaError(
            f"Java {MIN_JAVA}+ is required to run Neo4j, and `java` is not on PATH. "
            "Install a JDK 17 or 21 (e.g. `apt-get install openjdk-17-jre-headless`)."
        )
    out = subprocess.run([exe, "-version"], capture_output=True, text=True, check=False)
    text = out.stderr + out.stdout
    match = re.search(r'version "(\d+)(?:\.(\d+))?', text)
    if not match:
        raise JavaError(f"Could not read the Java version from: {text.strip()[:200]}")
    major = int(match.group(1))
    if major == 1 and match.group(2):  # "1.8" style
        major = int(match.group(2))
    return major


def require_java() -> int:
    major = java_major_version()
    if major < MIN_JAVA:
        raise JavaError(f"Neo4j 5.26 needs Java {MIN_JAVA} or newer; found Java {major}.")
    return major
