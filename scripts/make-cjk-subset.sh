#!/usr/bin/env bash
# Makes the CJK fallback font that tcptalk-gui embeds, so Chinese never shows as boxes even on
# a machine without a CJK font: Noto Sans CJK SC (OFL-1.1), cut down to the GB2312 character
# set plus CJK punctuation and full-width forms (~1.8 MB instead of 19 MB). Only the kern and
# liga layout features are kept: the vertical-writing and locale substitutions (another 1.6 MB)
# are of no use to egui's horizontal text.
#
# Needs Debian's fonts-noto-cjk (the source font) and fonttools (pyftsubset).
# Usage: scripts/make-cjk-subset.sh   (from anywhere; writes into crates/tcptalk-gui/assets/)
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
src="${NOTO_CJK_TTC:-/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc}"
# Face 2 of the collection is Simplified Chinese (0 JP, 1 KR, 2 SC, 3 TC, 4 HK).
face=2
out_dir="$here/crates/tcptalk-gui/assets"
out="$out_dir/NotoSansSC-GB2312-subset.otf"

command -v pyftsubset >/dev/null || { echo "pyftsubset not found: apt-get install fonttools" >&2; exit 1; }
[ -f "$src" ] || { echo "$src not found: apt-get install fonts-noto-cjk" >&2; exit 1; }

# fontTools belongs to the Python that runs pyftsubset, which may not be the first python3 on PATH.
py="$(head -n1 "$(command -v pyftsubset)" | sed 's/^#! *//')"
"$py" -c 'import fontTools' 2>/dev/null || py=python3

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Every character of GB2312: decode each valid two-byte code A1A1..F7FE, plus printable ASCII,
# CJK symbols and punctuation (U+3000-303F) and half/full-width forms (U+FF00-FFEF).
python3 - "$work/chars.txt" <<'PY'
import sys
chars = set(chr(c) for c in range(0x20, 0x7f))
for hi in range(0xA1, 0xF8):
    for lo in range(0xA1, 0xFF):
        try:
            chars.add(bytes([hi, lo]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
chars.update(chr(c) for c in range(0x3000, 0x3040))
chars.update(chr(c) for c in range(0xFF00, 0xFFF0))
chars.discard("\n")
with open(sys.argv[1], "w", encoding="utf-8") as f:
    f.write("".join(sorted(chars)))
print(f"{len(chars)} characters", file=sys.stderr)
PY

pyftsubset "$src" --font-number="$face" --text-file="$work/chars.txt" \
    --layout-features='kern,liga' --notdef-outline \
    --output-file="$out"

# The licence must travel with the font (OFL-1.1 §2): its copyright notice from the font's
# own name table, then the licence text from Debian's copy.
{
    echo "NotoSansSC-GB2312-subset.otf is a subset of Noto Sans CJK SC (face $face of"
    echo "NotoSansCJK-Regular.ttc), made by scripts/make-cjk-subset.sh. It is licensed under the"
    echo "SIL Open Font License 1.1, whose text follows."
    echo
    "$py" - "$src" "$face" <<'PY'
import sys
from fontTools.ttLib import TTFont
names = TTFont(sys.argv[1], fontNumber=int(sys.argv[2]))["name"]
for name_id in (0, 13, 14):
    rec = names.getName(name_id, 3, 1, 0x409) or names.getName(name_id, 1, 0, 0)
    if rec:
        print(rec.toUnicode())
        print()
PY
    awk '/^ ------------/ { on = 1 } on && /^License: / { exit } on' \
        /usr/share/doc/fonts-noto-cjk/copyright | sed 's/^ //; s/^\.$//'
} > "$out_dir/OFL.txt"

ls -l "$out" "$out_dir/OFL.txt"
