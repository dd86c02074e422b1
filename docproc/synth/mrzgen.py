"""Random but realistic MRZ text (ICAO Doc 9303 Parts 4-7) with ground-truth fields.

Every document is drawn from a :class:`random.Random`, so the same seed gives the same text.
Check digits use :func:`docproc.reading.mrz.checkdigit.check_digit`; composite ranges follow ICAO:

* TD1: upper line 6-30, middle line 1-7, 9-15, 19-29
* TD2: lower line 1-10, 14-20, 22-35
* TD3: lower line 1-10, 14-20, 22-43
* MRV-A / MRV-B: no composite check digit
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from docproc.reading.mrz.checkdigit import check_digit
from docproc.reading.mrz.model import LINE_SHAPE, MRZType
from docproc.synth.names import AUTHORITIES, Person, random_person

MRZ_CHARSET = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<")
CONFUSABLE_LETTERS = "OISB"
CONFUSABLE_DIGITS = "0158"
# Reference "today" so that generated documents do not depend on the clock.
REFERENCE_DATE = date(2026, 1, 1)

ALL_TYPES: tuple[MRZType, ...] = (
    MRZType.TD1,
    MRZType.TD2,
    MRZType.TD3,
    MRZType.MRVA,
    MRZType.MRVB,
)
REGULAR_STATES = ("BGD", "MMR", "AFG", "CHN", "IDN", "PAK", "IRN", "IRQ", "SOM", "LKA")
STATELESS = ("XXA", "XXB", "XXC")


@dataclass(frozen=True)
class SynthDoc:
    """One generated document: its MRZ lines and the truth behind them.

    ``fields`` holds strings only. ``surname``/``given_names`` are what the MRZ encodes
    (``<`` read as a space, possibly truncated); ``full_surname``/``full_given_names`` are the
    names printed in the visual zone. Dates are ISO ``YYYY-MM-DD``. ``sex`` is M, F or X.
    ``optional_data`` keeps inner ``<`` and drops trailing fillers.
    """

    type: MRZType
    document_code: str
    mrz: tuple[str, ...]
    fields: dict[str, str]
    name_truncated: bool
    name_pool: str


def _pad(text: str, width: int) -> str:
    if len(text) > width:
        raise ValueError(f"{text!r} longer than {width}")
    return text + "<" * (width - len(text))


def mrz_text(text: str) -> str:
    """Transliterate visual-zone text to MRZ characters (ICAO: '-' and ' ' become '<')."""
    out: list[str] = []
    for ch in text.upper():
        if ch in MRZ_CHARSET and ch != "<":
            out.append(ch)
        elif ch in " -,":
            out.append("<")
        # apostrophes, dots and other punctuation are dropped
    return "".join(out)


def mrz_name(surname: str, given_names: str, width: int) -> tuple[str, bool]:
    """The name field: ``SURNAME<<GIVEN<NAMES`` padded/truncated to ``width``.

    Mononyms follow the issuer's convention: an empty surname gives ``<<NAME``, an empty
    given name gives ``NAME<<<``. Returns the field and whether it was truncated.
    """
    s = mrz_text(surname).strip("<")
    g = mrz_text(given_names).strip("<")
    full = s if not g else f"{s}<<{g}"
    if len(full) <= width:
        return _pad(full, width), False
    cut = full[:width]
    # ICAO 9303-3 4.6: a truncated name ends in an alphabetic character.
    while cut.endswith("<"):
        cut = cut[:-1]
    return _pad(cut, width), True


def decode_name(field: str) -> tuple[str, str]:
    """Split a name field back into (surname, given names) with spaces, as a reader would."""
    body = field.rstrip("<")
    if "<<" in body:
        s, g = body.split("<<", 1)
    else:
        s, g = body, ""
    return s.replace("<", " ").strip(), g.replace("<", " ").strip()


def yymmdd(d: date) -> str:
    return d.strftime("%y%m%d")


def _country_field(code: str) -> str:
    return _pad(code, 3)


def random_document_number(rng: random.Random, issuer: str) -> str:
    """8-9 alphanumeric characters, deliberately rich in O/0, I/1, S/5, B/8."""
    digits = "0123456789" + CONFUSABLE_DIGITS * 2
    letters = "ABCDEFGHJKLMNPRTUVWXYZ" + CONFUSABLE_LETTERS * 3
    style = rng.random()
    if issuer == "BGD":
        num = rng.choice("ABE") + rng.choice("0O") + "".join(rng.choice(digits) for _ in range(7))
    elif issuer == "IDN":
        num = rng.choice("ABCXES") + "".join(rng.choice(digits) for _ in range(7))
    elif issuer == "CHN":
        num = (
            "E"
            + rng.choice(["", rng.choice(letters)])
            + "".join(rng.choice(digits) for _ in range(7))
        )
        num = num.ljust(9, rng.choice(digits))
    elif issuer == "MMR":
        num = "M" + rng.choice("ABCS") + "".join(rng.choice(digits) for _ in range(6))
    elif style < 0.4:
        num = "".join(rng.choice(letters) for _ in range(rng.choice((1, 2)))) + "".join(
            rng.choice(digits) for _ in range(7)
        )
    else:
        # fully mixed: the hardest kind for a reader, e.g. L898902C3 or 0S1B5I80
        num = "".join(
            rng.choice(letters) if rng.random() < 0.4 else rng.choice(digits)
            for _ in range(rng.choice((8, 9, 9)))
        )
    return num[:9]


def random_optional(rng: random.Random, width: int) -> str:
    """Optional/personal data: usually empty, sometimes digits, sometimes with an inner '<'."""
    r = rng.random()
    if r < 0.45 or width == 0:
        return ""
    n = rng.randint(max(1, width // 2), width)
    digits = "0123456789"
    if r < 0.75:
        text = "".join(rng.choice(digits) for _ in range(n))
    elif r < 0.9 and n >= 5:
        cut = rng.randint(2, n - 2)
        left = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(min(cut, 3)))
        left += "".join(rng.choice(digits) for _ in range(cut - len(left)))
        right = "".join(rng.choice(digits + "OISB") for _ in range(n - cut - 1))
        text = f"{left}<{right}"
    else:
        text = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(n))
    return text[:width]


def _dates(rng: random.Random, child_ok: bool = True) -> tuple[date, date, date]:
    """(birth, issue, expiry): issue within the last ~10 years, sometimes already expired."""
    issue = REFERENCE_DATE - timedelta(days=rng.randint(20, 365 * 10))
    age_years = rng.randint(0 if child_ok else 16, 78)
    birth = issue - timedelta(days=age_years * 365 + rng.randint(0, 364))
    years = 5 if age_years < 17 or rng.random() < 0.5 else 10
    try:
        expiry = issue.replace(year=issue.year + years) - timedelta(days=1)
    except ValueError:  # 29 February
        expiry = issue.replace(year=issue.year + years, day=28)
    return birth, issue, expiry


def _visa_dates(rng: random.Random) -> tuple[date, date, date]:
    birth, _, _ = _dates(rng, child_ok=True)
    issue = REFERENCE_DATE - timedelta(days=rng.randint(1, 700))
    expiry = issue + timedelta(days=rng.choice((30, 60, 90, 180, 365, 730)))
    return birth, issue, expiry


def _sex(rng: random.Random, person: Person) -> str:
    """The holder's sex; ~4 % of documents leave it unspecified ('<')."""
    return "<" if rng.random() < 0.04 else person.sex


