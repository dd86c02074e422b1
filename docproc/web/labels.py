"""Words, not codes: the human label of every reason, warning, status, role, event and field.

One catalogue beside the codes (``docs/errors.md`` stays the reference for what each code means):
English texts marked with :func:`~docproc.web.i18n.N_`, translated when shown through the
caller's :class:`~docproc.web.i18n.Localizer` (Indonesian in ``locale/id/labels.po``). A
parameterised code (``check_blind:surname``, ``unknown_country:78O``,
``mrz_viz_mismatch:birth_date``) is labelled by its code and its argument (a field's label, or
the value as read); a form page's reason (``unreadable_value:phone@2``) names its page.
``tests/web/test_labels.py`` lists the codes from their sources (the readers, the error classes,
the status enums, the audit trail's writers, the form schema) and checks each has a label here
and an Indonesian translation.

Templates use ``reason_label(code)``, ``status_label(code)``, ``field_name(name)``,
``is_warning(code)``, ``role_label(code)``, ``event_label(kind)`` and ``record_label(type)``
(put there by :func:`docproc.web.render.page_context`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from docproc.web.i18n import N_

__all__ = [
    "CASE_ROLES",
    "DETAILS",
    "ENTITIES",
    "ERROR_PAGES",
    "EVENTS",
    "FAILURES",
    "FIELD_LABELS",
    "REASONS",
    "RECORD_TYPES",
    "REJECT_REASONS",
    "ROLES",
    "SOURCES",
    "STATUSES",
    "VIAS",
    "WARNINGS",
    "case_role_label",
    "detail_label",
    "error_page_text",
    "event_label",
    "field_name",
    "form_field_keys",
    "is_warning",
    "reason_label",
    "record_label",
    "reject_label",
    "role_label",
    "source_label",
    "status_label",
    "via_label",
]

Translate = Callable[..., str]
_FIELD = re.compile(r"[a-z][a-z0-9_.]*")
_PAGE = re.compile(r"^(.*)@(\d{1,4})$")

#: Document warnings: facts about the document, not doubts about the reading.
WARNINGS: dict[str, str] = {
    "expired": N_("Document expired"),
    "not_yet_valid": N_("Document not yet valid"),
    "minor": N_("Holder is a minor (under 18)"),
    "mrz_viz_mismatch": N_("MRZ and printed page disagree: %(arg)s"),
}

#: Review reasons (doubts about the reading); ``%(arg)s`` is the code's argument, labelled.
REASONS: dict[str, str] = {
    "no_mrz": N_("No machine-readable zone found"),
    "invalid_mrz": N_("Machine-readable zone is not valid"),
    "check_blind": N_("Check digit could not be read: %(arg)s"),
    "check_failed": N_("Check digit does not match: %(arg)s"),
    "unknown_country": N_("Unknown country code: %(arg)s"),
    "lookalike_code": N_("Code may be a look-alike misreading: %(arg)s"),
    "low_confidence": N_("Read with low confidence: %(arg)s"),
    "ambiguous_correction": N_("Several corrections possible: %(arg)s"),
    "guessed_correction": N_("Corrected by a guess: %(arg)s"),
    "invalid_birth_date": N_("Date of birth is not a real date"),
    "invalid_expiry_date": N_("Expiry date is not a real date"),
    "invalid_sex": N_("Sex is not M, F or X: %(arg)s"),
    "invalid_document_code": N_("Document code not allowed for this document type: %(arg)s"),
    "not_a_date": N_("Not a date: %(arg)s"),
    "illegal_characters": N_("Characters not allowed in an MRZ"),
    "name_possibly_truncated": N_("Name may be cut short"),
    "fra_national_id": N_("French national identity card"),
    "date_order": N_("Dates out of order (birth, issue, expiry)"),
    "implausible_age": N_("Age is implausible"),
    "unreadable_date": N_("Date could not be read: %(arg)s"),
    "unreadable_value": N_("Value could not be read: %(arg)s"),
    "unknown_labels": N_("Form has labels the reader does not know"),
    "time_budget": N_("Reading ran out of time"),
    "mrz_cut_short": N_("MRZ lines may go on past what was read"),
    "sampled": N_("Picked for a quality check"),
    # status reasons written by the pipeline and the review queue (not by a reader)
    "sample": N_("Picked for a quality check"),
    "mrz_review": N_("The MRZ reading needs a look"),
}

#: Why a document failed or a request was refused: the error classes' reasons
#: (``docproc/errors.py`` and the classes beside the code that raises them) and the failure
#: reasons no exception carries (``docproc.errors.OTHER_FAILURE_REASONS``).
FAILURES: dict[str, str] = {
    "internal_error": N_("Internal error"),
    "bad_input": N_("Problem with the file"),
    "empty_file": N_("The file is empty"),
    "unsupported_format": N_("File type not supported"),
    "corrupt_image": N_("The file is damaged or cut short"),
    "image_too_large": N_("The file or page is too large"),
    "too_many_pages": N_("Too many pages"),
    "file_not_found": N_("File not found"),
    "missing_dependency": N_("A required program is not installed"),
    "missing_model": N_("A reading model is missing"),
    "ocr_timeout": N_("Text recognition took too long"),
    "ocr_failed": N_("Text recognition failed"),
    "form_definition_invalid": N_("Form definition is invalid"),
    "storage_error": N_("File storage error"),
    "storage_unavailable": N_("File storage unavailable"),
    "storage_misconfigured": N_("File storage set up wrongly"),
    "object_not_found": N_("Stored file missing"),
    "invalid_storage_key": N_("Invalid storage key"),
    "immutable_object": N_("Originals cannot be changed"),
    "database_error": N_("Database error"),
    "database_unavailable": N_("Database unavailable"),
    "database_misconfigured": N_("Database set up wrongly"),
    "invalid_status_transition": N_("Status change not allowed"),
    "unauthorised": N_("Not logged in"),
    "login_required": N_("Login required"),
    "bad_credentials": N_("Wrong user name or password"),
    "bad_second_factor": N_("Wrong code from the authenticator app"),
    "too_many_login_attempts": N_("Too many failed logins"),
    "forbidden": N_("Not allowed for your role"),
    "csrf_failed": N_("The form was out of date"),
    "user_exists": N_("User name taken"),
    "invalid_user": N_("User name or password not accepted"),
    "password_mismatch": N_("The passwords differ"),
    "record_not_found": N_("Record not found"),
    "task_taken": N_("Task taken by another reviewer"),
    "task_closed": N_("Task already decided"),
    "bad_review": N_("Review decision not accepted"),
    "bad_fix": N_("Correction not accepted"),
    "bad_search": N_("Search too long"),
    "no_mrz_image": N_("No MRZ image stored"),
    "legal_hold": N_("Under legal hold"),
    "erasure_busy": N_("Being read: erase later"),
    "bad_erasure": N_("Erasure not accepted"),
    "match_closed": N_("Duplicate already decided"),
    "bad_merge": N_("Merge not accepted"),
    "case_reference_taken": N_("Case reference taken"),
    "bad_case_change": N_("Case change not accepted"),
    "broker_unavailable": N_("Task queue unavailable"),
    "time_limit": N_("Reading took too long"),
    "memory_limit": N_("Reading needed too much memory"),
    "body_too_large": N_("Request too large"),
    "missing_file": N_("No file sent"),
    "bad_request": N_("Request not accepted"),
    "route_not_found": N_("Page not found"),
    "method_not_allowed": N_("Action not allowed here"),
    "webhook_disabled": N_("Bucket events are off"),
    "bad_webhook_token": N_("Wrong bucket event token"),
    "bad_event": N_("Bucket event not understood"),
    "encryption_key_error": N_("Encryption key problem"),
    "object_tampered": N_("Stored file was changed"),
    "value_tampered": N_("Stored value was changed"),
    "bad_site": N_("Site not accepted"),
    "worker_lost": N_("The reading process stopped"),
    "worker_crashed": N_("The reading process crashed"),
    "lease_expired": N_("The reading process stopped answering"),
    "too_many_attempts": N_("Too many attempts"),
    "too_many_bulk_reads": N_("Too many large reads this hour"),
    "too_many_uploads": N_("Too many uploads this hour"),
    "cannot_undo": N_("This decision can no longer be undone"),
    "bad_reassign": N_("Task cannot be reassigned"),
    "cannot_unmerge": N_("This merge cannot be undone"),
    "bad_label_mapping": N_("Form label assignment not accepted"),
    "no_portrait": N_("No portrait stored"),
}

#: Statuses of documents, review tasks, cases and possible duplicates.
STATUSES: dict[str, str] = {
    "queued": N_("Queued"),
    "processing": N_("Reading"),
    "done": N_("Done"),
    "needs_review": N_("Needs review"),
    "reviewed": N_("Reviewed"),
    "failed": N_("Failed"),
    "open": N_("Open"),
    "claimed": N_("Claimed"),
    "accepted": N_("Accepted"),
    "fixed": N_("Corrected"),
    "rejected": N_("Rejected"),
    "closed": N_("Closed"),
    "pending": N_("Waiting for a decision"),
    "merged": N_("Merged"),
    "kept_apart": N_("Kept apart"),
    "obsolete": N_("No longer needed"),
}

#: Why a reviewer rejected a document (``docproc.casework.decisions.REJECT_REASONS``).
REJECT_REASONS: dict[str, str] = {
    "illegible": N_("Illegible"),
    "not_a_travel_document": N_("Not a travel document"),
    "wrong_person": N_("Wrong person"),
    "suspected_fraud": N_("Suspected fraud"),
    "duplicate": N_("Duplicate"),
    "other": N_("Other"),
}

#: User roles, lowest first.
ROLES: dict[str, str] = {
    "desk": N_("Desk officer"),
    "reviewer": N_("Reviewer"),
    "supervisor": N_("Supervisor"),
    "admin": N_("Admin"),
}

#: A person's place in a case (a household).
CASE_ROLES: dict[str, str] = {
    "head": N_("Head of household"),
    "spouse": N_("Spouse"),
    "child": N_("Child"),
    "other": N_("Other member"),
}

#: What an audit event records (``events.kind``).
EVENTS: dict[str, str] = {
    "created": N_("Created"),
    "uploaded": N_("Uploaded"),
    "status_changed": N_("Status changed"),
    "extraction_saved": N_("Reading saved"),
    "finished": N_("Finished"),
    "viewed": N_("Viewed"),
    "original_downloaded": N_("Original scan downloaded"),
    "mrz_image_viewed": N_("MRZ image viewed"),
    "page_image_viewed": N_("Page image viewed"),
    "portrait_viewed": N_("Portrait viewed"),
    "listed": N_("Listed"),
    "bulk_read": N_("Large read (many records)"),
    "exported": N_("Exported"),
    "opened": N_("Review opened"),
    "claimed": N_("Claimed"),
    "accepted": N_("Accepted"),
    "fixed": N_("Corrected"),
    "rejected": N_("Rejected"),
    "field_corrected": N_("Field corrected"),
    "proposed": N_("Possible duplicate proposed"),
    "merged": N_("Merged"),
    "kept_apart": N_("Kept apart"),
    "person_linked": N_("Linked to a person"),
    "person_merged": N_("Person merged"),
    "person_added": N_("Person added to the case"),
    "person_removed": N_("Person removed from the case"),
    "released": N_("Claim released"),
    "reassigned": N_("Reassigned"),
    "undone": N_("Decision undone"),
    "correction_undone": N_("Correction undone"),
    "removed": N_("Removed (no longer read on the document)"),
    "person_unlinked": N_("Unlinked from a person"),
    "unmerged": N_("Merge undone"),
    "person_unmerged": N_("Person split off again"),
    "given_back": N_("Possible duplicate given back"),
    "external_number_set": N_("UNHCR/IOM case number set"),
    "label_mapped": N_("Form label assigned to a field"),
    "label_remapped": N_("Form label assigned to another field"),
    "label_forgotten": N_("Form label assignment removed"),
    "erased": N_("Erased"),
    "purged": N_("Removed by the retention rules"),
    "legal_hold_set": N_("Legal hold set"),
    "legal_hold_cleared": N_("Legal hold cleared"),
    "logged_in": N_("Logged in"),
    "logged_out": N_("Logged out"),
    "login_failed": N_("Failed login"),
    "password_changed": N_("Password changed"),
    "second_factor_asked": N_("Password right, second factor asked"),
    "second_factor_enrolled": N_("Second factor set up"),
    "second_factor_removed": N_("Second factor removed"),
    "role_changed": N_("Role changed"),
    "enabled": N_("Account enabled"),
    "disabled": N_("Account disabled"),
    "token_created": N_("API token created"),
    "token_revoked": N_("API token revoked"),
    "member_added": N_("User added to the site"),
    "member_removed": N_("User taken off the site"),
    "records_adopted": N_("Records without a site given to the site"),
    "columns_sealed": N_("Personal values in the database encrypted"),
    "keys_rewrapped": N_("Data keys wrapped with the current key"),
}

#: What kind of record an audit event is about (``events.entity_type``).
RECORD_TYPES: dict[str, str] = {
    "document": N_("Document"),
    "batch": N_("Batch"),
    "person": N_("Person"),
    "person_match": N_("Possible duplicate"),
    "case": N_("Case"),
    "review_task": N_("Review task"),
    "user": N_("User"),
    "site": N_("Site"),
    "audit": N_("Audit log"),
    "label_variant": N_("Form label"),
    "database": N_("Database"),
}

#: The details an audit event carries (``events.detail`` keys).
DETAILS: dict[str, str] = {
    "via": N_("through"),
    "version": N_("reading"),
    "document_id": N_("document"),
    "documents": N_("documents"),
    "batch_id": N_("batch"),
    "task_id": N_("review task"),
    "match_id": N_("possible duplicate"),
    "extraction_id": N_("reading id"),
    "person_a": N_("person A"),
    "person_b": N_("person B"),
    "reasons": N_("reasons"),
    "reason": N_("reason"),
    "sampled": N_("sample"),
    "field": N_("field"),
    "rows": N_("rows"),
    "role": N_("role"),
    "category": N_("data"),
    "files": N_("files"),
    "attempts": N_("attempts"),
    "source": N_("source"),
    "total": N_("total"),
    "count": N_("count"),
    "filtered": N_("filtered"),
    "new": N_("new"),
    "path": N_("address"),
}

#: How a user reached the app (``Principal.via``).
VIAS: dict[str, str] = {"session": N_("browser"), "token": N_("API token")}

#: Which reader a value came from.
SOURCES: dict[str, str] = {
    "mrz": N_("MRZ"),
    "viz": N_("Printed page"),
    "form": N_("Form"),
    "ner": N_("Text"),
    "reviewer": N_("Reviewer"),
}

#: Entities tagged in free text (``entity.<LABEL>.<n>``).
ENTITIES: dict[str, str] = {
    "PERSON": N_("Name in the text"),
    "ORG": N_("Organisation"),
    "LOC": N_("Place"),
    "DATE": N_("Date in the text"),
    "NATIONALITY": N_("Nationality in the text"),
    "DOC_NUMBER": N_("Document number in the text"),
    "CASE_NUMBER": N_("Case number in the text"),
    "PHONE": N_("Phone number"),
    "EMAIL": N_("Email address"),
}

#: Field labels by field name: the MRZ's, the printed page's and the registration form's
#: (``docproc/reading/assets/forms/fields.json``).
FIELD_LABELS: dict[str, str] = {
    "document_code": N_("Document code"),
    "issuing_country": N_("Issuing country"),
    "surname": N_("Surname"),
    "given_names": N_("Given names"),
    "document_number": N_("Document number"),
    "nationality": N_("Nationality"),
    "birth_date": N_("Date of birth"),
    "sex": N_("Sex"),
    "expiry_date": N_("Expiry date"),
    "optional_data": N_("Optional data"),
    "optional_data_2": N_("Optional data 2"),
    "personal_number": N_("Personal number"),
    "composite": N_("Whole MRZ"),
    "name": N_("Full name"),
    "place_of_birth": N_("Place of birth"),
    "issue_date": N_("Date of issue"),
    "issuing_authority": N_("Issuing authority"),
    "aliases": N_("Other names"),
    "place_date_of_birth": N_("Place and date of birth"),
    "marital_status": N_("Marital status"),
    "ethnicity": N_("Ethnicity"),
    "religion": N_("Religion"),
    "languages": N_("Languages"),
    "education": N_("Education"),
    "occupation": N_("Occupation"),
    "address": N_("Address in Indonesia"),
    "phone": N_("Phone number"),
    "arrival_date": N_("Date of arrival"),
    "entry_date": N_("Date of entry"),
    "entry_place": N_("Place of entry"),
    "entry_place_date": N_("Place and date of entry"),
    "case_number": N_("UNHCR/IOM case number"),
    "individual_number": N_("Individual number"),
    "travel_document_number": N_("Travel document number"),
    "travel_document_type": N_("Travel document type"),
    "family_members": N_("Family members"),
    "remarks": N_("Remarks"),
}

#: The error pages' headline and advice by HTTP status (others: the 4xx or 5xx entry).
ERROR_PAGES: dict[int, tuple[str, str]] = {
    400: (N_("This request could not be done"), N_("Check what you entered and try again.")),
    401: (N_("Please log in"), N_("Your session ended. Log in again to go on.")),
    403: (
        N_("Not allowed"),
        N_("Your role may not do this. Ask a supervisor or an admin if you need it."),
    ),
    404: (
        N_("Page not found"),
        N_("The address may be mistyped, or the record was removed or belongs to another desk."),
    ),
    429: (
        N_("Too many attempts"),
        N_("Wait 15 minutes and try again, or ask an admin to set a new password."),
    ),
    500: (
        N_("Something went wrong"),
        N_(
            "This is not your fault. Try again in a moment; if it keeps happening, tell your "
            "admin the time and the address of this page."
        ),
    ),
}


def form_field_keys(definitions_dir: Path | None) -> list[str]:
    """The form schema's field keys (shipped, and the installation's definitions): what a
    reviewer may assign a form's label to."""
    from docproc.reading.extract.schema import shipped_schema

    return list(shipped_schema(definitions_dir).fields)


