"""Capture degradations for rendered documents: desk/page background, rotation, skew, phone
perspective, blur, noise, uneven or low light, low resolution, stamps and pen lines, JPEG.

Every geometric step is a 3x3 homography; boxes are carried through it so the ground truth
stays in final image coordinates. Strengths are bounded so that a person can still read every
MRZ character: severe steps are not stacked (at most two of low-res, blur, low light, heavy
noise, heavy JPEG).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, replace

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw

from docproc.synth.render import Box, ImageArray, Rendered, font

Mat = npt.NDArray[np.float64]
FloatImage = npt.NDArray[np.float32]


@dataclass(frozen=True)
class DegradeOptions:
    """Which degradations to apply and how strongly; ``None``/0 means off."""

    background: str | None = None  # "desk" | "page"
    rotate: int = 0  # clockwise quarter turns in degrees: 0, 90, 180, 270
    skew_deg: float = 0.0  # small in-plane rotation, |skew| <= 8
    perspective: float = 0.0  # corner displacement as a fraction of the side, <= 0.12
    blur_sigma: float = 0.0  # as a fraction of the MRZ cap height (0.03..0.07 is sane)
    noise_sigma: float = 0.0  # grey levels
    lighting: float = 0.0  # uneven light strength 0..0.6
    low_light: float = 0.0  # darkening 0..0.6
    jpeg_quality: int | None = None
    target_cap_px: float | None = None  # downscale so the MRZ cap height is this many pixels
    stamp: bool = False
    pen_line: bool = False


@dataclass
class Degraded:
    image: ImageArray
    boxes: dict[str, Box]
    mrz_quad: list[tuple[float, float]]
    mrz_line_boxes: list[Box]
    applied: list[str] = field(default_factory=list)
    jpeg_quality: int | None = None


def random_options(rng: random.Random) -> DegradeOptions:
    """A random, always-legible combination of degradations."""
    o = DegradeOptions(
        background=rng.choice(["desk", "page"]) if rng.random() < 0.75 else None,
        rotate=rng.choice([90, 180, 270]) if rng.random() < 0.25 else 0,
        stamp=rng.random() < 0.2,
        pen_line=rng.random() < 0.12,
        lighting=rng.uniform(0.2, 0.5) if rng.random() < 0.4 else 0.0,
    )
    if rng.random() < 0.35:
        o = replace(o, perspective=rng.uniform(0.03, 0.1))
    elif rng.random() < 0.6:
        o = replace(o, skew_deg=rng.uniform(-8, 8))
    severe = []
    if rng.random() < 0.3:
        severe.append("lowres")
    if rng.random() < 0.4:
        severe.append("blur")
    if rng.random() < 0.15:
        severe.append("lowlight")
    if rng.random() < 0.25:
        severe.append("noise")
    if rng.random() < 0.35:
        severe.append("jpeg")
    rng.shuffle(severe)
    severe = severe[:2]
    lowres = "lowres" in severe
    if lowres:
        o = replace(o, target_cap_px=rng.uniform(12, 16))
    if "blur" in severe:
        o = replace(o, blur_sigma=rng.uniform(0.02, 0.035) if lowres else rng.uniform(0.03, 0.06))
    if "lowlight" in severe:
        o = replace(o, low_light=rng.uniform(0.3, 0.55))
    o = replace(o, noise_sigma=rng.uniform(5, 9) if "noise" in severe else rng.uniform(0, 3))
    if "jpeg" in severe:
        o = replace(o, jpeg_quality=rng.randint(45, 60) if lowres else rng.randint(25, 45))
    else:
        o = replace(o, jpeg_quality=rng.randint(70, 92))
    return o


# ---------------------------------------------------------------- geometry helpers


def _u8(a: object) -> ImageArray:
    return np.asarray(a, dtype=np.uint8)


def _f32(a: object) -> FloatImage:
    return np.asarray(a, dtype=np.float32)


def _corners(b: Box) -> Mat:
    x0, y0, x1, y1 = b
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64)


def _edge(m: Mat) -> Mat:
    """OpenCV warps map pixel centres; boxes use pixel edges (centre + 0.5)."""
    t = np.array([[1, 0, 0.5], [0, 1, 0.5], [0, 0, 1]], dtype=np.float64)
    ti = np.array([[1, 0, -0.5], [0, 1, -0.5], [0, 0, 1]], dtype=np.float64)
    return np.asarray(t @ m @ ti, dtype=np.float64)


def _apply(h: Mat, pts: Mat) -> Mat:
    homog = np.hstack([pts, np.ones((len(pts), 1))]) @ h.T
    return np.asarray(homog[:, :2] / homog[:, 2:3], dtype=np.float64)


def _bbox(pts: Mat, w: int, h: int) -> Box:
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    return (
        round(float(np.clip(x0, 0, w)), 1),
        round(float(np.clip(y0, 0, h)), 1),
        round(float(np.clip(x1, 0, w)), 1),
        round(float(np.clip(y1, 0, h)), 1),
    )


# ---------------------------------------------------------------- marks on the document


def _blend_ink(
    img: ImageArray, overlay: Image.Image, alpha: float, origin: tuple[int, int] = (0, 0)
) -> ImageArray:
    """Multiply-blend an RGBA ink overlay (placed at ``origin``) onto the image."""
    ov = np.asarray(overlay, dtype=np.float32)
    x0, y0 = origin
    h, w = img.shape[:2]
    x1, y1 = min(w, x0 + ov.shape[1]), min(h, y0 + ov.shape[0])
    xs, ys = max(0, x0), max(0, y0)
    if x1 <= xs or y1 <= ys:
        return img
    ov = ov[ys - y0 : y1 - y0, xs - x0 : x1 - x0]
    a = ov[:, :, 3:4] / 255.0 * alpha
    ink = ov[:, :, :3] / 255.0
    out = img.copy()
    crop = img[ys:y1, xs:x1].astype(np.float32) * (1 - a + a * ink)
    out[ys:y1, xs:x1] = np.clip(crop, 0, 255).astype(np.uint8)
    return out


def add_stamp(img: ImageArray, mrz_box: Box, rng: random.Random) -> ImageArray:
    """A round rubber stamp partly over the MRZ, light enough to read through."""
    x0, y0, x1, y1 = mrz_box
    r = rng.uniform(0.75, 1.1) * (y1 - y0)
    cx = rng.uniform(x0 + 0.3 * (x1 - x0), x1 - r)
    cy = y0 + rng.uniform(-0.3, 0.3) * (y1 - y0)
    color = rng.choice([(80, 60, 170), (170, 50, 70), (40, 110, 90)])
    side = int(2.4 * r)
    ox, oy = int(cx - side / 2), int(cy - side / 2)
    ov = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    d = ImageDraw.Draw(ov)
    cx, cy = side / 2, side / 2
    lw = max(2, round(r * 0.05))
    d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=(*color, 255), width=lw)
    d.ellipse(
        (cx - 0.78 * r, cy - 0.78 * r, cx + 0.78 * r, cy + 0.78 * r),
        outline=(*color, 255),
        width=max(1, lw // 2),
    )
    f = font("sans-bold", max(10, round(r * 0.28)))
    d.text(
        (cx, cy - 0.18 * r),
        rng.choice(["ARRIVED", "DIPERIKSA", "ENTRY", "IMIGRASI"]),
        font=f,
        fill=(*color, 255),
        anchor="mm",
    )
    d.text(
        (cx, cy + 0.22 * r),
        f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.2025",
        font=f,
        fill=(*color, 255),
        anchor="mm",
    )
    ov = ov.rotate(rng.uniform(-25, 25), center=(cx, cy))
    return _blend_ink(img, ov, rng.uniform(0.35, 0.5), (ox, oy))


def add_pen_line(img: ImageArray, mrz_box: Box, rng: random.Random) -> ImageArray:
    """A thin ballpoint stroke crossing the MRZ at a shallow angle."""
    x0, y0, x1, y1 = mrz_box
    ox, oy = int(x0 - 30), int(y0 - 30)
    ov = Image.new("RGBA", (int(x1 - x0) + 60, int(y1 - y0) + 60), (0, 0, 0, 0))
    d = ImageDraw.Draw(ov)
    ya = rng.uniform(y0, y1) - oy
    yb = rng.uniform(y0, y1) - oy
    xs = np.linspace(x0 - 20, x1 + 20, 60) - ox
    ys = np.linspace(ya, yb, 60) + 3 * np.sin(np.linspace(0, rng.uniform(2, 6), 60))
    d.line(
        list(zip(xs.tolist(), ys.tolist(), strict=True)),
        fill=(30, 50, 150, 255),
        width=rng.choice([2, 3]),
    )
    return _blend_ink(img, ov, rng.uniform(0.45, 0.65), (ox, oy))


# ---------------------------------------------------------------- backgrounds


def _smooth_noise(rng: np.random.Generator, h: int, w: int, cells: int) -> FloatImage:
    small = rng.random((max(2, h * cells // max(h, w)), max(2, w * cells // max(h, w))))
    return np.asarray(
        cv2.resize(small.astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC),
        dtype=np.float32,
    )


def make_background(h: int, w: int, kind: str, rng: np.random.Generator) -> ImageArray:
    """A desk (wood/laminate) or a sheet of printed paper, built at 1/4 scale then enlarged."""
    sh, sw = max(8, h // 4), max(8, w // 4)
    if kind == "desk":
        base = np.array(
            rng.choice(
                [[120, 85, 55], [150, 115, 80], [90, 90, 95], [60, 50, 45], [175, 160, 140]]
            ),
            dtype=np.float32,
        )
        yy = np.arange(sh, dtype=np.float32)[:, None]
        warp = _smooth_noise(rng, sh, sw, 5) * rng.uniform(3, 7)
        streaks = cv2.resize(
            rng.random((sh, max(2, sw // 24))).astype(np.float32),
            (sw, sh),
            interpolation=cv2.INTER_LINEAR,
        )
        grain = 0.5 + 0.5 * np.sin(yy * rng.uniform(0.3, 0.7) + warp)
        shade = 0.85 + 0.08 * grain + 0.07 * streaks + 0.08 * _smooth_noise(rng, sh, sw, 3)
        small = np.clip(base[None, None, :] * shade[:, :, None], 0, 255).astype(np.uint8)
        return np.asarray(cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR), dtype=np.uint8)
    level = rng.uniform(225, 248)
    shade = level * (0.96 + 0.04 * _smooth_noise(rng, sh, sw, 4))
    small = np.clip(np.repeat(shade[:, :, None], 3, axis=2), 0, 255).astype(np.uint8)
    img = np.asarray(cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR), dtype=np.uint8)
    # faint printed text lines as word-like dashes: a letter or form under the document
    ink = int(level * 0.82)
    step = int(rng.integers(30, 44))
    xh = max(3, step // 7)
    for y in range(int(rng.integers(10, 40)), h, step):
        x = int(rng.integers(30, max(31, w // 10)))
        x_end = int(w - rng.integers(30, max(31, w // 4)))
        while x < x_end:
            wl = int(rng.integers(xh * 2, xh * 9))
            cv2.rectangle(img, (x, y), (min(x + wl, x_end), y + xh), (ink, ink, ink), -1)
            x += wl + int(rng.integers(xh, xh * 2))
    return img


def _card_mask(h: int, w: int, radius: int) -> FloatImage:
    m = Image.new("L", (w, h), 0)
    ImageDraw.Draw(m).rounded_rectangle((0, 0, w - 1, h - 1), radius=radius, fill=255)
    return np.asarray(m, dtype=np.float32) / 255.0


# ---------------------------------------------------------------- main entry point


def slanted(
    image: ImageArray, shrink: float, side: int = 0, desk: tuple[int, int, int] = (70, 80, 90)
) -> ImageArray:
    """``image`` photographed at a slant: its side ``side`` (0 right, 1 bottom, 2 left, 3 top)
    ``shrink`` (a share) shorter than the opposite one and ``shrink / 3`` of the image nearer
    it, on a desk of colour ``desk`` (in the image's channel order). The same size as given."""
    turned = np.ascontiguousarray(np.rot90(image, side))  # the side to shrink on the right
    th, tw = turned.shape[:2]
    far = tw * (1 - shrink / 3)
    src = np.array([[0, 0], [tw, 0], [tw, th], [0, th]], np.float32)
    dst = np.array(
        [[0, 0], [far, th * shrink / 2], [far, th * (1 - shrink / 2)], [0, th]], np.float32
    )
    seen = cv2.warpPerspective(
        turned, cv2.getPerspectiveTransform(src, dst), (tw, th), borderValue=desk
    )
    return _u8(np.ascontiguousarray(np.rot90(seen, -side)))


def degrade(doc: Rendered, opts: DegradeOptions, seed: int = 0, rounded: bool = False) -> Degraded:
    """Apply ``opts`` to a rendered document; boxes follow every geometric step."""
    rng = random.Random(f"degrade:{seed}")
    nrng = np.random.default_rng([seed & 0xFFFFFFFF, 9303])
    img = doc.image
    applied: list[str] = []

    if opts.stamp:
        img = add_stamp(img, doc.boxes["mrz"], rng)
        applied.append("stamp")
    if opts.pen_line:
        img = add_pen_line(img, doc.boxes["mrz"], rng)
        applied.append("pen_line")

    pts: dict[str, Mat] = {k: _corners(b) for k, b in doc.boxes.items()}
    line_pts = [_corners(b) for b in doc.mrz_line_boxes]
    hmat: Mat = np.eye(3)
    h, w = img.shape[:2]

    fill: tuple[int, int, int] = (236, 236, 233)
    if opts.background:
        sx, sy = rng.uniform(1.15, 1.6), rng.uniform(1.15, 1.6)
        bh, bw = int(h * sy), int(w * sx)
        bg = make_background(bh, bw, opts.background, nrng)
        ox, oy = rng.randint(0, bw - w), rng.randint(0, bh - h)
        # soft shadow (computed at 1/4 scale), then the document (cards have rounded corners)
        sdx, sdy = rng.randint(3, 12), rng.randint(3, 12)
        q = 4
        shadow = np.zeros((bh // q + 1, bw // q + 1), dtype=np.float32)
        shadow[(oy + sdy) // q : (oy + sdy + h) // q, (ox + sdx) // q : (ox + sdx + w) // q] = 0.45
        shadow = _f32(cv2.GaussianBlur(shadow, (0, 0), 2.5))
        shadow = _f32(cv2.resize(shadow, (bw, bh), interpolation=cv2.INTER_LINEAR))
        lit = 1 - shadow
        canvas = cv2.multiply(bg, cv2.merge([lit, lit, lit]), dtype=cv2.CV_8U)
        under = canvas[oy : oy + h, ox : ox + w].copy()
        canvas[oy : oy + h, ox : ox + w] = img
        if rounded:  # ID-1/ID-2 cards have rounded corners: blend only the corner squares
            rad = round(0.037 * w)
            mask = _card_mask(h, w, rad)
            for cy0, cx0 in ((0, 0), (0, w - rad), (h - rad, 0), (h - rad, w - rad)):
                mk = mask[cy0 : cy0 + rad, cx0 : cx0 + rad, None]
                doc_px = img[cy0 : cy0 + rad, cx0 : cx0 + rad].astype(np.float32)
                bg_px = under[cy0 : cy0 + rad, cx0 : cx0 + rad].astype(np.float32)
                canvas[oy + cy0 : oy + cy0 + rad, ox + cx0 : ox + cx0 + rad] = np.clip(
                    bg_px * (1 - mk) + doc_px * mk, 0, 255
                ).astype(np.uint8)
        img = _u8(canvas)
        hmat = np.array([[1, 0, ox], [0, 1, oy], [0, 0, 1]], dtype=np.float64) @ hmat
        fill = tuple(int(v) for v in bg[0, 0])  # type: ignore[assignment]
        h, w = bh, bw
        applied.append(f"background={opts.background}")

    if opts.skew_deg:
        m = cv2.getRotationMatrix2D((w / 2, h / 2), -opts.skew_deg, 1.0)
        cos, sin = abs(m[0, 0]), abs(m[0, 1])
        nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
        m[0, 2] += nw / 2 - w / 2
        m[1, 2] += nh / 2 - h / 2
        img = _u8(
            cv2.warpAffine(
                img,
                m,
                (nw, nh),
                flags=cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_REPLICATE if opts.background else cv2.BORDER_CONSTANT,
                borderValue=fill,
            )
        )
        hmat = _edge(np.vstack([m, [0, 0, 1]])) @ hmat
        h, w = nh, nw
        applied.append(f"skew={opts.skew_deg:.1f}")

    if opts.perspective:
        p = opts.perspective
        src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
        jit = np.array(
            [[rng.uniform(0, p) * w, rng.uniform(0, p) * h] for _ in range(4)], dtype=np.float32
        )
        sign = np.array([[1, 1], [-1, 1], [-1, -1], [1, -1]], dtype=np.float32)
        dst = src + jit * sign
        m = cv2.getPerspectiveTransform(src, dst)
        img = _u8(
            cv2.warpPerspective(
                img,
                m,
                (w, h),
                flags=cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_REPLICATE if opts.background else cv2.BORDER_CONSTANT,
                borderValue=fill,
            )
        )
        hmat = _edge(m.astype(np.float64)) @ hmat
        applied.append(f"perspective={p:.3f}")

    if opts.rotate:
        code = {
            90: cv2.ROTATE_90_CLOCKWISE,
            180: cv2.ROTATE_180,
            270: cv2.ROTATE_90_COUNTERCLOCKWISE,
        }[opts.rotate]
        r = {
            # boxes use pixel-edge coordinates, so a turn maps x -> w - x (not w - 1 - x)
            90: [[0, -1, h], [1, 0, 0], [0, 0, 1]],
            180: [[-1, 0, w], [0, -1, h], [0, 0, 1]],
            270: [[0, 1, 0], [-1, 0, w], [0, 0, 1]],
        }[opts.rotate]
        img = _u8(cv2.rotate(img, code))
        hmat = np.array(r, dtype=np.float64) @ hmat
        h, w = img.shape[:2]
        applied.append(f"rotate={opts.rotate}")

    cap = doc.mrz_cap_px
    if opts.target_cap_px:
        s = opts.target_cap_px / cap
        nw, nh = max(1, round(w * s)), max(1, round(h * s))
        img = _u8(cv2.resize(img, (nw, nh), interpolation=cv2.INTER_AREA))
        hmat = np.diag([nw / w, nh / h, 1.0]) @ hmat
        h, w = nh, nw
        cap = opts.target_cap_px
        applied.append(f"lowres=cap{opts.target_cap_px:.1f}px")
    if opts.lighting:
        ang = rng.uniform(0, 2 * math.pi)
        sh, sw = max(4, h // 16), max(4, w // 16)
        yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
        ramp = (xx / sw - 0.5) * math.cos(ang) + (yy / sh - 0.5) * math.sin(ang)
        cx, cy = rng.uniform(0.2, 0.8) * sw, rng.uniform(0.2, 0.8) * sh
        spot = np.exp(-(((xx - cx) / sw) ** 2 + ((yy - cy) / sh) ** 2) * 3)
        fieldv = 1 - opts.lighting * (0.5 + ramp) * 0.8 + 0.12 * opts.lighting * spot
        big = cv2.resize(fieldv.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
        img = _u8(cv2.multiply(img, cv2.merge([big, big, big]), dtype=cv2.CV_8U))
        applied.append(f"lighting={opts.lighting:.2f}")
    if opts.low_light:
        x = np.arange(256, dtype=np.float32) / 255
        lut = 255 * x ** (1 + opts.low_light) * (1 - 0.5 * opts.low_light)
        luts = [lut, lut, lut * 0.93]  # a warm indoor cast
        chans = [
            cv2.LUT(img[:, :, k].copy(), np.clip(luts[k], 0, 255).astype(np.uint8))
            for k in range(3)
        ]
        img = np.dstack(chans)
        applied.append(f"low_light={opts.low_light:.2f}")
    if opts.blur_sigma:
        sigma = opts.blur_sigma * cap
        img = _u8(cv2.GaussianBlur(img, (0, 0), sigma))
        applied.append(f"blur={sigma:.2f}px")
    if opts.noise_sigma >= 0.5:
        cv2.setRNGSeed(int(nrng.integers(0, 2**31 - 1)))  # cv2.randn is much faster
        noise = np.empty(img.shape, dtype=np.int16)
        cv2.randn(noise.reshape(img.shape[0], -1), np.zeros(1), np.full(1, opts.noise_sigma))
        img = _u8(cv2.add(img, noise, dtype=cv2.CV_8U))
        applied.append(f"noise={opts.noise_sigma:.1f}")
    if opts.jpeg_quality is not None and opts.jpeg_quality < 60:
        applied.append(f"jpeg={opts.jpeg_quality}")

    boxes = {k: _bbox(_apply(hmat, v), w, h) for k, v in pts.items()}
    mrz_q = _apply(hmat, pts["mrz"])
    quad = [(round(float(x), 1), round(float(y), 1)) for x, y in mrz_q]
    lines = [_bbox(_apply(hmat, lp), w, h) for lp in line_pts]
    return Degraded(
        image=np.ascontiguousarray(img),
        boxes=boxes,
        mrz_quad=quad,
        mrz_line_boxes=lines,
        applied=applied,
        jpeg_quality=opts.jpeg_quality,
    )
