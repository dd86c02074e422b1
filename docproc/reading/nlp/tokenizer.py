"""A tokenizer that loads in milliseconds: the language's exceptions as a set, not special cases.

spaCy's Indonesian defaults carry ~16,000 tokenizer exceptions, almost all of them words that
must stay one token although they contain a hyphen or an apostrophe ("anak-anak", "kupu-kupu",
"Abdul-Aziz" ...). spaCy adds each one as a *special case* (a lexeme per piece, a phrase pattern,
a cache entry): ~4-7 s on our machines, and a directory load did it twice (once building the
tokenizer from the config, again reading ``tokenizer`` from disk), 9-12 s for ``docproc tag``.

:class:`FastTokenizer` keeps the exceptions that *change* something (split a string, or give a
token a NORM: "Jan." -> "Januari", ~40 of them) as special cases, and treats the rest, the
"keep this string whole" ones, as a frozenset consulted by ``token_match`` (the hook spaCy asks,
after stripping prefixes and suffixes, whether a string is one token). Tokens and norms are the
same as with the special cases (``tests/reading/nlp`` compares both tokenizers on the held-out,
real and generated texts); loading drops to a few milliseconds.

The pipeline's config names it ``@tokenizers = "docproc.Tokenizer.v1"``; registering happens on
import of :mod:`docproc.reading.nlp.components`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any

import srsly  # type: ignore[import-untyped]
from spacy.attrs import ORTH  # type: ignore[import-not-found]
from spacy.language import Language
from spacy.tokenizer import Tokenizer  # type: ignore[import-not-found]
from spacy.util import registry

Exceptions = Mapping[str, list[dict[Any, Any]]]

#: Full-width (CJK) and Arabic punctuation, split off like ASCII punctuation so that
#: "7890，邮箱" or "+62 812-3456-7890،" do not glue identifiers to the next word.
SCRIPT_PUNCT = "[，。、；：！？（）「」『』【】《》〈〉،؛؟۔]"


def affix_patterns(
    prefixes: Iterable[Any] | None, suffixes: Iterable[Any] | None, infixes: Iterable[Any] | None
) -> tuple[str | None, str | None, str | None]:
    """The pattern strings of spaCy's ``compile_{prefix,suffix,infix}_regex``, not compiled."""
    return (
        "|".join("^" + p for p in prefixes if p.strip()) if prefixes else None,
        "|".join(p + "$" for p in suffixes if p.strip()) if suffixes else None,
        "|".join(p for p in infixes if p.strip()) if infixes else None,
    )


def with_script_punct(prefix: str | None, suffix: str | None, infix: str | None) -> tuple[str, ...]:
    """The affix patterns with :data:`SCRIPT_PUNCT` in front (as a pipeline saves them)."""
    return (
        f"^{SCRIPT_PUNCT}|{prefix}" if prefix else f"^{SCRIPT_PUNCT}",
        f"{SCRIPT_PUNCT}$|{suffix}" if suffix else f"{SCRIPT_PUNCT}$",
        f"{SCRIPT_PUNCT}|{infix}" if infix else SCRIPT_PUNCT,
    )


def split_exceptions(exceptions: Exceptions) -> tuple[frozenset[str], dict[str, Any]]:
    """``(keep_whole, special_cases)``: "one token, as written" strings, and the rest."""
    whole: set[str] = set()
    special: dict[str, Any] = {}
    for orth, pieces in exceptions.items():
        if len(pieces) == 1 and set(pieces[0]) <= {ORTH, "ORTH"} and orth.strip() == orth:
            piece = pieces[0]
            if piece.get(ORTH, piece.get("ORTH")) == orth and orth:
                whole.add(orth)
                continue
        special[orth] = pieces
    return frozenset(whole), special


@lru_cache(maxsize=4)
def _language_exceptions(lang: str) -> tuple[frozenset[str], dict[str, Any]]:
    from spacy.util import get_lang_class

    return split_exceptions(get_lang_class(lang).Defaults.tokenizer_exceptions)


class WholeOrPattern:
    """``token_match`` = "in the exception set, or matches ``pattern``".

    spaCy serialises ``token_match`` as ``token_match.__self__.pattern``; this object carries
    the pattern string so the saved tokenizer stays a plain spaCy file.
    """

    def __init__(self, pattern: str | None, whole: frozenset[str]) -> None:
        self.pattern = pattern or ""
        self.whole = whole
        self._regex = re.compile(pattern) if pattern else None

    def match(self, string: str) -> bool:
        if string in self.whole:
            return True
        return bool(self._regex is not None and self._regex.match(string))


