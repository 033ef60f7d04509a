#!/usr/bin/env python3
"""Makes assets/fonts/NotoSansCJKhk-Regular.subset.otf, the font receipts and
statements are drawn with as PDF (src/records/pdf): Noto Sans CJK HK Regular (SIL Open
Font License 1.1, see OFL.txt beside it) cut down to Latin, punctuation and the
common Chinese characters: Big5's frequent level (5,401, Traditional) and GB 2312's
level 1 (3,755, Simplified), plus every character of the message catalogs and the
demo catalog. A plan name with a rarer character shows that character as a box.

Needs fontTools (Debian: python3-fonttools) and Debian's fonts-noto-cjk:

    /usr/bin/python3 scripts/fonts/subset_cjk.py
"""

import glob
import os
import subprocess
import sys
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SOURCE = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
FACE = 4  # Noto Sans CJK HK in Debian's collection
OUT = os.path.join(ROOT, "assets", "fonts", "NotoSansCJKhk-Regular.subset.otf")

RANGES = [
    (0x20, 0x7E), (0xA0, 0xFF), (0x2010, 0x205E), (0x20A0, 0x20BF), (0x2100, 0x2122),
    (0x2190, 0x2193), (0x2212, 0x2212), (0x3000, 0x303F), (0xFF01, 0xFF5E), (0xFFE0, 0xFFE6),
]


def double_byte(codec, leads, trails):
    found = set()
    for lead in leads:
        for trail in trails:
            try:
                found.add(bytes([lead, trail]).decode(codec))
            except UnicodeDecodeError:
                pass
    return {c for c in found if "\u4e00" <= c <= "\u9fff"}


def characters():
    chars = set()
    for low, high in RANGES:
        chars.update(chr(c) for c in range(low, high + 1))
    chars |= double_byte("big5", range(0xA4, 0xC7), list(range(0x40, 0x7F)) + list(range(0xA1, 0xFF)))
    chars |= double_byte("gb2312", range(0xB0, 0xD8), range(0xA1, 0xFF))
    texts = glob.glob(os.path.join(ROOT, "src", "i18n", "*.toml"))
    texts.append(os.path.join(ROOT, "src", "catalog", "demo.toml"))
    for path in texts:
        with open(path, encoding="utf-8") as file:
            chars.update(c for c in file.read() if ord(c) >= 0x2E80)
    return "".join(sorted(chars))


def main():
    with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8", delete=False) as text:
        text.write(characters())
    subprocess.run(
        [sys.executable, "-m", "fontTools.subset", SOURCE, f"--font-number={FACE}",
         f"--text-file={text.name}", f"--output-file={OUT}", "--layout-features=kern,palt,halt",
         "--no-hinting", "--name-IDs=*", "--notdef-outline"],
        check=True,
    )
    os.unlink(text.name)
    print(OUT, os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
