"""The one place docproc runs tesseract: argument lists, a timeout on every call, checked output.

Tesseract is run as a subprocess (not through a binding) so a crash or a hang costs one call, never
the worker. ``OMP_THREAD_LIMIT=1`` is set for every call: on small inputs tesseract's OpenMP threads
cost more than they give (about 3x slower on two cores).
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
import numpy.typing as npt

from docproc.config import get_settings
from docproc.errors import EngineFailed, EngineTimeout, MissingDependency


@dataclass(frozen=True)
class Word:
    text: str
    conf: float  # 0..100 as tesseract reports it
    left: int
    top: int
    width: int
    height: int
    line: tuple[int, int, int]  # (block, paragraph, line)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["OMP_THREAD_LIMIT"] = str(get_settings().ocr_threads)
    return env


@lru_cache(maxsize=1)
def tesseract_version() -> str:
    """The tesseract version string; raises :class:`MissingDependency` when it is absent."""
    cmd = get_settings().tesseract_cmd
    if shutil.which(cmd) is None:
        raise MissingDependency(f"tesseract ({cmd!r}) was not found on PATH")
    out = subprocess.run(
        [cmd, "--version"], capture_output=True, text=True, timeout=10, check=False, env=_env()
    )
    match = re.search(r"tesseract\s+v?(\d+\.\d+[.\d]*)", out.stdout + out.stderr)
    return match.group(1) if match else "unknown"


@lru_cache(maxsize=1)
def installed_languages() -> frozenset[str]:
    cmd = get_settings().tesseract_cmd
    tesseract_version()
    out = subprocess.run(
        [cmd, "--list-langs"], capture_output=True, text=True, timeout=10, check=False, env=_env()
    )
    lines = (out.stdout or out.stderr).splitlines()
    return frozenset(ln.strip() for ln in lines[1:] if ln.strip())


def run_tesseract(
    image: npt.NDArray[np.uint8],
    *,
    psm: int = 7,
    lang: str = "eng",
    whitelist: str | None = None,
    output: str = "txt",
    timeout: float | None = None,
    extra: tuple[str, ...] = (),
) -> str:
    """Run tesseract on ``image`` (sent as PNG on stdin) and return its stdout as text."""
    tesseract_version()
    ok, png = cv2.imencode(".png", image)
    if not ok:
        raise EngineFailed("could not encode the image for tesseract")
    args = _args(psm, lang, whitelist, extra)
    if output == "tsv":
        args.append("tsv")
    return _run(args, png.tobytes(), timeout)


def run_tesseract_pages(
    images: list[npt.NDArray[np.uint8]],
    *,
    psm: int = 7,
    lang: str = "eng",
    whitelist: str | None = None,
    timeout: float | None = None,
) -> list[str]:
    """Run one tesseract on several images (sent as the pages of one TIFF on stdin), each read
    on its own as :func:`run_tesseract` reads one (the LSTM engine carries nothing from page
    to page), and return each page's text. Starting tesseract and loading its model is about
    0.15 s of CPU a call, as much as reading an MRZ line: three lines cost two starts less.
    ``timeout`` is for all of them."""
    if not images:
        return []
    tesseract_version()
    ok, tiff = cv2.imencodemulti(".tiff", images)
    if not ok:
        raise EngineFailed("could not encode the images for tesseract")
    out = _run(_args(psm, lang, whitelist, ()), tiff.tobytes(), timeout)
    pages = out.split("\f")  # tesseract ends every page but the last with a form feed
    if len(pages) != len(images):
        raise EngineFailed(f"tesseract read {len(pages)} pages of {len(images)}")
    return pages


def _args(psm: int, lang: str, whitelist: str | None, extra: tuple[str, ...]) -> list[str]:
    args = [get_settings().tesseract_cmd, "stdin", "stdout", "--psm", str(psm), "-l", lang]
    if whitelist is not None:
        args += ["-c", f"tessedit_char_whitelist={whitelist}"]
    return args + list(extra)


def _run(args: list[str], data: bytes, timeout: float | None) -> str:
    limit = timeout if timeout is not None else get_settings().ocr_timeout
    try:
        proc = subprocess.run(
            args, input=data, capture_output=True, timeout=limit, check=False, env=_env()
        )
    except subprocess.TimeoutExpired as exc:
        raise EngineTimeout(f"tesseract did not finish within {limit:.0f} s") from exc
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise EngineFailed(f"tesseract exited with {proc.returncode}: {err[-1] if err else ''}")
    return proc.stdout.decode("utf-8", "replace")


def parse_tsv(tsv: str) -> list[Word]:
    """Words (level 5 rows) of tesseract's TSV output."""
    words: list[Word] = []
    reader = csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    for row in reader:
        if row.get("level") != "5":
            continue
        text = (row.get("text") or "").strip()
        if not text:
            continue
        words.append(
            Word(
                text=text,
                conf=float(row["conf"]),
                left=int(row["left"]),
                top=int(row["top"]),
                width=int(row["width"]),
                height=int(row["height"]),
                line=(int(row["block_num"]), int(row["par_num"]), int(row["line_num"])),
            )
        )
    return words
