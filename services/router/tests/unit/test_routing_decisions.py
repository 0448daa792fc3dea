"""Routing decisions of the bundled Kars table: districts, villages, text over topic, triage."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from acikkapi_shared.reference import TRIAGE_INSTITUTION, kars
from router.domain.routing import RoutingDecision, RoutingRequest, RoutingTable

TABLE = RoutingTable.load_default()
FRESH_TABLE = RoutingTable.load_default()  # a second instance: no state shared with TABLE


def route(
    text: str, *, topic: str = "DIGER", district: str = "MERKEZ", kind: str = "SIKAYET"
) -> RoutingDecision:
    return TABLE.route(RoutingRequest(topic=topic, district=district, type=kind, text=text))


STRAY_DOGS = "Mahallemizde sokak köpekleri çocuklara saldırıyor, toplanmasını istiyoruz."


@pytest.mark.parametrize(
    "text",
    [
        STRAY_DOGS,
        "MAHALLEMİZDE SOKAK KÖPEKLERİ ÇOCUKLARA SALDIRIYOR",
        "mahallemizde sokak kopekleri cocuklara saldiriyor",
        "Mahallemizde sokak kpöekleri çocuklara saldırıyor",
        "mahallemizdeki köpeğin biri oğlumu ısırdı",
    ],
)
def test_casing_missing_diacritics_typos_and_suffixes_route_alike(text: str) -> None:
    decision = route(text, topic="YEREL_YONETIMLER")
    assert decision.institution == "BELEDIYE_KARS"
    assert decision.rule == "municipality-stray-animals"


@pytest.mark.parametrize("form", ["Belediyeyi", "BELEDİYEDEN", "belediyemiz", "Belediye'nin"])
def test_municipality_named_with_any_suffix_routes_to_the_districts_municipality(form: str) -> None:
    decision = route(f"{form} aradım, kimse ilgilenmedi", district="SELIM")
    assert decision.institution == "BELEDIYE_SELIM"
    assert "belediye" in decision.matched


def test_a_typo_is_shown_in_the_explanation() -> None:
    decision = route("hastanade dokotr yok", topic="SAGLIK")
    assert decision.institution == "SAGLIK"
    assert any(word.startswith("doktor~") for word in decision.matched)


@pytest.mark.parametrize(
    ("district", "municipality", "governor"),
    [
        ("MERKEZ", "BELEDIYE_KARS", "VALILIK"),
        ("AKYAKA", "BELEDIYE_AKYAKA", "KAYMAKAMLIK_AKYAKA"),
        ("ARPACAY", "BELEDIYE_ARPACAY", "KAYMAKAMLIK_ARPACAY"),
        ("DIGOR", "BELEDIYE_DIGOR", "KAYMAKAMLIK_DIGOR"),
        ("KAGIZMAN", "BELEDIYE_KAGIZMAN", "KAYMAKAMLIK_KAGIZMAN"),
        ("SARIKAMIS", "BELEDIYE_SARIKAMIS", "KAYMAKAMLIK_SARIKAMIS"),
        ("SELIM", "BELEDIYE_SELIM", "KAYMAKAMLIK_SELIM"),
        ("SUSUZ", "BELEDIYE_SUSUZ", "KAYMAKAMLIK_SUSUZ"),
    ],
)
def test_each_district_has_its_own_municipality_and_kaymakamlik(
    district: str, municipality: str, governor: str
) -> None:
    assert route("Çöpler bir haftadır toplanmadı", district=district).institution == municipality
    assert route("Muhtarımız dilekçemi işleme koymuyor", district=district).institution == governor


def test_district_names_are_accepted_as_well_as_codes() -> None:
    assert route("Çöpler toplanmadı", district="Sarıkamış").institution == "BELEDIYE_SARIKAMIS"
    assert route("Çöpler toplanmadı", district="KAĞIZMAN").institution == "BELEDIYE_KAGIZMAN"


def test_city_street_goes_to_the_municipality_but_village_road_to_il_ozel_idare() -> None:
    city = route("Sokağımızın yolu çukur dolu, asfalt istiyoruz", district="DIGOR")
    village = route("Köyümüzün yolu çukur dolu, asfalt istiyoruz", district="DIGOR")
    assert city.institution == "BELEDIYE_DIGOR"
    assert village.institution == "IL_OZEL_IDARE"
    assert village.rule == "village-road"


def test_village_drinking_water_goes_to_il_ozel_idare_and_town_water_to_the_municipality() -> None:
    town = route("Mahallemizde iki gündür sular akmıyor", district="ARPACAY")
    village = route("KÖYÜMÜZDE İÇME SUYU YOK, ÇEŞMELER KURUDU", district="ARPACAY")
    assert town.institution == "BELEDIYE_ARPACAY"
    assert village.institution == "IL_OZEL_IDARE"


def test_highway_goes_to_karayollari_in_any_district() -> None:
    for district in ("MERKEZ", "SARIKAMIS", "SELIM"):
        decision = route("Kars Erzurum karayolunda buzlanma var, kaza oluyor", district=district)
        assert decision.institution == "KARAYOLLARI"


def test_theft_in_a_village_goes_to_the_gendarmerie_and_in_town_to_the_police() -> None:
    assert route("Köyümüzde ahırdan koyunlar çalındı, hırsız yakalanmadı").institution == "JANDARMA"
    assert route("Dükkanıma hırsız girdi, polis gelmedi").institution == "EMNIYET"


@pytest.mark.parametrize("topic", ["EGITIM", "SAGLIK", "TARIM_HAYVANCILIK", "VALILIK_HIZMETLERI"])
def test_text_overrides_a_wrongly_chosen_topic(topic: str) -> None:
    decision = route("Sokak köpekleri sürü halinde dolaşıyor, başıboş köpekler ısırıyor", topic=topic)
    assert decision.institution == "BELEDIYE_KARS"
    assert f"topic:{topic}" not in decision.matched


def test_an_agreeing_topic_raises_confidence() -> None:
    agreeing = route("Çöpler toplanmadı", topic="YEREL_YONETIMLER")
    neutral = route("Çöpler toplanmadı", topic="DIGER")
    assert agreeing.institution == neutral.institution == "BELEDIYE_KARS"
    assert agreeing.confidence > neutral.confidence
    assert "topic:YEREL_YONETIMLER" in agreeing.matched


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("Mağduriyetimin giderilmesini istiyorum.", "DIGER"),
        ("Sayın Valim, derdimi anlatmak istiyorum.", "VALILIK_HIZMETLERI"),  # a hint alone
        ("Bir sorunum var, lütfen arayın.", "SAGLIK"),  # a topic alone never routes
        ("", "EGITIM"),
    ],
)
def test_unclear_petitions_go_to_triage(text: str, topic: str) -> None:
    decision = route(text, topic=topic)
    assert decision.institution == TRIAGE_INSTITUTION
    assert decision.rule in {"triage", "no-confident-rule"}
    assert decision.confidence < TABLE.spec.threshold


def test_two_institutions_equally_likely_go_to_triage() -> None:
    decision = route("Hastanenin önündeki okulun bahçesi", topic="DIGER")
    assert decision.institution == TRIAGE_INSTITUTION
    assert decision.rule == "no-confident-rule"
    assert decision.matched  # the staff sees what was found


def test_unknown_district_never_guesses_a_municipality() -> None:
    decision = route("Çöpler toplanmadı", district="ISTANBUL")
    assert decision.institution == TRIAGE_INSTITUTION


def test_decision_carries_rule_words_confidence_and_version() -> None:
    decision = route("Kimlik kartımı yenilemek için randevu alamıyorum", topic="DIGER")
    assert decision.institution == "NUFUS"
    assert decision.rule == "civil-registry"
    assert "kimlik kartı" in decision.matched  # the longer match decides, "kimlik" is inside it
    assert 0.0 <= decision.confidence <= 1.0
    assert decision.table_version == TABLE.version == "2026.12.1"


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(max_size=300),
    topic=st.sampled_from([*kars().topics, ""]),
    district=st.sampled_from([*kars().districts, "?"]),
)
def test_any_input_gives_a_known_institution_and_a_bounded_confidence_deterministically(
    text: str, topic: str, district: str
) -> None:
    request = RoutingRequest(topic=topic, district=district, type="ISTEK", text=text)
    first = TABLE.route(request)
    assert first == TABLE.route(request) == FRESH_TABLE.route(request)
    assert first.institution in kars().institutions
    assert 0.0 <= first.confidence <= 1.0
