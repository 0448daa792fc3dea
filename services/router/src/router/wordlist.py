"""Builds router/data/turkish-words.txt, the known Turkish words, from wordfreq's Turkish list.

Run: uv run python -m router.wordlist   (wordfreq is a development dependency; the service and the CLI
read only the file written here). A test checks that the committed file is what this produces.
"""

from __future__ import annotations

from pathlib import Path

from acikkapi_shared.turkish import search_key

TARGET = Path(__file__).parent / "data" / "turkish-words.txt"
# wordfreq's "small" Turkish list: every word with a frequency of at least one per million words.
HEADER = (
    "# Known Turkish words (search keys: lower case, no diacritics), one per line: a typed word found here\n"
    "# is never read as a typo of a keyword. Built by `python -m router.wordlist` from wordfreq {version}'s\n"
    "# Turkish list (data CC BY-SA 4.0, github.com/rspeer/wordfreq): words of 3+ letters, letters only.\n"
)


def build() -> str:
    """Returns the file's text: the header and the sorted distinct search keys."""
    import wordfreq  # a development dependency only

    keys = {search_key(word) for word in wordfreq.top_n_list("tr", 1_000_000, wordlist="small")}
    words = sorted(key for key in keys if len(key) >= 3 and key.isascii() and key.isalpha())
    return HEADER.format(version=wordfreq.__version__ if hasattr(wordfreq, "__version__") else "3") + (
        "\n".join(words) + "\n"
    )


def main() -> None:
    """Writes the file."""
    TARGET.write_text(build(), "utf-8")
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
