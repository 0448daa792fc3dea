"""Morphology, place names and typo tolerance as the bundled lexicon makes them."""

from __future__ import annotations

import json

import pytest

from router.domain.lexicon import Lexicon
from router.domain.morphology import Stemmer, restore_harmony, written_words
from router.domain.routing import RoutingRequest, RoutingTable
from router.domain.text_matching import StemIndex
from router.places import SOURCE as PLACES_SOURCE
from router.places import TARGET as PLACES_TARGET
from router.places import build as build_places
from router.wordlist import TARGET, build

LEXICON = Lexicon.load_default()
TABLE = RoutingTable.load_default()


def route(text: str, district: str = "MERKEZ", topic: str = "DIGER") -> tuple[str, tuple[str, ...]]:
    decision = TABLE.route(RoutingRequest(topic, district, "SIKAYET", text))
    return decision.institution, decision.matched


@pytest.mark.parametrize(
    ("written", "stem"),
    [("köyümüzün", "koy"), ("koyumuzun", "koy"), ("yollari", "yol"), ("sulari", "su"), ("ilacımı", "ilac")],
)
def test_snowball_stems_with_and_without_turkish_letters(written: str, stem: str) -> None:
    assert Stemmer().stem(written) == stem


def test_harmony_is_restored_only_in_words_typed_without_turkish_letters() -> None:
    assert restore_harmony("yollari") == "yolları"
    assert restore_harmony("evleri") == "evleri"
    assert restore_harmony("yolları") == "yolları"


def test_written_words_pair_each_search_key_with_its_written_form() -> None:
    assert written_words("KÖYÜMÜZ'ÜN Yolu") == [("koyumuz", "köyümüz"), ("un", "ün"), ("yolu", "yolu")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Şikâyet: IŞIK yok!", [("sikayet", "şikâyet"), ("isik", "ışık"), ("yok", "yok")]),
        # letters outside Turkish's: the written forms cannot be lined up, so the keys stand for them
        ("Café açık", [("cafe", "cafe"), ("acik", "acik")]),
        ("À la", [("a", "a"), ("la", "la")]),
    ],
)
def test_written_words_line_up_only_when_every_letter_folds_in_place(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert written_words(text) == expected


def test_the_committed_word_list_is_what_wordfreq_gives() -> None:
    assert TARGET.read_text("utf-8") == build()


def test_the_lexicon_knows_common_words_and_every_district() -> None:
    assert {"yazdim", "yardim", "bakacak", "toprak", "lutfen"} <= LEXICON.known_words
    assert {"selim", "susuz", "akyaka", "arpacay", "kagizman", "sarikamis", "digor"} <= set(LEXICON.places)
    assert LEXICON.places["subatan"] == "village"


@pytest.mark.parametrize(
    ("text", "district", "not_read_as"),
    [
        ("Selim'de oturuyorum, ilçemizde bir sorunum var.", "SELIM", "sel"),
        ("Selim ilçesinden yazıyorum, yardımcı olun", "SELIM", "sel"),
        ("Susuz ilçesinde yaşıyorum, bir sorunum var", "SUSUZ", "su"),
        ("Subatan köyündenim, derdimi anlatmak istiyorum", "MERKEZ", "su"),
        ("Arpaçay'dan yazıyorum, kimse ilgilenmiyor", "ARPACAY", "=arpa"),
        ("Kümbetli köyünde oturuyoruz", "MERKEZ", "kümbet"),
        ("Handere köyünden geliyoruz", "SARIKAMIS", "dere"),
        ("Karakurt'ta oturuyorum", "SARIKAMIS", "kar"),
        # From the sourced list (PTT): villages and quarters whose names hold a subject word.
        ("Aksu köyünden yazıyorum, derdimiz büyük", "SUSUZ", "su"),
        ("Yolboyu köyündeyiz, kimse uğramıyor", "SUSUZ", "yol"),
        ("Sukapı mahallesinde oturuyorum, bir sorunum var", "MERKEZ", "su"),
        ("Kömürlü köyündenim, dertliyim", "KAGIZMAN", "kömür"),
        ("Çamurlu köyünde yaşıyoruz, sesimizi duyun", "MERKEZ", "çamur"),
    ],
)
def test_place_names_are_never_read_as_subject_words(text: str, district: str, not_read_as: str) -> None:
    institution, matched = route(text, district)
    assert not_read_as not in matched
    assert institution == "ACIKKAPI"


def test_the_committed_place_list_is_what_the_ptt_source_gives() -> None:
    assert PLACES_TARGET.read_text("utf-8") == build_places(json.loads(PLACES_SOURCE.read_text("utf-8")))


def test_common_words_among_the_sourced_names_are_not_places() -> None:
    # "Okul", "Cami", "Yeni", "Merkez" are quarters or the central district in PTT's list: as places
    # they would hide a school, a mosque, anything new and every "sağlık merkezi" from the rules.
    assert not {"okul", "cami", "yeni", "merkez", "cumhuriyet", "ataturk"} & set(LEXICON.places)
    assert route("Okul Mahallesi'nde değil, köy okulumuzda öğretmen yok", "SELIM")[0] == "MEM"


def test_a_village_name_counts_as_a_village() -> None:
    institution, matched = route("Boğatepe'nin yolu kardan kapandı, ulaşım yok", "MERKEZ")
    assert institution == "IL_OZEL_IDARE"
    assert "köy" in matched


def test_a_district_name_inside_a_highway_phrase_still_counts() -> None:
    institution, _ = route("Sarıkamış yolunda buzlanma var, tır devrildi", "SARIKAMIS", "ULASIM")
    assert institution == "KARAYOLLARI"


@pytest.mark.parametrize(
    ("stem", "typed"),
    [
        ("yardim", "yazdim"),  # "wrote" is not "help"
        ("yakacak", "yazacak"),  # a verb is not fuel
        ("komur", "komutan"),
        ("emekli", "emekci"),
        ("hastane", "hastanin"),
        ("ogretmen", "ogretmek"),
    ],
)
def test_a_typo_is_never_accepted_when_the_typed_word_is_a_real_word(stem: str, typed: str) -> None:
    assert [hit.typo for hit in StemIndex([stem]).hits(typed)] == [True]  # within the edit bound
    assert typed in LEXICON.known_words
    assert StemIndex([stem], LEXICON.known_words).hits(typed) == ()


@pytest.mark.parametrize(
    ("stem", "typed"),
    [("hastane", "hastnaede"), ("belediye", "belediyye"), ("elektrik", "elektirk"), ("muayene", "muyaene")],
)
def test_a_real_typo_of_an_unknown_word_is_forgiven(stem: str, typed: str) -> None:
    index = StemIndex([stem], LEXICON.known_words)
    assert typed not in LEXICON.known_words
    assert [hit.typo for hit in index.hits(typed)] == [True]


def test_typo_tolerance_grows_with_the_word_length() -> None:
    index = StemIndex(["kanalizasyon", "okul"], LEXICON.known_words)
    assert [hit.typo for hit in index.hits("kanalizsayn")] == [True]  # two edits on a long word
    assert index.hits("okl") == ()  # none on a short one
