"""Language inventories of the XTREME tasks and the codes other tools use for them.

One place for every language list, so tasks, fixtures, MT and reports cannot disagree.
Two-letter codes (ISO 639-1, as XTREME writes them) are ablate's canonical language ids.
"""

from __future__ import annotations

XNLI = ("ar", "bg", "de", "el", "en", "es", "fr", "hi", "ru", "sw", "th", "tr", "ur", "vi", "zh")
PAWSX = ("de", "en", "es", "fr", "ja", "ko", "zh")
UDPOS = (
    "af", "ar", "bg", "de", "el", "en", "es", "et", "eu", "fa", "fi", "fr", "he", "hi", "hu", "id",
    "it", "ja", "kk", "ko", "mr", "nl", "pt", "ru", "ta", "te", "th", "tl", "tr", "ur", "vi", "yo",
    "zh",
)
PANX = (
    "af", "ar", "bg", "bn", "de", "el", "en", "es", "et", "eu", "fa", "fi", "fr", "he", "hi", "hu",
    "id", "it", "ja", "jv", "ka", "kk", "ko", "ml", "mr", "ms", "my", "nl", "pt", "ru", "sw", "ta",
    "te", "th", "tl", "tr", "ur", "vi", "yo", "zh",
)
XQUAD = ("ar", "de", "el", "en", "es", "hi", "ru", "th", "tr", "vi", "zh")
MLQA = ("ar", "de", "en", "es", "hi", "vi", "zh")
TYDIQA = ("ar", "bn", "en", "fi", "id", "ko", "ru", "sw", "te")
BUCC = ("de", "fr", "ru", "zh")
# XTREME's evaluate.py order; English is the pivot, so it is not a Tatoeba language.
TATOEBA = (
    "ar", "he", "vi", "id", "jv", "tl", "eu", "ml", "ta", "te", "af", "nl", "de", "el", "bn", "hi",
    "mr", "ur", "fa", "fr", "it", "pt", "es", "bg", "ru", "ja", "ka", "ko", "th", "sw", "zh", "kk",
    "tr", "et", "fi", "hu",
)

# google/xtreme names its UD-POS configs by English language name (`udpos.German`).
UDPOS_NAMES = {
    "af": "Afrikaans", "ar": "Arabic", "bg": "Bulgarian", "de": "German", "el": "Greek",
    "en": "English", "es": "Spanish", "et": "Estonian", "eu": "Basque", "fa": "Persian",
    "fi": "Finnish", "fr": "French", "he": "Hebrew", "hi": "Hindi", "hu": "Hungarian",
    "id": "Indonesian", "it": "Italian", "ja": "Japanese", "kk": "Kazakh", "ko": "Korean",
    "mr": "Marathi", "nl": "Dutch", "pt": "Portuguese", "ru": "Russian", "ta": "Tamil",
    "te": "Telugu", "th": "Thai", "tl": "Tagalog", "tr": "Turkish", "ur": "Urdu",
    "vi": "Vietnamese", "yo": "Yoruba", "zh": "Chinese",
}
# UD treebanks in XTREME without a train or dev portion (data_cards/udpos.md).
UDPOS_TEST_ONLY = ("tl", "th", "yo")
UDPOS_NO_DEV = ("kk",)

# google/xtreme's Tatoeba configs use ISO 639-3 codes (`tatoeba.deu`).
TATOEBA_CODES = {
    "af": "afr", "ar": "ara", "bn": "ben", "bg": "bul", "zh": "cmn", "de": "deu", "el": "ell",
    "et": "est", "eu": "eus", "fi": "fin", "fr": "fra", "he": "heb", "hi": "hin", "hu": "hun",
    "id": "ind", "it": "ita", "jv": "jav", "ja": "jpn", "ka": "kat", "kk": "kaz", "ko": "kor",
    "ml": "mal", "mr": "mar", "nl": "nld", "fa": "pes", "pt": "por", "ru": "rus", "es": "spa",
    "sw": "swh", "ta": "tam", "te": "tel", "tl": "tgl", "th": "tha", "tr": "tur", "ur": "urd",
    "vi": "vie",
}

# TyDiQA-GoldP ids start with the language's English name ("finnish-123…").
TYDIQA_PREFIXES = {
    "arabic": "ar", "bengali": "bn", "english": "en", "finnish": "fi", "indonesian": "id",
    "korean": "ko", "russian": "ru", "swahili": "sw", "telugu": "te",
}

