"""Rebuild the committed sample set: ``python -m docproc.synth.samples [--out samples]``.

Writes ``images/*.jpg`` (every type, clean and degraded), ``labels.json``, a negative page in
``negatives.json`` and ``two_page_passport.pdf`` (page 1 a letter, page 2 a passport scan).
Everything is fixed by the specs below, so the output is the same on every run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from docproc.reading.mrz.model import MRZType
from docproc.synth.degrade import DegradeOptions
from docproc.synth.generate import make_sample, save_image
from docproc.synth.mrzgen import SynthDoc, random_document
from docproc.synth.render import ImageArray, render, render_letter

MAX_BYTES = 250_000
QUALITY = 85
PDF_DPI = 200
FIXED_DATE = time.gmtime(1767225600)  # 2026-01-01T00:00:00Z

Pred = Callable[[SynthDoc], bool]


def _issuer(code: str) -> Pred:
    return lambda d: d.fields["issuing_country"] == code


def _nat(*codes: str) -> Pred:
    return lambda d: d.fields["nationality"] in codes


def _mononym(d: SynthDoc) -> bool:
    return not d.fields["surname"] or not d.fields["given_names"]


def _truncated(d: SynthDoc) -> bool:
    return d.name_truncated


def _any(d: SynthDoc) -> bool:
    return True


@dataclass(frozen=True)
class Spec:
    name: str
    type: MRZType
    want: Pred
    opts: DegradeOptions | None
    notes: str


SPECS: tuple[Spec, ...] = (
    Spec(
        "01_td3_clean_idn",
        MRZType.TD3,
        _issuer("IDN"),
        None,
        "Indonesian passport, bilingual labels, flat render",
    ),
    Spec(
        "02_td1_clean_idn",
        MRZType.TD1,
        _issuer("IDN"),
        None,
        "Indonesian TD1 card, bilingual labels, flat render",
    ),
    Spec("03_td2_clean", MRZType.TD2, _any, None, "TD2 ID card, flat render"),
    Spec(
        "04_mrva_clean_idn",
        MRZType.MRVA,
        _issuer("IDN"),
        None,
        "Indonesian MRV-A visa, flat render",
    ),
    Spec(
        "05_mrvb_clean",
        MRZType.MRVB,
        _truncated,
        None,
        "MRV-B visa with a name truncated at the line end",
    ),
    Spec(
        "06_td3_upside_down",
        MRZType.TD3,
        _issuer("BGD"),
        DegradeOptions(
            background="desk", rotate=180, skew_deg=2.5, noise_sigma=2.0, jpeg_quality=QUALITY
        ),
        "Bangladeshi passport photographed upside down on a desk",
    ),
    Spec(
        "07_td1_rot90",
        MRZType.TD1,
        _nat("XXA", "XXB", "XXC"),
        DegradeOptions(
            background="page", rotate=90, skew_deg=-1.5, lighting=0.25, jpeg_quality=QUALITY
        ),
        "TD1 residence card of a stateless/refugee holder, rotated 90 degrees clockwise",
    ),
    Spec(
        "08_td3_phone_perspective",
        MRZType.TD3,
        _nat("XXA", "XXB", "XXC"),
        DegradeOptions(
            background="desk",
            perspective=0.1,
            lighting=0.35,
            blur_sigma=0.035,
            noise_sigma=3.0,
            jpeg_quality=QUALITY,
        ),
        "Refugee/stateless travel document, phone photo with perspective and uneven light",
    ),
    Spec(
        "09_td1_lowres",
        MRZType.TD1,
        _mononym,
        DegradeOptions(background="page", skew_deg=-3.0, target_cap_px=13.0, jpeg_quality=QUALITY),
        "TD1 card with a mononym, downscaled so MRZ capitals are ~13 px high",
    ),
    Spec(
        "10_td2_stamp",
        MRZType.TD2,
        _nat("AFG", "MMR"),
        DegradeOptions(
            background="desk", stamp=True, skew_deg=4.0, noise_sigma=4.0, jpeg_quality=QUALITY
        ),
        "TD2 card with a rubber stamp over the MRZ",
    ),
    Spec(
        "11_mrva_lowlight",
        MRZType.MRVA,
        _nat("MMR", "BGD"),
        DegradeOptions(
            background="desk", low_light=0.45, noise_sigma=5.0, skew_deg=-2.0, jpeg_quality=QUALITY
        ),
        "MRV-A visa in low indoor light with sensor noise",
    ),
    Spec(
        "12_mrvb_penline_rot270",
        MRZType.MRVB,
        _any,
        DegradeOptions(pen_line=True, rotate=270, blur_sigma=0.03, jpeg_quality=QUALITY),
        "MRV-B visa with a pen stroke across the MRZ, rotated 270 degrees clockwise",
    ),
    Spec(
        "13_td3_lowres_jpeg",
        MRZType.TD3,
        _nat("CHN", "AFG"),
        DegradeOptions(
            background="page", target_cap_px=15.0, skew_deg=1.0, noise_sigma=3.0, jpeg_quality=55
        ),
        "Passport at low resolution (MRZ capitals ~15 px) with strong JPEG compression",
    ),
)


def pick_document(spec: Spec, tries: int = 500) -> tuple[SynthDoc, int]:
    """The first document (by index) of ``spec.type`` that satisfies ``spec.want``."""
    for i in range(tries):
        doc = random_document(random.Random(f"sample:{spec.name}:{i}"), spec.type)
        if spec.want(doc):
            return doc, i
    raise RuntimeError(f"no document satisfies the sample spec {spec.name}")


def _digest(path: Path) -> tuple[int, str]:
    data = path.read_bytes()
    return len(data), hashlib.sha256(data).hexdigest()


def _shrink(
    image: ImageArray, entry: dict[str, Any], s: float
) -> tuple[ImageArray, dict[str, Any]]:
    """Resize an image by ``s`` and scale every coordinate in its label entry to match."""
    h, w = image.shape[:2]
    nw, nh = round(w * s), round(h * s)
    small = np.asarray(Image.fromarray(image).resize((nw, nh), Image.Resampling.LANCZOS))
    sx, sy = nw / w, nh / h

    def box(b: list[float]) -> list[float]:
        return [round(b[0] * sx, 1), round(b[1] * sy, 1), round(b[2] * sx, 1), round(b[3] * sy, 1)]

    e = dict(entry)
    e["viz_boxes"] = {k: box(b) for k, b in entry["viz_boxes"].items()}
    e["mrz_line_boxes"] = [box(b) for b in entry["mrz_line_boxes"]]
    e["mrz_quad"] = [[round(x * sx, 1), round(y * sy, 1)] for x, y in entry["mrz_quad"]]
    e["width"], e["height"] = nw, nh
    e["degradations"] = [*entry["degradations"], f"resize={s:.3f}"]
    return small, e


def _scan_page(passport: ImageArray, seed: int) -> tuple[ImageArray, float, tuple[int, int]]:
    """An A4 page at PDF_DPI with the passport page pasted as a photocopy would show it."""
    w, h = round(210 / 25.4 * PDF_DPI), round(297 / 25.4 * PDF_DPI)
    page = np.full((h, w, 3), 250, dtype=np.uint8)
    scale = PDF_DPI / 300
    pw, ph = round(passport.shape[1] * scale), round(passport.shape[0] * scale)
    small = np.asarray(Image.fromarray(passport).resize((pw, ph), Image.Resampling.LANCZOS))
    rng = random.Random(seed)
    ox, oy = rng.randint(60, w - pw - 60), rng.randint(80, 400)
    page[oy : oy + ph, ox : ox + pw] = small
    return page, scale, (ox, oy)


def build(out_dir: str | Path = "samples") -> dict[str, Any]:
    out = Path(out_dir)
    (out / "images").mkdir(parents=True, exist_ok=True)
    labels: list[dict[str, Any]] = []
    for k, spec in enumerate(SPECS):
        doc, idx = pick_document(spec)
        image, entry, quality = make_sample(doc, 700 + k, spec.opts)
        rel = f"images/{spec.name}.jpg"
        save_image(out / rel, image, quality or QUALITY)
        size, sha = _digest(out / rel)
        for _ in range(4):  # a big photo: shrink it (and its ground truth) until it fits
            if size <= MAX_BYTES:
                break
            image, entry = _shrink(image, entry, 0.95 * (MAX_BYTES / size) ** 0.5)
            save_image(out / rel, image, quality or QUALITY)
            size, sha = _digest(out / rel)
        if size > MAX_BYTES:
            raise RuntimeError(f"{rel} is {size} bytes, over {MAX_BYTES}")
        labels.append(
            {
                "file": rel,
                **entry,
                "notes": spec.notes,
                "source": f"docproc.synth.samples spec {spec.name} (document #{idx})",
                "bytes": size,
                "sha256": sha,
            }
        )

    # the PDF: page 1 a letter (no MRZ), page 2 a passport data page on an A4 scan
    letter = render_letter(seed=3, dpi=PDF_DPI)
    pdoc, idx = pick_document(Spec("pdf", MRZType.TD3, _nat("MMR"), None, ""))
    rendered = render(pdoc, 900)
    page2, scale, (ox, oy) = _scan_page(rendered.image, 901)

    def tr(b: tuple[float, float, float, float]) -> list[float]:
        return [
            round(ox + b[0] * scale, 1),
            round(oy + b[1] * scale, 1),
            round(ox + b[2] * scale, 1),
            round(oy + b[3] * scale, 1),
        ]

    pdf = out / "two_page_passport.pdf"
    Image.fromarray(letter).convert("L").save(
        pdf,
        "PDF",
        save_all=True,
        resolution=float(PDF_DPI),
        append_images=[Image.fromarray(page2)],
        quality=80,
        # fixed metadata so the file is byte-for-byte reproducible
        creationDate=FIXED_DATE,
        modDate=FIXED_DATE,
        title="docproc synthetic sample",
        producer="docproc.synth.samples",
    )
    size, sha = _digest(pdf)
    mx0, my0, mx1, my1 = tr(rendered.boxes["mrz"])
    labels.append(
        {
            "file": pdf.name,
            "page": 2,
            "page_index": 1,
            "dpi": PDF_DPI,
            "type": pdoc.type.value,
            "mrz": list(pdoc.mrz),
            "fields": dict(pdoc.fields),
            "viz_boxes": {k: tr(b) for k, b in rendered.boxes.items()},
            "viz_text": dict(rendered.viz_text),
            "mrz_quad": [[mx0, my0], [mx1, my0], [mx1, my1], [mx0, my1]],
            "mrz_line_boxes": [tr(b) for b in rendered.mrz_line_boxes],
            "degradations": ["pdf_page=2", f"scan_dpi={PDF_DPI}"],
            "name_truncated": pdoc.name_truncated,
            "name_pool": pdoc.name_pool,
            "width": int(page2.shape[1]),
            "height": int(page2.shape[0]),
            "synthetic": True,
            "notes": "Two-page PDF: page 1 is a letter with no MRZ, page 2 a passport data page "
            "on an A4 scan. Boxes are in page-2 pixels at 'dpi'; page is 1-based, "
            "page_index 0-based.",
            "source": f"docproc.synth.samples pdf (document #{idx})",
            "bytes": size,
            "sha256": sha,
        }
    )

    neg_rel = "images/neg_letter.jpg"
    save_image(out / neg_rel, render_letter(seed=11, dpi=150), QUALITY)
    nsize, nsha = _digest(out / neg_rel)
    negatives = [
        {
            "file": neg_rel,
            "expected": "NO_MRZ",
            "source": "docproc.synth.render.render_letter(seed=11, dpi=150)",
            "notes": "Synthetic registration letter/form page with labels, boxes and a stamp; "
            "no MRZ. Expected: reader reports no MRZ, no crash.",
            "bytes": nsize,
            "sha256": nsha,
        }
    ]
    (out / "labels.json").write_text(json.dumps(labels, indent=1, ensure_ascii=False) + "\n")
    (out / "negatives.json").write_text(json.dumps(negatives, indent=1) + "\n")
    return {"labels": labels, "negatives": negatives}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m docproc.synth.samples", description="Rebuild the committed sample set."
    )
    ap.add_argument("--out", default="samples", help="output directory (default: samples)")
    args = ap.parse_args(argv)
    res = build(args.out)
    print(
        f"wrote {len(res['labels'])} labelled samples and {len(res['negatives'])} negative "
        f"to {args.out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
