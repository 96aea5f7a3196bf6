"""Latin and Cyrillic letters that look alike, for reading what a person typed on a phone.

A reply typed with both keyboards mixes the scripts: `CTOП` (Latin C, T, O), `Иə` (Latin small schwa, the
Kazakh Latin alphabet's letter, for Cyrillic ә), `НEТ` (Latin E). Each is one word to its reader, so each is
read as the word it looks like. The tables are the upper-case pairs of Unicode's confusables data
(UTS #39, confusables.txt) that matter for Russian and Kazakh replies: only letters, only these two scripts.
"""

from __future__ import annotations

# Latin (and the Latin schwa) -> the Cyrillic letter it looks like, upper case.
_TO_CYRILLIC = str.maketrans(
    {
        "A": "А",
        "B": "В",
        "C": "С",
        "E": "Е",
        "H": "Н",
        "I": "І",
        "K": "К",
        "M": "М",
        "O": "О",
        "P": "Р",
        "T": "Т",
        "X": "Х",
        "Y": "У",
        "Ə": "Ә",
        "Ǝ": "Ә",
    }
)
# Cyrillic -> the Latin letter it looks like, upper case.
_TO_LATIN = str.maketrans(
    {
        "А": "A",
        "В": "B",
        "С": "C",
        "Е": "E",
        "Н": "H",
        "І": "I",
        "К": "K",
        "М": "M",
        "О": "O",
        "Р": "P",
        "Т": "T",
        "Х": "X",
        "У": "Y",
        "Ү": "Y",
        "Ѕ": "S",
        "Ј": "J",
    }
)


def readings(word: str) -> tuple[str, ...]:
    """The ways an upper-case word can be read: as typed, with its look-alikes as Cyrillic, as Latin (in that
    order, without repeats). `CTOП` -> (`CTOП`, `СТОП`, `CTOП`→Latin...); match each against a vocabulary."""
    out: list[str] = []
    for candidate in (word, word.translate(_TO_CYRILLIC), word.translate(_TO_LATIN)):
        if candidate not in out:
            out.append(candidate)
    return tuple(out)
