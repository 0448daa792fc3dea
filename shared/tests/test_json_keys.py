"""A JSON body's repeated keys (acikkapi_shared.json_keys): Python keeps the last value in silence; each
repeated key is named by its path so the request can be refused (FIELD_REPEATED)."""

from __future__ import annotations

from acikkapi_shared.json_keys import repeated_keys


def test_a_key_repeated_at_any_depth_is_named_by_its_path() -> None:
    body = (
        b'{"channel": "DESK", "applicant": {"name": "Hatice Do\xc4\x9fan", "phone": "0535 444 55 66",'
        b' "phone": "0535 444 55 67"}, "text": "bir", "text": "iki", "text": "\xc3\xbc\xc3\xa7",'
        b' "attachments": [{"u": 1, "u": 2}], "location": {"lat": 40.6, "long": 43.1}}'
    )
    assert repeated_keys(body) == ["applicant.phone", "text", "attachments[0].u"]
    assert repeated_keys('[{"a": {"b": 1, "b": 2}}]') == ["[0].a.b"]


def test_a_body_without_repeats_or_not_json_has_none() -> None:
    assert repeated_keys(b'{"applicant": {"phone": "1"}, "phone": "2"}') == []  # another object's key
    assert repeated_keys(b"not json") == repeated_keys(b'{"text": "\xff"}') == []
    deep = b"[" * 5000 + b"]" * 5000  # deeper than the parser goes: the framework's to refuse
    assert repeated_keys(deep) == []
