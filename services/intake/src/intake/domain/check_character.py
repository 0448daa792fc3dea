"""The check character of application numbers: acikkapi_shared.check_character (the router checks
numbers too), under the name intake has always imported it by."""

from __future__ import annotations

from acikkapi_shared.check_character import (
    CHECK_ALPHABET,
    MODULUS,
    RADIX,
    check_character,
    is_consistent,
    weighted_remainder,
)

__all__ = ["CHECK_ALPHABET", "MODULUS", "RADIX", "check_character", "is_consistent", "weighted_remainder"]