def error_page_text(status: int) -> tuple[str, str]:
    """The (untranslated) headline and advice of the error page for an HTTP ``status``."""
    return ERROR_PAGES.get(status) or ERROR_PAGES[500 if status >= 500 else 400]


def is_warning(code: str) -> bool:
    """Whether ``code`` is a document warning (shown apart from doubts about the reading)."""
    return code.partition(":")[0] in WARNINGS


def _label(table: dict[str, str], code: str, _: Translate) -> str:
    text = table.get(code)
    return _(text) if text else code


def field_name(name: str, _: Translate) -> str:
    """A stored field's label (``surname``, ``viz.birth_date``, ``form.phone``,
    ``entity.PERSON.1``, ``form.raw:Nama ibu``) in the caller's language."""
    prefix, _sep, rest = name.partition(".")
    if prefix == "entity":
        label, _sep, number = rest.partition(".")
        shown = _label(ENTITIES, label, _)
        return (
            shown if number in ("", "0") or not number.isdigit() else f"{shown} {int(number) + 1}"
        )
    key = rest or prefix
    if key.startswith("raw:"):  # a form label the reader does not know, as printed
        return key[4:]
    if key in FIELD_LABELS:
        return _(FIELD_LABELS[key])
    return key.replace("_", " ").capitalize()


