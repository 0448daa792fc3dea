"""A check character over digits: weighted sum modulo the prime 31 (ISO 7064 pure-system style).

Every character of the canonical string, the check character included, has a value v in 0..30
and the weight 3**k mod 31, k counted from the right (the check character has k = 0). The check
character makes the weighted sum ≡ 0 (mod 31). Because 31 is prime, every weight is non-zero,
and 3 is neither 1 nor -1 modulo 31: a single substitution changes the sum by (b - a)·3**k, a swap
of two adjacent characters by (a - b)·3**k·2 (one apart: (a - b)·3**k·8), never a multiple of 31
for distinct values a, b in 0..30. So every single substitution and every adjacent or one-apart
transposition is detected.
"""

from __future__ import annotations

# Digits, then the ASCII letters of the Turkish alphabet without I (1, ı, İ) and O (0): 31 symbols,
# all said aloud in Turkish without spelling alphabets for foreign letters (no Q, W, X).
CHECK_ALPHABET = "0123456789ABCDEFGHJKLMNPRSTUVYZ"
MODULUS = 31
RADIX = 3
_VALUE = {symbol: value for value, symbol in enumerate(CHECK_ALPHABET)}

assert len(CHECK_ALPHABET) == MODULUS


def weighted_remainder(symbols: str) -> int:
    """Returns the weighted sum of symbols (weights 3**k from the right) modulo 31."""
    remainder = 0
    for symbol in symbols:
        remainder = (remainder * RADIX + _VALUE[symbol]) % MODULUS
    return remainder


def check_character(digits: str) -> str:
    """Returns the check character that makes digits + check character sum to 0 modulo 31."""
    if not digits or not all(ch in "0123456789" for ch in digits):
        raise ValueError("check_character takes a non-empty string of ASCII digits")
    return CHECK_ALPHABET[(-weighted_remainder(digits) * RADIX) % MODULUS]


def is_consistent(digits_and_check: str) -> bool:
    """Returns True when the last character is the check character of the digits before it."""
    if len(digits_and_check) < 2 or any(ch not in _VALUE for ch in digits_and_check):
        return False
    return weighted_remainder(digits_and_check) == 0
