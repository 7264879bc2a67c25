"""Write static/favicon.ico: the same three steps as static/favicon.svg, as a 32x32 PNG inside
an ICO (for browsers and tools that ask for /favicon.ico). Standard library only.

    python tools/make_favicon.py
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

SIZE = 32
GREEN, WHITE = (0x2F, 0x6F, 0x62, 255), (255, 255, 255, 255)
CLEAR = (0, 0, 0, 0)


def pixel(x: int, y: int) -> tuple[int, int, int, int]:
    r = 7  # rounded corners, as rx="7" in the SVG
    for cx, cy in ((r, r), (SIZE - r - 1, r), (r, SIZE - r - 1), (SIZE - r - 1, SIZE - r - 1)):
        if (x < r or x > SIZE - r - 1) and (y < r or y > SIZE - r - 1) and (x - cx) ** 2 + (y - cy) ** 2 > r * r:
            if abs(x - cx) <= r and abs(y - cy) <= r:
                return CLEAR
    # the steps: path M6 25h6v-5h6v-5h6V9h2v18H6z
    if 6 <= x < 26 and y < 27 and ((x < 12 and y >= 25) or (12 <= x < 18 and y >= 20)
                                   or (18 <= x < 24 and y >= 15) or (x >= 24 and y >= 9)):
        return WHITE
    return GREEN


def png() -> bytes:
    raw = b"".join(b"\0" + b"".join(bytes(pixel(x, y)) for x in range(SIZE)) for y in range(SIZE))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def ico() -> bytes:
    image = png()
    header = struct.pack("<HHH", 0, 1, 1)
    entry = struct.pack("<BBBBHHII", SIZE, SIZE, 0, 0, 1, 32, len(image), 6 + 16)
    return header + entry + image


if __name__ == "__main__":
    out = Path(__file__).resolve().parent.parent / "static" / "favicon.ico"
    out.write_bytes(ico())
    print(f"wrote {out} ({out.stat().st_size} bytes)")
