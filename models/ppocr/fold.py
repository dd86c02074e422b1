"""PP-OCRv4's detector and recogniser with their elementwise chains folded: the models the MRZ
reader runs.

    .venv/bin/pip install -e '.[train]'          # onnx, for the graph tools
    .venv/bin/python models/ppocr/fold.py

The ``rapidocr-onnxruntime`` wheel ships PP-OCRv4's detector and recogniser as Paddle2ONNX
exported them. Their backbone (PP-LCNetV3) ends every convolution in a "learnable affine block"
(``y = s x + b``, two scalars), a hard-swish written out as five operators
(``x * clip(x + 3, 0, 6) / 6``) and another affine block: eight passes over the feature map
after each convolution, which onnxruntime does not fuse (about 35 % of either model's CPU time).

This recipe rewrites both graphs; in exact arithmetic the outputs are unchanged:

* a convolution followed by an affine block: the block goes into the convolution's weights and
  bias (``s W``, ``s B + b``);
* the written-out hard-swish becomes ``x * HardSigmoid(x)`` (alpha 1/6, beta 1/2, the same
  function), two passes;
* an affine block after it whose every consumer is a convolution without padding (the 1x1
  pointwise convolutions) goes into those convolutions (``s W``, ``B + b * sum(W)``); before a
  padded convolution (the depthwise ones) only its scale does (``conv(W, s x + b) =
  conv(s W, x + b / s)``: padding is zero, not ``b``), and its shift stays, one pass.

It writes ``ppocr_det.onnx`` and ``ppocr_rec.onnx`` into ``docproc/reading/assets/ppocr/`` and
beside each a ``.json``: the source model's name and SHA-256, what was folded, and how far the
outputs moved on real-looking input (rendered MRZ lines and pages from ``docproc.synth``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from docproc.reading.ocr.onnx import cpu_session  # noqa: E402
from docproc.reading.ocr.ppocr import wheel_models_dir  # noqa: E402

OUT = ROOT / "docproc" / "reading" / "assets" / "ppocr"
SOURCES = {"det": "ch_PP-OCRv4_det_infer.onnx", "rec": "ch_PP-OCRv4_rec_infer.onnx"}


class Graph:
    """The nodes of an ONNX graph with its constants as numpy arrays, edited in place."""

    def __init__(self, model: Any) -> None:
        from onnx import numpy_helper

        self.model = model
        g = model.graph
        self.consts: dict[str, np.ndarray] = {
            i.name: numpy_helper.to_array(i) for i in g.initializer
        }
        self.nodes: list[Any] = []
        for n in g.node:
            if n.op_type == "Constant" and [a.name for a in n.attribute] == ["value"]:
                self.consts[n.output[0]] = numpy_helper.to_array(n.attribute[0].t)
            else:
                self.nodes.append(n)
        self.outputs = {o.name for o in g.output}
        self.folded: dict[str, int] = defaultdict(int)

    def consumers(self) -> dict[str, list[Any]]:
        found: dict[str, list[Any]] = defaultdict(list)
        for n in self.nodes:
            for i in n.input:
                found[i].append(n)
        return found

    def scalar(self, name: str) -> float | None:
        a = self.consts.get(name)
        return float(a.ravel()[0]) if a is not None and a.size == 1 else None

    def with_scalar(self, node: Any, op: str) -> tuple[str, float] | None:
        """(the tensor input, the scalar) of a binary ``op`` node with one scalar constant."""
        if node.op_type != op or len(node.input) != 2:
            return None
        a, b = node.input
        if self.scalar(b) is not None and a not in self.consts:
            return a, self.scalar(b)  # type: ignore[return-value]
        if self.scalar(a) is not None and b not in self.consts:
            return b, self.scalar(a)  # type: ignore[return-value]
        return None

    def only_consumer(self, name: str, consumers: dict[str, list[Any]]) -> Any | None:
        if name in self.outputs or len(consumers[name]) != 1:
            return None
        return consumers[name][0]

    def add_const(self, hint: str, value: np.ndarray) -> str:
        name = hint
        while name in self.consts:
            name += "_"
        self.consts[name] = value.astype(np.float32)
        return name

    def rename_input(self, old: str, new: str) -> None:
        for n in self.nodes:
            for k, i in enumerate(n.input):
                if i == old:
                    n.input[k] = new

    def conv_params(self, conv: Any) -> tuple[np.ndarray, np.ndarray]:
        w = self.consts[conv.input[1]].astype(np.float64)
        b = (
            self.consts[conv.input[2]].astype(np.float64)
            if len(conv.input) > 2
            else np.zeros(w.shape[0])
        )
        return w, b

    def set_conv_params(self, conv: Any, w: np.ndarray, b: np.ndarray) -> None:
        wname = self.add_const(conv.input[1] + "_folded", w)
        bname = self.add_const(conv.output[0] + "_bias_folded", b)
        del conv.input[1:]
        conv.input.extend([wname, bname])

    def save(self, path: Path) -> None:
        import onnx
        from onnx import numpy_helper

        g = self.model.graph
        used = {i for n in self.nodes for i in n.input}
        del g.node[:]
        g.node.extend(self.nodes)
        del g.initializer[:]
        g.initializer.extend(
            numpy_helper.from_array(v, k) for k, v in sorted(self.consts.items()) if k in used
        )
        onnx.checker.check_model(self.model)
        path.parent.mkdir(parents=True, exist_ok=True)
        onnx.save(self.model, str(path))


def _padless(conv: Any) -> bool:
    from onnx import helper

    attrs = {a.name: helper.get_attribute_value(a) for a in conv.attribute}
    return attrs.get("auto_pad", b"NOTSET") in (b"NOTSET", "NOTSET") and not any(
        attrs.get("pads", [0])
    )


def fold_conv_affine(g: Graph) -> None:
    """Conv -> Mul(s) -> Add(b): the affine block into the convolution's weights and bias."""
    consumers = g.consumers()
    dead: set[int] = set()
    for conv in g.nodes:
        if conv.op_type != "Conv" or len(conv.input) < 2 or conv.input[1] not in g.consts:
            continue
        mul = g.only_consumer(conv.output[0], consumers)
        if mul is None or (m := g.with_scalar(mul, "Mul")) is None:
            continue
        add = g.only_consumer(mul.output[0], consumers)
        if add is None or (a := g.with_scalar(add, "Add")) is None:
            continue
        s, b = m[1], a[1]
        w, bias = g.conv_params(conv)
        g.set_conv_params(conv, w * s, bias * s + b)
        g.rename_input(add.output[0], conv.output[0])
        if add.output[0] in g.outputs:  # pragma: no cover - not in these models
            raise ValueError("an affine block is a graph output")
        dead.update((id(mul), id(add)))
        g.folded["conv_affine"] += 1
    g.nodes = [n for n in g.nodes if id(n) not in dead]


