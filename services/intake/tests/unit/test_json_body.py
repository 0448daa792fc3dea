"""A JSON body's repeated keys (entrypoints/json_body.py): Python keeps the last value in silence; intake
refuses each repeated key (acikkapi_shared.json_keys finds them) as FIELD_REPEATED with its label."""

from __future__ import annotations

from intake.entrypoints.json_body import repeated_problems


def test_each_repeated_key_is_a_problem_with_its_turkish_label() -> None:
    (phone,) = repeated_problems(b'{"applicant": {"phone": "1", "phone": "2"}}')
    assert (phone.code, phone.field) == ("FIELD_REPEATED", "applicant.phone")
    assert phone.message_tr == (
        "Cep telefonu numarası alanı birden fazla kez gönderildi; her alan yalnızca bir kez gönderilebilir."
    )
    many = "{" + ", ".join(f'"k{i:02}": 1, "k{i:02}": 2' for i in range(20)) + "}"
    assert len(repeated_problems(many)) == 10  # the first few: the body is input
