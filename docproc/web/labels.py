"""Words, not codes: the human label of every reason, warning, status and field name.

One catalogue beside the codes (``docs/errors.md`` stays the reference for what each code means):
English texts marked with :func:`~docproc.web.i18n.N_`, translated when shown through the
caller's :class:`~docproc.web.i18n.Localizer`. A parameterised code (``check_blind:surname``,
``unknown_country:78O``, ``mrz_viz_mismatch:birth_date``) is labelled by its code and its
argument (a field's label, or the value as read).

Templates use ``reason_label(code)``, ``status_label(code)``, ``field_name(name)`` and
``is_warning(code)`` (put there by :func:`docproc.web.render.page_context`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from docproc.web.i18n import N_

__all__ = [
    "REASONS",
    "STATUSES",
    "WARNINGS",
    "field_name",
    "is_warning",
    "reason_label",
    "status_label",
]

Translate = Callable[..., str]
_FIELD = re.compile(r"[a-z][a-z0-9_.]*")

#: Document warnings: facts about the document, not doubts about the reading.
WARNINGS: dict[str, str] = {
    "expired": N_("Document expired"),
    "not_yet_valid": N_("Document not yet valid"),
    "minor": N_("Holder is a minor (under 18)"),
    "mrz_viz_mismatch": N_("MRZ and printed page disagree: %(arg)s"),
}

#: Review reasons and failure reasons; ``%(arg)s`` is the code's argument, labelled.
REASONS: dict[str, str] = {
    "no_mrz": N_("No machine-readable zone found"),
    "check_blind": N_("Check digit could not be read: %(arg)s"),
    "check_failed": N_("Check digit does not match: %(arg)s"),
    "unknown_country": N_("Unknown country code: %(arg)s"),
    "lookalike_code": N_("Code may be a look-alike misreading: %(arg)s"),
    "time_budget": N_("Reading ran out of time"),
    "sampled": N_("Picked for a quality check"),
    # added with the review task (issue 14): codes the readers give that had no label yet
    "sample": N_("Picked for a quality check"),
    "low_confidence": N_("Read with low confidence: %(arg)s"),
    "ambiguous_correction": N_("More than one correction fits: %(arg)s"),
    "guessed_correction": N_("A character was corrected by guess: %(arg)s"),
    "invalid_sex": N_("Sex is not M, F or X: %(arg)s"),
    "invalid_mrz": N_("The machine-readable zone does not parse"),
    "date_order": N_("Dates out of order (birth, issue, expiry)"),
    "implausible_age": N_("Implausible age"),
    "unknown_labels": N_("Form labels not recognised"),
    "mrz_review": N_("The MRZ reading needs a look"),
}

#: Document statuses.
STATUSES: dict[str, str] = {
    "queued": N_("Queued"),
    "processing": N_("Reading"),
    "done": N_("Done"),
    "needs_review": N_("Needs review"),
    "reviewed": N_("Reviewed"),
    "rejected": N_("Rejected"),
    "failed": N_("Failed"),
}


def is_warning(code: str) -> bool:
    """Whether ``code`` is a document warning (shown apart from doubts about the reading)."""
    return code.partition(":")[0] in WARNINGS


def field_name(name: str, _: Translate) -> str:
    """A stored field's label (``surname``, ``viz.birth_date``, ``form.phone``,
    ``entity.PERSON.1``) in the caller's language."""
    from docproc.web.render import FIELD_LABELS

    prefix, _sep, rest = name.partition(".")
    if prefix == "entity":
        label, _sep, number = rest.partition(".")
        return label if number in ("", "0") else f"{label} {int(number) + 1}"
    key = rest or prefix
    if key in FIELD_LABELS:
        return _(FIELD_LABELS[key])
    return key.replace("_", " ").capitalize()


def reason_label(code: str, _: Translate) -> str:
    """A review reason, warning or failure reason in words; an unknown code as it is."""
    head, _sep, arg = code.partition(":")
    text = REASONS.get(head) or WARNINGS.get(head)
    if text is None:
        return code
    # A field name (lower case: ``optional_data_2``, ``viz.sex``) is labelled; a value as read
    # (``78O``) is shown as it is.
    shown = field_name(arg, _) if _FIELD.fullmatch(arg) else arg
    return _(text, arg=shown) if "%(arg)s" in text else _(text)


def status_label(code: str, _: Translate) -> str:
    """A document status in words."""
    text = STATUSES.get(code)
    return _(text) if text else code