def fold_hardswish(g: Graph) -> None:
    """x * clip(x + 3, 0, 6) / 6 -> x * HardSigmoid(x); then a following affine block into the
    consumers when every one is a convolution without padding."""
    from onnx import helper

    consumers = g.consumers()
    dead: set[int] = set()
    new: dict[int, list[Any]] = {}
    for add3 in g.nodes:
        a = g.with_scalar(add3, "Add")
        if a is None or a[1] != 3.0:
            continue
        x = a[0]
        clip = g.only_consumer(add3.output[0], consumers)
        if clip is None or clip.op_type != "Clip" or len(clip.input) != 3:
            continue
        if (g.scalar(clip.input[1]), g.scalar(clip.input[2])) != (0.0, 6.0):
            continue
        mul = g.only_consumer(clip.output[0], consumers)
        if mul is None or mul.op_type != "Mul" or sorted(mul.input) != sorted([x, clip.output[0]]):
            continue
        div = g.only_consumer(mul.output[0], consumers)
        if div is None or (d := g.with_scalar(div, "Div")) is None or d[1] != 6.0:
            continue
        out = div.output[0]
        gate = out + "_gate"
        replacement = [
            helper.make_node("HardSigmoid", [x], [gate], alpha=1.0 / 6.0, beta=0.5),
            helper.make_node("Mul", [x, gate], [out]),
        ]
        g.folded["hardswish"] += 1
        # an affine block after it, into every consumer if all are padless convolutions
        smul = g.only_consumer(out, consumers)
        sm = g.with_scalar(smul, "Mul") if smul is not None else None
        badd = g.only_consumer(smul.output[0], consumers) if sm is not None else None
        ba = g.with_scalar(badd, "Add") if badd is not None else None
        if sm is not None and ba is not None:
            after = consumers[badd.output[0]]
            convs = badd.output[0] not in g.outputs and all(
                c.op_type == "Conv"
                and c.input[0] == badd.output[0]
                and len(c.input) >= 2
                and c.input[1] in g.consts
                for c in after
            )
            s, b = sm[1], ba[1]
            if convs and after and all(_padless(c) for c in after):
                for conv in after:
                    w, bias = g.conv_params(conv)
                    g.set_conv_params(conv, w * s, bias + b * w.sum(axis=(1, 2, 3)))
                    conv.input[0] = out
                dead.update((id(smul), id(badd)))
                g.folded["affine_into_next_conv"] += len(after)
            elif convs and after and s != 0.0:
                # a padded convolution pads with zeros, not b: only the scale goes into its
                # weights, conv(W, s x + b) = conv(s W, x + b / s); the shift stays, one pass
                for conv in after:
                    w, bias = g.conv_params(conv)
                    g.set_conv_params(conv, w * s, bias)
                shift = g.add_const(badd.output[0] + "_shift", np.array(b / s))
                del badd.input[:]
                badd.input.extend([out, shift])
                dead.add(id(smul))
                g.folded["scale_into_next_conv"] += len(after)
        dead.update((id(clip), id(mul), id(div)))
        new[id(add3)] = replacement
    nodes: list[Any] = []
    for n in g.nodes:
        if id(n) in new:
            nodes.extend(new[id(n)])
        elif id(n) not in dead:
            nodes.append(n)
    g.nodes = nodes


