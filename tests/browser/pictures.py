"""Pictures for browser tests: quiet, film-still-like images drawn with Pillow.

Browser tests and screenshots need real images (covers, figures) without fetching anything
from the internet, so we paint them: a gradient sky, a soft glow, stars and a horizon.
Deterministic for a given seed, so screenshots only change when the theme does.
"""

from __future__ import annotations

import functools
import io
import random

from PIL import Image, ImageChops, ImageDraw, ImageFilter

Palette = tuple[tuple[int, int, int], tuple[int, int, int], tuple[int, int, int]]

#: (top of the sky, bottom of the sky, glow)
PALETTES: dict[str, Palette] = {
    "rose": ((18, 14, 42), (92, 38, 78), (246, 150, 178)),
    "opera": ((40, 22, 12), (140, 82, 34), (255, 214, 140)),
    "sea": ((6, 30, 40), (20, 96, 104), (170, 236, 220)),
    "dusk": ((30, 24, 60), (196, 92, 70), (255, 200, 120)),
    "neon": ((10, 10, 24), (42, 30, 90), (120, 220, 255)),
}


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t), round(a[2] + (b[2] - a[2]) * t))


@functools.lru_cache(maxsize=32)
def still(seed: int, palette: str = "rose", size: tuple[int, int] = (1280, 720)) -> bytes:
    """A JPEG of ``size``: sky gradient, a blurred glow, stars and a dark skyline (cached per run)."""
    rng = random.Random(seed)
    top, bottom, glow = PALETTES[palette]
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        draw.line([(0, y), (width, y)], fill=_mix(top, bottom, (y / height) ** 1.6))

    light = Image.new("RGB", size, (0, 0, 0))
    light_draw = ImageDraw.Draw(light)
    cx, cy = rng.randint(width // 4, 3 * width // 4), rng.randint(height // 5, height // 2)
    radius = rng.randint(height // 6, height // 3)
    light_draw.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], fill=glow)
    light = light.filter(ImageFilter.GaussianBlur(radius * 0.6))
    image = ImageChops.screen(image, light)

    draw = ImageDraw.Draw(image)
    # A moon or a drifting wreck, lit from the glow's side.
    mr = rng.randint(height // 14, height // 8)
    mx = cx + rng.choice((-1, 1)) * rng.randint(radius, radius * 2)
    my = cy + rng.randint(-radius // 2, radius // 2)
    draw.ellipse([mx - mr, my - mr, mx + mr, my + mr], fill=_mix(glow, (255, 255, 255), 0.35))
    dx, dy = mr // 3, mr // 6
    draw.ellipse([mx - mr + dx, my - mr - dy, mx + mr + dx, my + mr - dy], fill=_mix(top, bottom, 0.3))
    for _ in range(width * height // 9000):
        x, y = rng.randrange(width), rng.randrange(int(height * 0.7))
        shade = rng.randint(150, 255)
        r = rng.choice((1, 1, 1, 2))
        draw.ellipse([x, y, x + r, y + r], fill=(shade, shade, min(255, shade + 20)))

    # A planet's limb or a ruined station: a dark silhouette along the bottom.
    shadow = _mix(top, (0, 0, 0), 0.55)
    points = [(0, height)]
    x = 0
    base = int(height * rng.uniform(0.72, 0.82))
    while x < width:
        step = rng.randint(width // 40, width // 12)
        points.append((x, base - rng.randint(0, height // 6)))
        x += step
        points.append((x, points[-1][1]))
    points += [(width, height)]
    draw.polygon(points, fill=shadow)
    draw.ellipse([-width // 2, int(height * 0.86), width * 3 // 2, height * 2], fill=_mix(shadow, (0, 0, 0), 0.4))

    out = io.BytesIO()
    image.save(out, "JPEG", quality=84, optimize=True, progressive=True)
    return out.getvalue()
