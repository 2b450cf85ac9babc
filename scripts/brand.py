"""Draw the integration's brand images into custom_components/smmpanel/brand/.

The mark is a chat bubble (social media) holding three rising bars (marketing
growth) on a violet-to-pink rounded square. The logo puts the mark beside the
"SMM Panel" wordmark. Each image is drawn large and scaled down, which smooths
the edges Pillow's shape drawing leaves jagged.

Usage: .venv/bin/python scripts/brand.py [--output DIR]
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
BRAND_DIR = ROOT / "custom_components" / "smmpanel" / "brand"

MASTER = 2048  # side of the square the mark is drawn on
ICON_SIZE = 256  # icon.png; icon@2x.png is twice this
LOGO_HEIGHT = 128  # logo.png; logo@2x.png is twice this
WORDMARK = "SMM Panel"

type RGB = tuple[int, int, int]


@dataclass(frozen=True, slots=True, kw_only=True)
class Palette:
    """The colours of one theme."""

    prefix: str  # file name prefix: "" for light backgrounds, "dark_" for dark ones
    gradient_start: RGB  # top left of the square
    gradient_end: RGB  # bottom right of the square
    bubble: RGB
    wordmark: RGB


LIGHT = Palette(
    prefix="",
    gradient_start=(0x6D, 0x28, 0xD9),
    gradient_end=(0xDB, 0x27, 0x77),
    bubble=(0xFF, 0xFF, 0xFF),
    wordmark=(0x1F, 0x29, 0x37),
)
DARK = Palette(
    prefix="dark_",
    gradient_start=(0x8B, 0x5C, 0xF6),
    gradient_end=(0xEC, 0x48, 0x99),
    bubble=(0xF5, 0xF3, 0xFF),
    wordmark=(0xF3, 0xF4, 0xF6),
)


def _px(fraction: float) -> int:
    """Return a fraction of the master side in pixels."""
    return round(fraction * MASTER)


def _box(left: float, top: float, right: float, bottom: float) -> tuple[int, ...]:
    """Return a box given in fractions of the master side, in pixels."""
    return (_px(left), _px(top), _px(right), _px(bottom))


def _diagonal_gradient(start: RGB, end: RGB) -> Image.Image:
    """Return a master-sized square shading from `start` (top left) to `end`."""
    down = Image.linear_gradient("L")  # 256 x 256, each row its own y
    ramp = Image.blend(down, down.transpose(Image.Transpose.TRANSPOSE), 0.5)
    ramp = ramp.resize((MASTER, MASTER), Image.Resampling.BICUBIC)
    return Image.composite(
        Image.new("RGB", (MASTER, MASTER), end),
        Image.new("RGB", (MASTER, MASTER), start),
        ramp,
    )


def draw_mark(palette: Palette) -> Image.Image:
    """Return the mark on a transparent master-sized square."""
    gradient = _diagonal_gradient(palette.gradient_start, palette.gradient_end)
    mark = Image.new("RGBA", (MASTER, MASTER), (0, 0, 0, 0))

    square = Image.new("L", (MASTER, MASTER), 0)
    ImageDraw.Draw(square).rounded_rectangle(
        (0, 0, MASTER - 1, MASTER - 1), radius=_px(0.22), fill=255
    )
    mark.paste(gradient, mask=square)

    bubble = ImageDraw.Draw(mark)
    bubble.rounded_rectangle(
        _box(0.17, 0.19, 0.83, 0.71), radius=_px(0.13), fill=palette.bubble
    )
    tail = ((0.27, 0.62), (0.25, 0.85), (0.47, 0.69))
    bubble.polygon([(_px(x), _px(y)) for x, y in tail], fill=palette.bubble)

    # Three rising bars cut out of the bubble, showing the gradient through it.
    bars = Image.new("L", (MASTER, MASTER), 0)
    bar_drawing = ImageDraw.Draw(bars)
    bar_width, baseline = 0.1, 0.59
    for left, height in ((0.305, 0.13), (0.45, 0.21), (0.595, 0.29)):
        bar_drawing.rounded_rectangle(
            _box(left, baseline - height, left + bar_width, baseline),
            radius=_px(0.03),
            fill=255,
        )
    mark.paste(gradient, mask=bars)
    return mark


def draw_logo(palette: Palette, mark: Image.Image) -> Image.Image:
    """Return the mark and the wordmark side by side, trimmed, mark-sized high."""
    font = ImageFont.load_default(size=_px(0.5))
    stroke = _px(0.012)  # the bundled font is a regular weight; embolden it
    left, top, right, bottom = map(round, font.getbbox(WORDMARK, stroke_width=stroke))
    gap = _px(0.2)
    logo = Image.new("RGBA", (MASTER + gap + (right - left), MASTER), (0, 0, 0, 0))
    logo.paste(mark, (0, 0))
    ImageDraw.Draw(logo).text(
        (MASTER + gap - left, (MASTER - (bottom - top)) // 2 - top),
        WORDMARK,
        font=font,
        fill=palette.wordmark,
        stroke_width=stroke,
        stroke_fill=palette.wordmark,
    )
    return logo.crop(logo.getbbox())


def _resized(image: Image.Image, height: int) -> Image.Image:
    width = round(image.width * height / image.height)
    return image.resize((width, height), Image.Resampling.LANCZOS)


def write_brand(output: Path) -> list[Path]:
    """Write every brand image into `output`; return the paths written."""
    output.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for palette in (LIGHT, DARK):
        mark = draw_mark(palette)
        logo = draw_logo(palette, mark)
        for name, image, height in (
            ("icon", mark, ICON_SIZE),
            ("logo", logo, LOGO_HEIGHT),
        ):
            for suffix, scale in (("", 1), ("@2x", 2)):
                path = output / f"{palette.prefix}{name}{suffix}.png"
                _resized(image, height * scale).save(path, optimize=True)
                written.append(path)
    return written


def main() -> None:
    """Draw the brand images."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=BRAND_DIR)
    for path in write_brand(parser.parse_args().output):
        with Image.open(path) as image:
            print(f"{path}: {image.width}x{image.height}")


if __name__ == "__main__":
    main()
