"""Extract the URIEL vectors ablate's typology analysis needs from a lang2vec 1.1.2 wheel.

    pip download lang2vec==1.1.2 --no-deps -d /tmp/l2v && unzip -q /tmp/l2v/*.whl -d /tmp/l2v/x
    python tools/extract_uriel.py /tmp/l2v/x/lang2vec/data ablate/studies/data/uriel.json

lang2vec itself is not a dependency: its PyPI release imports pkg_resources (setuptools < 81)
and has no distance function. Only the English pivot and the XTREME / XTREME-R languages are
kept; the card is data_cards/uriel.md.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

# Families: (file, feature prefix). The kNN-imputed sets (lang2vec's *_knn) have no missing
# values, so every language gets a vector; genetic = family membership, geographic = the
# distances to URIEL's fixed points on the globe.
FAMILIES = {
    "syntax": ("feature_predictions.npz", "S_"),
    "phonology": ("feature_predictions.npz", "P_"),
    "inventory": ("feature_predictions.npz", "INV_"),
    "genetic": ("family_features.npz", ""),
    "geographic": ("geocoord_features.npz", ""),
}
# Two-letter code -> the ISO 639-3 code whose URIEL entry describes the language of the XTREME
# test sets: the individual language for macrolanguages (cmn, arb, pes, swh, zsm), except
# Estonian, whose individual code (ekk) has no genetic entry in URIEL (est has all five).
ISO3 = {
    "af": "afr", "ar": "arb", "az": "azj", "bg": "bul", "bn": "ben", "de": "deu", "el": "ell", "en": "eng",
    "es": "spa", "et": "est", "eu": "eus", "fa": "pes", "fi": "fin", "fr": "fra", "gu": "guj", "he": "heb",
    "hi": "hin", "ht": "hat", "hu": "hun", "id": "ind", "it": "ita", "ja": "jpn", "jv": "jav", "ka": "kat",
    "kk": "kaz", "ko": "kor", "lt": "lit", "ml": "mal", "mr": "mar", "ms": "zsm", "my": "mya", "nl": "nld",
    "pa": "pan", "pl": "pol", "pt": "por", "qu": "quz", "ro": "ron", "ru": "rus", "sw": "swh", "ta": "tam",
    "te": "tel", "th": "tha", "tl": "tgl", "tr": "tur", "uk": "ukr", "ur": "urd", "vi": "vie", "wo": "wol",
    "yo": "yor", "zh": "cmn",
}


def main(src: Path, out: Path) -> None:
    result: dict = {"source": "lang2vec 1.1.2 (URIEL), CC BY-SA 4.0", "iso639_3": ISO3, "families": {}}
    for family, (filename, prefix) in FAMILIES.items():
        db = np.load(src / filename)
        langs = list(db["langs"])
        cols = [i for i, f in enumerate(db["feats"]) if f.startswith(prefix)]
        vectors = {}
        for code, iso in ISO3.items():
            if iso not in langs:
                raise SystemExit(f"{iso} ({code}) is not in {filename}")
            v = db["data"][langs.index(iso), cols, 0].astype(float)
            # genetic vectors are 0/1 over 3,718 families: store the member families only
            vectors[code] = [int(i) for i in np.flatnonzero(v)] if family == "genetic" else [round(x, 4) for x in v]
        result["families"][family] = {"features": len(cols), "sparse": family == "genetic", "vectors": vectors}
    out.write_text(json.dumps(result, separators=(",", ":")))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
