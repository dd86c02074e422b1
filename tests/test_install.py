"""A user's install: the wheel, installed non-editable into a fresh virtual environment outside
the checkout, reads a sample with the glyph reader, tags a sentence, and ``docproc doctor`` finds
every shipped model there.

The fresh environment gets the wheel only (``--no-deps``); the wheel's dependencies are made
visible from this test run's own environment through a ``.pth`` line, so the test needs no
network. Nothing of the checkout is importable in it: it runs in a temporary folder, the
checkout's editable-install hook is not processed there, and every check asserts the code and the
models were loaded from the fresh environment's site-packages.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from tests.paths import REPO

pytestmark = pytest.mark.slow

SAMPLE = REPO / "samples" / "images" / "01_td3_clean_idn.jpg"

READ_SCRIPT = """
import json, sys
import docproc
from docproc.reading.assets import glyph_model, ner_model
from docproc.reading.ocr import glyphs
calls = []
original = glyphs.GlyphClassifier.classify
def counting(self, cells):
    calls.append(len(cells))
    return original(self, cells)
glyphs.GlyphClassifier.classify = counting
from docproc.reading.document import read_file
result = read_file(sys.argv[1])
print(json.dumps({
    "package": docproc.__file__,
    "glyph_model": str(glyph_model().path),
    "ner_model": str(ner_model().path),
    "status": result.status.value,
    "document_number": result.mrz.parsed.document_number if result.mrz else None,
    "glyph_calls": len(calls),
}))
"""


def _build_wheel(tmp: Path) -> Path:
    """Build the wheel from a copy of the sources (the checkout is left untouched)."""
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, src / name)
    shutil.copytree(
        REPO / "docproc", src / "docproc", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    out = tmp / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "--no-index",
            "-w",
            str(out),
            str(src),
        ],
        check=True,
        timeout=600,
        cwd=tmp,
    )
    (wheel,) = out.glob("docproc-*.whl")
    return wheel


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv (outside the checkout) with the wheel installed non-editable."""
    tmp = tmp_path_factory.mktemp("install")
    wheel = _build_wheel(tmp)
    env_dir = tmp / "venv"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(env_dir)
    python = env_dir / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout.strip()
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        check=True,
        timeout=600,
        cwd=tmp,
    )
    # The dependencies (numpy, OpenCV, spaCy, ...) from this run's environment, after the fresh
    # site-packages on sys.path: docproc itself comes from the wheel.
    (site / "zz_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return env_dir


def _run(
    env_dir: Path, *args: str, cwd: Path, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCPROC_", "PYTHON"))}
    env["OMP_THREAD_LIMIT"] = "1"
    return subprocess.run(
        list(args),
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_the_wheel_carries_the_models(installed: Path) -> None:
    site = next((installed / "lib").glob("python3*/site-packages"))
    assets = site / "docproc" / "reading" / "assets"
    assert (assets / "glyphs" / "ocrb_cells_int8.onnx").is_file()  # the one the reader runs
    assert (assets / "glyphs" / "ocrb_cells_int8.json").is_file()
    assert (assets / "ner" / "docproc_ner" / "config.cfg").is_file()
    assert (assets / "ner" / "docproc_ner" / "ner" / "model").is_file()
    assert not (site / "__editable__.docproc-0.1.0.pth").exists()


def test_installed_package_reads_a_sample_with_the_glyph_reader(
    installed: Path, tmp_path: Path
) -> None:
    sample = tmp_path / SAMPLE.name
    shutil.copy2(SAMPLE, sample)
    done = _run(
        installed, str(installed / "bin" / "python"), "-c", READ_SCRIPT, str(sample), cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    venv_root = str(installed.resolve())
    assert report["package"].startswith(venv_root), report
    assert report["glyph_model"].startswith(venv_root), report
    assert report["ner_model"].startswith(venv_root), report
    assert report["status"] == "ok"
    labels = json.loads((REPO / "samples" / "labels.json").read_text())
    expected = next(e for e in labels if e["file"].endswith(SAMPLE.name))["fields"]
    assert report["document_number"] == expected["document_number"]
    assert report["glyph_calls"] > 0, "the glyph reader was not used"


def test_installed_docproc_tags_a_sentence(installed: Path, tmp_path: Path) -> None:
    done = _run(
        installed,
        str(installed / "bin" / "docproc"),
        "tag",
        "--json",
        cwd=tmp_path,
        stdin="Ahmad Karimi arrived in Jakarta on 3 March 2024 with IOM.",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    labels = {(e["label"], e["text"]) for e in json.loads(done.stdout)["entities"]}
    assert ("PERSON", "Ahmad Karimi") in labels, labels
    assert ("LOC", "Jakarta") in labels, labels


def test_installed_doctor_finds_every_model(installed: Path, tmp_path: Path) -> None:
    done = _run(installed, str(installed / "bin" / "docproc"), "doctor", cwd=tmp_path)
    lines = done.stdout.splitlines()
    venv_root = str(installed.resolve())
    for name in (
        "glyph model",
        "line model",
        "PP-OCR text detector",
        "PP-OCR text recogniser",
        "NER model",
    ):
        (line,) = [ln for ln in lines if ln.startswith("[") and f"] {name}:" in ln]
        assert line.startswith("[ok  ]"), done.stdout
        assert venv_root in line, line


def test_doctor_fails_loudly_when_a_model_is_missing(installed: Path, tmp_path: Path) -> None:
    """Remove the glyph model from a copy of the installed package: doctor fails, reading fails
    with ``missing_model`` (no silent fallback to a weaker reader)."""
    broken = tmp_path / "broken"
    shutil.copytree(installed, broken, symlinks=True)
    site = next((broken / "lib").glob("python3*/site-packages"))
    (site / "docproc" / "reading" / "assets" / "glyphs" / "ocrb_cells_int8.onnx").unlink()
    python = str(broken / "bin" / "python")
    doctor = _run(broken, python, "-m", "docproc.cli", "doctor", cwd=tmp_path)
    assert doctor.returncode != 0
    assert any(ln.startswith("[FAIL] glyph model: missing") for ln in doctor.stdout.splitlines()), (
        doctor.stdout
    )
    sample = tmp_path / SAMPLE.name
    shutil.copy2(SAMPLE, sample)
    read = _run(broken, python, "-m", "docproc.cli", "read", "--json", str(sample), cwd=tmp_path)
    record = json.loads(read.stdout.strip().splitlines()[-1])
    assert record["status"] == "error"
    assert record["error"]["reason"] == "missing_model"