def _pick_parties(rng: random.Random, t: MRZType) -> tuple[str, str, str]:
    """(document_code, issuing_state, nationality)."""
    if t is MRZType.TD3:
        code = rng.choices(["P<", "PA", "PT", "PD", "PO", "PS"], weights=[70, 5, 10, 5, 5, 5])[0]
        if code == "PT" or rng.random() < 0.12:
            # refugee / stateless travel documents issued by a host state
            issuer = rng.choice(["D", "UTO", "IDN", "IRN", "PAK"])
            nat = rng.choice(STATELESS)
        else:
            issuer = rng.choice((*REGULAR_STATES, "BGD", "MMR", "AFG", "D", "UTO"))
            nat = issuer
        return code, issuer, nat
    if t is MRZType.TD1:
        code = rng.choices(["I<", "ID", "IR", "AC", "IP"], weights=[45, 20, 20, 10, 5])[0]
        issuer = rng.choice(["IDN", "IDN", "UTO", "D", "CHN", "MMR", "BGD", "LKA"])
        nat = rng.choice((*REGULAR_STATES, *STATELESS)) if code == "IR" else issuer
        return code, issuer, nat
    if t is MRZType.TD2:
        code = rng.choices(["I<", "ID", "IR", "AC"], weights=[50, 20, 20, 10])[0]
        issuer = rng.choice(["IDN", "UTO", "D", "AFG", "LKA", "PAK"])
        nat = rng.choice((*REGULAR_STATES, *STATELESS)) if code == "IR" else issuer
        return code, issuer, nat
    code = rng.choices(["V<", "VI", "VT"], weights=[85, 8, 7])[0]
    issuer = rng.choice(["IDN", "IDN", "D", "UTO", "CHN", "LKA"])
    nat = rng.choice((*REGULAR_STATES, *STATELESS))
    if nat == issuer:
        nat = "BGD" if issuer != "BGD" else "MMR"
    return code, issuer, nat