def _pattern_of(token_match: Callable[[str], Any] | None) -> str | None:
    if token_match is None:
        return None
    owner = getattr(token_match, "__self__", None)
    pattern = getattr(owner, "pattern", None)
    return pattern if isinstance(pattern, str) and pattern else None


class FastTokenizer(Tokenizer):  # type: ignore[misc]
    """spaCy's tokenizer with "keep whole" exceptions in a set (see the module docstring)."""

    whole_words: frozenset[str]

    def use_whole_words(self, whole: frozenset[str]) -> None:
        self.whole_words = whole
        self.set_token_pattern(_pattern_of(self.token_match))

    def set_token_pattern(self, pattern: str | None) -> None:
        """Set ``token_match`` to the exception set plus ``pattern`` (a regex, or None)."""
        self.token_match = WholeOrPattern(pattern, self.whole_words).match

    def from_bytes(self, bytes_data: bytes, *, exclude: Iterable[str] = ()) -> FastTokenizer:
        # The special cases are set last, once: spaCy would load them, then our token_match
        # setter would load them all again.
        data = srsly.msgpack_loads(bytes_data)
        rules = None if "exceptions" in exclude else data.pop("exceptions", None)
        super().from_bytes(srsly.msgpack_dumps(data), exclude=exclude)
        self.set_token_pattern(_pattern_of(self.token_match))
        if isinstance(rules, dict):
            self.rules = rules
        return self

    # ``Tokenizer.from_disk`` reads the file and calls ``self.from_bytes``: nothing to add.


def affixed_words(
    words: Iterable[str],
    prefix_search: Callable[[str], Any] | None,
    suffix_search: Callable[[str], Any] | None,
) -> frozenset[str]:
    """The words that begin with a prefix or end with a suffix of the tokenizer.

    Only words with a non-alphanumeric first or last character are searched: the affix regexes
    are long (searching all 16,000 words takes ~0.7 s) and the languages' prefixes and suffixes
    that apply to a bare word all begin or end with punctuation or a symbol (the tests check
    this shortcut against the full search for Indonesian and English).
    """
    out = set()
    for w in words:
        if w[0].isalnum() and w[-1].isalnum():
            continue
        if (prefix_search and prefix_search(w)) or (suffix_search and suffix_search(w)):
            out.add(w)
    return frozenset(out)


def make_fast_tokenizer() -> Callable[[Language], Tokenizer]:
    """``@tokenizers = "docproc.Tokenizer.v1"``: the language's defaults, exceptions as a set."""

    def create(nlp: Language) -> Tokenizer:
        defaults = nlp.Defaults
        whole, special = _language_exceptions(nlp.lang)
        prefixes, suffixes, infixes = defaults.prefixes, defaults.suffixes, defaults.infixes
        # CJK/Arabic punctuation is split off here already (docproc.customize_tokenizer.v1 would
        # add it), so the patterns compiled now are the ones a saved pipeline stores: loading
        # one compiles them once (``re``'s cache), not twice (~0.1 s of the cold start).
        prefix, suffix, infix = with_script_punct(*affix_patterns(prefixes, suffixes, infixes))
        prefix_search = re.compile(prefix).search
        suffix_search = re.compile(suffix).search
        # Strings that start or end with an affix (":p", "(:") are matched by spaCy across
        # tokens after splitting; a set cannot do that, so they stay special cases (a few dozen).
        affixed = affixed_words(whole, prefix_search, suffix_search)
        special = {**special, **{w: [{ORTH: w}] for w in affixed}}
        tokenizer = FastTokenizer(
            nlp.vocab,
            prefix_search=prefix_search,
            suffix_search=suffix_search,
            infix_finditer=re.compile(infix).finditer,
            token_match=defaults.token_match,
            url_match=defaults.url_match,
        )
        tokenizer.use_whole_words(whole - affixed)
        tokenizer.rules = special  # last: each setter above would reload every special case
        return tokenizer

    return create


registry.tokenizers("docproc.Tokenizer.v1", func=make_fast_tokenizer)
