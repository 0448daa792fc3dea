"""GSM 7-bit character tables of 3GPP TS 23.038 as Unicode sets (basic table and single shifts)."""

from __future__ import annotations

# 6.2.1 GSM 7 bit default alphabet; position 0x1B (escape) is left out, it is not a character.
GSM7_BASIC: frozenset[str] = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)

# 6.2.1.1 default alphabet extension table: each character is sent as ESC + code (2 septets).
GSM7_DEFAULT_EXTENSION: frozenset[str] = frozenset("\f^{}\\[~]|€")

# A.2.1 Turkish national language single shift table. It replaces the default extension table
# when the message announces it in its UDH; it still holds every character of that table.
GSM7_TURKISH_SINGLE_SHIFT: frozenset[str] = GSM7_DEFAULT_EXTENSION | frozenset("ĞİŞçğış")
