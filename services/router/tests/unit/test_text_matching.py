"""Turkish-aware matching of keyword stems: casing, diacritics, suffixes, softening and typos."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from router.domain.text_matching import StemIndex, keyword_stems, tokenize, within_one_edit


def stems_hit(index: StemIndex, stems: list[str], token: str) -> set[str]:
    return {stems[hit.stem] for hit in index.hits(token)}


def test_tokenize_folds_turkish_casing_and_diacritics() -> None:
    assert tokenize("İSTANBUL'DAN ŞİKÂYET, KIRIKKALE") == ["istanbul", "dan", "sikayet", "kirikkale"]
    assert tokenize("Belediye'den ılık su") == ["belediye", "den", "ilik", "su"]


def test_keyword_stems_keep_the_exact_mark() -> None:
    assert keyword_stems("=Koyun sürüsü") == ["=koyun", "surusu"]


@pytest.mark.parametrize(
    ("a", "b", "close"),
    [
        ("kopek", "kopek", True),
        ("kopek", "kopke", True),  # swap
        ("doktor", "dokotr", True),
        ("hastane", "hastanne", True),  # extra letter
        ("hastane", "hastne", True),  # missing letter
        ("hastane", "hastafe", True),  # changed letter
        ("hastane", "hstnae", False),
        ("okul", "okulumuz", False),
    ],
)
def test_within_one_edit(a: str, b: str, close: bool) -> None:
    assert within_one_edit(a, b) is close
    assert within_one_edit(b, a) is close


@given(st.text(alphabet="abcdeğ", max_size=8), st.text(alphabet="abcdeğ", max_size=8))
def test_within_one_edit_is_symmetric(a: str, b: str) -> None:
    assert within_one_edit(a, b) == within_one_edit(b, a)


STEMS = ["belediye", "kopek", "su", "yol", "=koyun", "hastane", "kasis", "sokak"]
INDEX = StemIndex(STEMS)


@pytest.mark.parametrize(
    "text",
    ["Belediyeyi", "BELEDİYEDEN", "belediyemiz", "Belediye'den", "belediyesinin"],
)
def test_long_stems_match_with_any_suffix(text: str) -> None:
    assert stems_hit(INDEX, STEMS, tokenize(text)[0]) == {"belediye"}


def test_final_consonant_softening_is_matched() -> None:
    assert stems_hit(INDEX, STEMS, tokenize("köpeği")[0]) == {"kopek"}
    assert stems_hit(INDEX, STEMS, tokenize("sokağımız")[0]) == {"sokak"}


@pytest.mark.parametrize(("token", "stem"), [("suyu", "su"), ("sular", "su"), ("yolumuz", "yol")])
def test_short_stems_take_usual_suffixes(token: str, stem: str) -> None:
    assert stems_hit(INDEX, STEMS, token) == {stem}


@pytest.mark.parametrize("token", ["sunu", "suna", "yolcu", "yoksa"])
def test_short_stems_are_not_prefixes_of_other_words(token: str) -> None:
    assert stems_hit(INDEX, STEMS, token) == set()


def test_exact_mark_matches_the_word_and_its_inflections_never_a_longer_word() -> None:
    assert stems_hit(INDEX, STEMS, "koyun") == {"=koyun"}
    assert stems_hit(INDEX, STEMS, "koyunlar") == {"=koyun"}  # snowball: koyunlar → koyun
    assert stems_hit(INDEX, STEMS, "koyuncu") == set()


@pytest.mark.parametrize(
    ("token", "stem"),
    [("kopke", "kopek"), ("hastanade", "hastane"), ("belediyye", "belediye"), ("hastne", "hastane")],
)
def test_one_typo_is_forgiven_on_long_words(token: str, stem: str) -> None:
    hits = INDEX.hits(token)
    assert {STEMS[hit.stem] for hit in hits} == {stem}
    assert all(hit.typo for hit in hits)


@pytest.mark.parametrize(
    "token",
    [
        "kapisi",  # one changed letter on a five-letter stem ("kasis") is another word
        "kaissbekir",  # the rest after the typo must be a suffix
        "kopkebalik",
        "lutfen",  # frequent petition words are never typos
    ],
)
def test_typos_that_would_make_other_words_are_not_forgiven(token: str) -> None:
    assert stems_hit(INDEX, STEMS, token) == set()


def test_an_exact_match_wins_over_typo_readings() -> None:
    index = StemIndex(["hasat", "hasta"])
    assert [(hit.stem, hit.typo) for hit in index.hits("hasat")] == [(0, False)]


def test_a_changed_first_letter_is_not_a_typo() -> None:
    index = StemIndex(["yakacak", "hastane"])
    assert index.hits("bakacak") == ()
    assert index.hits("fastane") == ()
