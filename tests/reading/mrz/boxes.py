"""Text-line boxes for the geometry tests: a quadrilateral as the text detector gives it."""

from __future__ import annotations

import numpy as np


def box(cx: float, cy: float, length: float, thick: float, angle_deg: float = 0.0) -> np.ndarray:
    """A line box centred at (cx, cy), ``length`` along the line turned ``angle_deg`` degrees
    (clockwise as seen: y runs down), ``thick`` across it; corners clockwise from top-left."""
    a = np.radians(angle_deg)
    u = np.array([np.cos(a), np.sin(a)])
    v = np.array([-u[1], u[0]])
    c = np.array([cx, cy])
    hu, hv = u * length / 2, v * thick / 2
    return np.array([c - hu - hv, c + hu - hv, c + hu + hv, c - hu + hv], dtype=np.float32)