def composite(*parts: str) -> str:
    return check_digit("".join(parts))


def random_document(rng: random.Random, t: MRZType) -> SynthDoc:
    """One document of type ``t`` with valid check digits."""
    code, issuer, nat = _pick_parties(rng, t)
    person: Person = random_person(rng, nat)
    visa = t in (MRZType.MRVA, MRZType.MRVB)
    birth, issue, expiry = _visa_dates(rng) if visa else _dates(rng)
    sex = _sex(rng, person)
    docnum = random_document_number(rng, issuer)
    dn = _pad(docnum, 9)
    dn_cd = check_digit(dn)
    b, b_cd = yymmdd(birth), check_digit(yymmdd(birth))
    e, e_cd = yymmdd(expiry), check_digit(yymmdd(expiry))
    iss, natf = _country_field(issuer), _country_field(nat)
    width = LINE_SHAPE[t][1]
    opt2 = ""
    lines: tuple[str, ...]

    if t is MRZType.TD3:
        name, trunc = mrz_name(person.surname, person.given_names, 39)
        opt = random_optional(rng, 14)
        optf = _pad(opt, 14)
        # ICAO: an all-filler personal number may carry '<' or '0' as its check digit
        opt_cd = check_digit(optf) if opt else rng.choice(["<", "0"])
        body = dn + dn_cd + natf + b + b_cd + sex + e + e_cd + optf + opt_cd
        comp = composite(dn + dn_cd, b + b_cd, e + e_cd + optf + opt_cd)
        lines = (code + iss + name, body + comp)
    elif t is MRZType.TD1:
        name, trunc = mrz_name(person.surname, person.given_names, 30)
        opt = random_optional(rng, 15)
        opt2 = random_optional(rng, 11) if rng.random() < 0.4 else ""
        upper = code + iss + dn + dn_cd + _pad(opt, 15)
        middle_wo = b + b_cd + sex + e + e_cd + natf + _pad(opt2, 11)
        comp = composite(upper[5:30], middle_wo[0:7], middle_wo[8:15], middle_wo[18:29])
        lines = (upper, middle_wo + comp, name)
    elif t is MRZType.TD2:
        name, trunc = mrz_name(person.surname, person.given_names, 31)
        opt = random_optional(rng, 7)
        lower_wo = dn + dn_cd + natf + b + b_cd + sex + e + e_cd + _pad(opt, 7)
        comp = composite(lower_wo[0:10], lower_wo[13:20], lower_wo[21:35])
        lines = (code + iss + name, lower_wo + comp)
    else:
        opt_w = 16 if t is MRZType.MRVA else 8
        name, trunc = mrz_name(person.surname, person.given_names, width - 5)
        opt = random_optional(rng, opt_w)
        lines = (
            code + iss + name,
            dn + dn_cd + natf + b + b_cd + sex + e + e_cd + _pad(opt, opt_w),
        )

    surname, given = decode_name(name)
    authority = rng.choice(AUTHORITIES.get(issuer, (f"{issuer} AUTHORITY",)))
    fields = {
        "document_code": code.rstrip("<") or code[0],
        "surname": surname,
        "given_names": given,
        "full_surname": person.surname,
        "full_given_names": person.given_names,
        "document_number": docnum,
        "nationality": nat,
        "issuing_country": issuer,
        "birth_date": birth.isoformat(),
        "sex": "X" if sex == "<" else sex,
        "expiry_date": expiry.isoformat(),
        "optional_data": opt,
        "optional_data_2": opt2,
        "place_of_birth": person.place_of_birth,
        "issue_date": issue.isoformat(),
        "issuing_authority": authority,
    }
    doc = SynthDoc(
        type=t,
        document_code=code,
        mrz=lines,
        fields=fields,
        name_truncated=trunc,
        name_pool=person.pool,
    )
    _assert_shape(doc)
    return doc


def _assert_shape(doc: SynthDoc) -> None:
    n_lines, width = LINE_SHAPE[doc.type]
    if len(doc.mrz) != n_lines or any(len(line) != width for line in doc.mrz):
        raise AssertionError(f"bad MRZ shape for {doc.type}: {doc.mrz}")
    if any(ch not in MRZ_CHARSET for line in doc.mrz for ch in line):
        raise AssertionError(f"bad MRZ character in {doc.mrz}")


def generate_documents(
    count: int, seed: int, types: tuple[MRZType, ...] | list[MRZType] | None = None
) -> list[SynthDoc]:
    """``count`` documents cycling through ``types``; document i depends only on (seed, i)."""
    ts = tuple(types) if types else ALL_TYPES
    return [random_document(random.Random(f"{seed}:{i}"), ts[i % len(ts)]) for i in range(count)]