def reason_label(code: str, _: Translate) -> str:
    """A review reason, warning or failure reason in words; an unknown code as it is."""
    page = _PAGE.match(code)
    if page:
        return _("%(reason)s (page %(page)s)", reason=reason_label(page[1], _), page=page[2])
    head, _sep, arg = code.partition(":")
    text = REASONS.get(head) or WARNINGS.get(head) or FAILURES.get(head)
    if text is None:
        return code
    # A field name (lower case: ``optional_data_2``, ``viz.sex``) is labelled; a value as read
    # (``78O``) is shown as it is.
    shown = field_name(arg, _) if _FIELD.fullmatch(arg) else arg
    return _(text, arg=shown) if "%(arg)s" in text else _(text)


def status_label(code: str, _: Translate) -> str:
    """A status (of a document, review task, case or possible duplicate) in words."""
    return _label(STATUSES, code, _)


def role_label(code: str, _: Translate) -> str:
    """A user's role in words."""
    return _label(ROLES, code, _)


def case_role_label(code: str, _: Translate) -> str:
    """A person's place in a case in words."""
    return _label(CASE_ROLES, code, _)


def reject_label(code: str, _: Translate) -> str:
    """A reviewer's reason to reject a document in words."""
    return _label(REJECT_REASONS, code, _)


def event_label(kind: str, _: Translate) -> str:
    """What an audit event records, in words (an unknown kind: its code made readable)."""
    text = EVENTS.get(kind)
    return _(text) if text else kind.replace("_", " ").capitalize()


def record_label(entity_type: str, _: Translate) -> str:
    """What kind of record an audit event is about, in words."""
    return _label(RECORD_TYPES, entity_type, _)


def detail_label(key: str, _: Translate) -> str:
    """What an audit event's detail is, in words."""
    return _label(DETAILS, key, _)


def via_label(via: str, _: Translate) -> str:
    """How a user reached the app (browser or API token), in words."""
    return _label(VIAS, via, _)


def source_label(source: str, _: Translate) -> str:
    """Which reader a value came from, in words."""
    return _label(SOURCES, source, _)