# FLORES-200 codes used by NLLB for the 39 non-English XTREME languages (NLLB's model card).
NLLB_CODES = {
    "af": "afr_Latn", "ar": "arb_Arab", "bg": "bul_Cyrl", "bn": "ben_Beng", "de": "deu_Latn",
    "el": "ell_Grek", "es": "spa_Latn", "et": "est_Latn", "eu": "eus_Latn", "fa": "pes_Arab",
    "fi": "fin_Latn", "fr": "fra_Latn", "he": "heb_Hebr", "hi": "hin_Deva", "hu": "hun_Latn",
    "id": "ind_Latn", "it": "ita_Latn", "ja": "jpn_Jpan", "jv": "jav_Latn", "ka": "kat_Geor",
    "kk": "kaz_Cyrl", "ko": "kor_Hang", "ml": "mal_Mlym", "mr": "mar_Deva", "ms": "zsm_Latn",
    "my": "mya_Mymr", "nl": "nld_Latn", "pt": "por_Latn", "ru": "rus_Cyrl", "sw": "swh_Latn",
    "ta": "tam_Taml", "te": "tel_Telu", "th": "tha_Thai", "tl": "tgl_Latn", "tr": "tur_Latn",
    "ur": "urd_Arab", "vi": "vie_Latn", "yo": "yor_Latn", "zh": "zho_Hans",
}

# FLORES+ configs (openlanguagedata/flores_plus): the FLORES-200 codes above, except where FLORES+
# renamed a language -- Mandarin, Estonian, Filipino (the renames are unverified: see its card).
FLORES_PLUS_CODES = {"en": "eng_Latn", **NLLB_CODES, "zh": "cmn_Hans", "et": "ekk_Latn", "tl": "fil_Latn"}

# XTREME-R (google-research/xtreme evaluate.py `XTREME_R_TASK2LANGS`): XTREME's sets plus these
# languages (the task keeps its XTREME set; the `_xr` target carries the extended one), and the
# three new tasks. LAReQA has no per-language list in evaluate.py (its pool mixes all languages);
# its question/answer languages are XQuAD-R's eleven.
UDPOS_R = UDPOS + ("lt", "pl", "uk", "wo", "ro")
PANX_R = PANX + ("qu", "pl", "uk", "az", "lt", "pa", "gu", "ro")
TATOEBA_R = TATOEBA + ("az", "lt", "pl", "uk", "ro")
XQUAD_R = XQUAD + ("ro",)
XCOPA = ("et", "ht", "id", "it", "qu", "sw", "ta", "th", "tr", "vi", "zh")
MEWSLIX = ("ar", "de", "en", "es", "fa", "ja", "pl", "ro", "ta", "tr", "uk")
LAREQA = ("ar", "de", "el", "en", "es", "hi", "ru", "th", "tr", "vi", "zh")
# UD treebanks of the XTREME-R additions (UD v2.7 folder names `UD_<Name>-<treebank>`).
UDPOS_NAMES_R = {"lt": "Lithuanian", "pl": "Polish", "uk": "Ukrainian", "wo": "Wolof", "ro": "Romanian"}
# Tatoeba codes of the XTREME-R additions (XTREME-R's evaluate_retrieval.py lang3_dict).
TATOEBA_CODES_R = {"az": "aze", "lt": "lit", "pl": "pol", "uk": "ukr", "ro": "ron"}

ALL_XTREME = tuple(sorted(set(XNLI + PAWSX + UDPOS + PANX + XQUAD + MLQA + TYDIQA + BUCC + TATOEBA)))
NON_ENGLISH = tuple(lang for lang in ALL_XTREME if lang != "en")

NAMES = {
    "af": "Afrikaans", "ar": "Arabic", "bg": "Bulgarian", "bn": "Bengali", "de": "German",
    "el": "Greek", "en": "English", "es": "Spanish", "et": "Estonian", "eu": "Basque",
    "fa": "Persian", "fi": "Finnish", "fr": "French", "he": "Hebrew", "hi": "Hindi",
    "hu": "Hungarian", "id": "Indonesian", "it": "Italian", "ja": "Japanese", "jv": "Javanese",
    "ka": "Georgian", "kk": "Kazakh", "ko": "Korean", "ml": "Malayalam", "mr": "Marathi",
    "ms": "Malay", "my": "Burmese", "nl": "Dutch", "pt": "Portuguese", "ru": "Russian",
    "sw": "Swahili", "ta": "Tamil", "te": "Telugu", "th": "Thai", "tl": "Tagalog",
    "tr": "Turkish", "ur": "Urdu", "vi": "Vietnamese", "yo": "Yoruba", "zh": "Chinese",
    # XTREME-R additions
    "az": "Azerbaijani", "gu": "Gujarati", "ht": "Haitian Creole", "lt": "Lithuanian", "pa": "Punjabi",
    "pl": "Polish", "qu": "Quechua", "ro": "Romanian", "uk": "Ukrainian", "wo": "Wolof",
}