def fold(source: Path, target: Path) -> dict[str, Any]:
    import onnx

    g = Graph(onnx.load(str(source)))
    before = len(g.nodes)
    fold_conv_affine(g)
    fold_hardswish(g)
    g.save(target)
    return {
        "source": source.name,
        "source_sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
        "nodes": {"before": before, "after": len(g.nodes)},
        "folded": dict(g.folded),
    }


def _run(session: Any, batch: np.ndarray) -> np.ndarray:
    return np.asarray(session.run(None, {session.get_inputs()[0].name: batch})[0])


def compare(folded: Path, docs: int, seed: int) -> dict[str, dict[str, Any]]:
    """Both models of each kind on the pages of ``docs`` generated documents and the text lines
    the source detector finds on them: how far the outputs move, how often a frame's best
    class changes."""
    import tempfile

    import cv2
    from rapidocr_onnxruntime.ch_ppocr_det.utils import DBPostProcess

    from docproc.reading.ocr.ppocr import warp_quad
    from docproc.synth import generate

    src = {k: cpu_session(wheel_models_dir() / n) for k, n in SOURCES.items()}
    new = {k: cpu_session(folded / f"ppocr_{k}.onnx") for k in SOURCES}
    post = DBPostProcess(thresh=0.3, box_thresh=0.5, max_candidates=1000, unclip_ratio=1.6)
    det_diff, rec_diff, frames, changed, lines = 0.0, 0.0, 0, 0, 0
    with tempfile.TemporaryDirectory() as tmp:
        generate(docs, seed, Path(tmp), degraded=True)
        pages = sorted(p for p in Path(tmp).rglob("*") if p.suffix in (".png", ".jpg"))
        for page in pages:
            image = cv2.imread(str(page), cv2.IMREAD_COLOR)
            h, w = image.shape[:2]
            scale = min(1.0, 960 / max(h, w))
            size = (max(32, round(w * scale / 32) * 32), max(32, round(h * scale / 32) * 32))
            blob = cv2.resize(image, size, interpolation=cv2.INTER_AREA) / 127.5 - 1.0
            blob = blob.astype(np.float32).transpose(2, 0, 1)[np.newaxis]
            maps = _run(src["det"], blob), _run(new["det"], blob)
            det_diff = max(det_diff, float(np.abs(maps[0] - maps[1]).max()))
            boxes, _ = post(maps[0][:, :1], (h, w))
            for quad in boxes[:12]:
                crop = warp_quad(image, np.asarray(quad, np.float32), 48)
                line = (crop.astype(np.float32) / 127.5 - 1.0).transpose(2, 0, 1)[np.newaxis]
                probs = _run(src["rec"], line)[0], _run(new["rec"], line)[0]
                rec_diff = max(rec_diff, float(np.abs(probs[0] - probs[1]).max()))
                frames += len(probs[0])
                changed += int((probs[0].argmax(1) != probs[1].argmax(1)).sum())
                lines += 1
    return {
        "det": {"pages": len(pages), "max_abs_diff": det_diff},
        "rec": {
            "lines": lines,
            "frames": frames,
            "best_class_changed": changed,
            "max_abs_diff": rec_diff,
        },
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--docs", type=int, default=12, help="generated documents to compare on")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    metas = {}
    for kind, name in SOURCES.items():
        metas[kind] = fold(wheel_models_dir() / name, args.out / f"ppocr_{kind}.onnx")
    figures = compare(args.out, args.docs, args.seed)
    for kind, meta in metas.items():
        meta["command"] = f"python models/ppocr/fold.py --docs {args.docs} --seed {args.seed}"
        meta["compared_with_source"] = figures[kind]
        (args.out / f"ppocr_{kind}.json").write_text(json.dumps(meta, indent=2) + "\n")
        print(kind, json.dumps(meta))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
