"""Drawn blackout images: a card (ratio ~1.586) with the middle digits and the CVV/face redacted.

Deterministic from the scan id (see traits). Bytes are cached in a bounded LRU.
"""

from __future__ import annotations

import io
import random
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from reviewdesk.sim.traits import Kind, ScanTraits, traits_of

CARD_RATIO = 1.586
#: The card spans this share of the full image's width (and height): the rest is background.
CARD_SHARE = 0.78
HUGE_SIZE = 20000
JPEG_QUALITY = 85

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@lru_cache(maxsize=32)
def _font(size: int) -> Font:
    return ImageFont.load_default(size=size)


def _lighter(color: tuple[int, int, int], amount: int) -> tuple[int, int, int]:
    r, g, b = (min(255, max(0, c + amount)) for c in color)
    return (r, g, b)


def _text_color(color: tuple[int, int, int]) -> tuple[int, int, int]:
    return (20, 20, 20) if sum(color) > 420 else (235, 235, 235)


def _draw_card(traits: ScanTraits, width: int) -> Image.Image:
    height = round(width / CARD_RATIO)
    card = Image.new("RGB", (width, height), traits.card_color)
    draw = ImageDraw.Draw(card)
    w, h = width, height
    ink = _text_color(traits.card_color)
    # A lighter diagonal band, the bank name, the chip.
    draw.polygon(
        [(w * 0.45, 0), (w * 0.75, 0), (w * 0.35, h), (w * 0.05, h)], fill=_lighter(traits.card_color, 18)
    )
    draw.text((w * 0.07, h * 0.08), "SIM BANK", font=_font(round(h * 0.09)), fill=ink)
    chip = (w * 0.09, h * 0.32, w * 0.22, h * 0.50)
    draw.rounded_rectangle(chip, radius=round(h * 0.025), fill=(212, 175, 85), outline=(150, 120, 50))
    draw.line([(chip[0], h * 0.41), (chip[2], h * 0.41)], fill=(150, 120, 50), width=max(1, w // 400))
    # The redaction box where a CVV (some cards print it on the front) or a face would be.
    draw.rectangle((w * 0.68, h * 0.08, w * 0.92, h * 0.40), fill=(0, 0, 0))
    # Card number with the middle digits blacked out.
    number_font = _font(round(w * 0.068))
    digits = traits.facts.number[:12] + traits.drawn_last4
    groups = " ".join(digits[i : i + 4] for i in range(0, 16, 4))
    x0, y0 = w * 0.07, h * 0.56
    draw.text((x0, y0), groups, font=number_font, fill=ink)
    start = x0 + draw.textlength(groups[:7], font=number_font)  # after "dddd dd"
    end = x0 + draw.textlength(groups[:14], font=number_font)  # through "dddd dddd dddd"
    top, bottom = draw.textbbox((x0, y0), groups, font=number_font)[1::2]
    pad = h * 0.015
    draw.rectangle((start - pad, top - pad, end + pad, bottom + pad), fill=(0, 0, 0))
    small = _font(round(h * 0.06))
    draw.text((w * 0.45, h * 0.73), f"VALID THRU {traits.facts.expiry}", font=small, fill=ink)
    draw.text((w * 0.07, h * 0.84), traits.facts.cardholder.upper(), font=_font(round(h * 0.075)), fill=ink)
    if traits.facts.network == "visa":
        draw.text((w * 0.76, h * 0.82), "VISA", font=_font(round(h * 0.11)), fill=ink)
    else:
        r = h * 0.07
        cx, cy = w * 0.83, h * 0.87
        draw.ellipse((cx - 2 * r, cy - r, cx, cy + r), fill=(235, 0, 27))
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(247, 158, 27))
    return card


def _full_image(traits: ScanTraits) -> Image.Image:
    width = traits.width
    height = round(width / CARD_RATIO)
    image = Image.new("RGB", (width, height), traits.background)
    draw = ImageDraw.Draw(image)
    rnd = random.Random(traits.seed)
    for _ in range(6):  # a little texture on the table
        x, y, r = rnd.uniform(0, width), rnd.uniform(0, height), rnd.uniform(0.05, 0.3) * width
        draw.ellipse((x - r, y - r, x + r, y + r), fill=_lighter(traits.background, rnd.randint(-15, 15)))
    card_w = round(width * CARD_SHARE)
    card = _draw_card(traits, card_w)
    left = round((width - card_w) / 2 + rnd.uniform(-0.04, 0.04) * width)
    top = round((height - card.height) / 2 + rnd.uniform(-0.04, 0.04) * height)
    shadow = max(2, width // 150)
    radius = round(card.height * 0.05)
    draw.rounded_rectangle(
        (left + shadow, top + shadow, left + card_w + shadow, top + card.height + shadow),
        radius=radius,
        fill=_lighter(traits.background, -40),
    )
    mask = Image.new("L", card.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, card.width - 1, card.height - 1), radius=radius, fill=255)
    image.paste(card, (left, top), mask)
    return image


def _encode(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=JPEG_QUALITY)
    return out.getvalue()


def _corrupt_jpeg(traits: ScanTraits) -> bytes:
    """SOI, then garbage without any 0xFF byte: no marker follows, so every decoder gives up."""
    garbage = random.Random(traits.seed).randbytes(4096).replace(b"\xff", b"\x00")
    return b"\xff\xd8" + garbage


def _huge_jpeg(traits: ScanTraits) -> bytes:
    """A small valid JPEG whose SOF0 header claims HUGE_SIZE x HUGE_SIZE pixels."""
    data = bytearray(_encode(_draw_card(traits, 64)))
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if marker == 0xC0:  # FF C0 LL LL P HH HH WW WW
            data[pos + 5 : pos + 9] = HUGE_SIZE.to_bytes(2, "big") + HUGE_SIZE.to_bytes(2, "big")
            return bytes(data)
        pos += 2 + length
    raise RuntimeError("the encoder wrote no SOF0 segment")


@lru_cache(maxsize=64)
def image_bytes(scan_id: str, tight: bool) -> bytes:
    """The JPEG served for `scan_id`; only-tight-crop scans give the tight crop whatever `tight`."""
    traits = traits_of(scan_id)
    if traits.kind is Kind.CORRUPT:
        return _corrupt_jpeg(traits)
    if traits.kind is Kind.HUGE:
        return _huge_jpeg(traits)
    if tight or traits.only_tight:
        image = _draw_card(traits, round(traits.width * CARD_SHARE))
    else:
        image = _full_image(traits)
    if traits.blurred:
        image = image.filter(ImageFilter.GaussianBlur(radius=2 + traits.seed % 3))
    return _encode(image)
