import subprocess

import pytest

from app.ops import java
from app.ops.java import JavaError, require_java


def fake_java(monkeypatch: pytest.MonkeyPatch, version_text: str | None) -> None:
    monkeypatch.setattr(java.shutil, "which", lambda _: None if version_text is None else "/x/java")
    monkeypatch.setattr(
        java.subprocess,
        "run",
        lambda *a, **k: subprocess.CompletedProcess(a, 0, stdout="", stderr=version_text or ""),
    )


def test_missing_java_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_java(monkeypatch, None)
    with pytest.raises(JavaError, match="not on PATH"):
        require_java()


def test_old_java_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_java(monkeypatch, 'openjdk version "11.0.2" 2019-01-15')
    with pytest.raises(JavaError, match="Java 17 or newer; found Java 11"):
        require_java()
    fake_java(monkeypatch, 'java version "1.8.0_292"')
    with pytest.raises(JavaError, match="found Java 8"):
        require_java()


def test_java_17_and_21_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_java(monkeypatch, 'openjdk version "17.0.15" 2025-04-15')
    assert require_java() == 17
    fake_java(monkeypatch, 'openjdk version "21" 2023-09-19')
    assert require_java() == 21
