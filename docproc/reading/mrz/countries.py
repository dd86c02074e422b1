"""Issuing-state and nationality codes valid in an MRZ (ICAO Doc 9303 Part 3, section 5).

The list is ISO 3166-1 alpha-3 plus the codes ICAO adds: Germany's single-letter ``D``, the
British nationality classes, Kosovo, United Nations and other organisations, the stateless /
refugee / unspecified codes and the specimen states ``UTO`` (Utopia) and ``YTO``. Codes are kept
as printed in the MRZ, padded with ``<`` to three characters (``D<<``).

An unknown code is a *warning* for the parser, never a failure: sample cards use codes such as
``COU`` and old documents the two-letter ``SI<``.
"""

from __future__ import annotations

_ISO_ALPHA3_TEXT = """
    ABW AFG AGO AIA ALA ALB AND ARE ARG ARM ASM ATA ATF ATG AUS AUT AZE BDI BEL BEN BES BFA
    BGD BGR BHR BHS BIH BLM BLR BLZ BMU BOL BRA BRB BRN BTN BVT BWA CAF CAN CCK CHE CHL CHN
    CIV CMR COD COG COK COL COM CPV CRI CUB CUW CXR CYM CYP CZE DEU DJI DMA DNK DOM DZA ECU
    EGY ERI ESH ESP EST ETH FIN FJI FLK FRA FRO FSM GAB GBR GEO GGY GHA GIB GIN GLP GMB GNB
    GNQ GRC GRD GRL GTM GUF GUM GUY HKG HMD HND HRV HTI HUN IDN IMN IND IOT IRL IRN IRQ ISL
    ISR ITA JAM JEY JOR JPN KAZ KEN KGZ KHM KIR KNA KOR KWT LAO LBN LBR LBY LCA LIE LKA LSO
    LTU LUX LVA MAC MAF MAR MCO MDA MDG MDV MEX MHL MKD MLI MLT MMR MNE MNG MNP MOZ MRT MSR
    MTQ MUS MWI MYS MYT NAM NCL NER NFK NGA NIC NIU NLD NOR NPL NRU NZL OMN PAK PAN PCN PER
    PHL PLW PNG POL PRI PRK PRT PRY PSE PYF QAT REU ROU RUS RWA SAU SDN SEN SGP SGS SHN SJM
    SLB SLE SLV SMR SOM SPM SRB SSD STP SUR SVK SVN SWE SWZ SXM SYC SYR TCA TCD TGO THA TJK
    TKL TKM TLS TON TTO TUN TUR TUV TWN TZA UGA UKR UMI URY USA UZB VAT VCT VEN VGB VIR VNM
    VUT WLF WSM YEM ZAF ZMB ZWE
"""
ISO_ALPHA3: frozenset[str] = frozenset(_ISO_ALPHA3_TEXT.split())

# Codes ICAO Doc 9303 Part 3 defines beyond ISO 3166-1, and the specimen states.
ICAO_EXTRA: dict[str, str] = {
    "D<<": "Germany",
    "GBD": "British Overseas Territories Citizen",
    "GBN": "British National (Overseas)",
    "GBO": "British Overseas Citizen",
    "GBP": "British Protected Person",
    "GBS": "British Subject",
    "RKS": "Kosovo",
    "UNO": "United Nations Organization",
    "UNA": "United Nations specialized agency",
    "UNK": "Resident of Kosovo (UNMIK)",
    "EUE": "European Union",
    "XBA": "African Development Bank",
    "XIM": "African Export-Import Bank",
    "XCC": "Caribbean Community (CARICOM)",
    "XCE": "Council of Europe",
    "XCO": "Common Market for Eastern and Southern Africa",
    "XEC": "Economic Community of West African States",
    "XES": "Organisation of Eastern Caribbean States",
    "XMP": "Parliamentary Assembly of the Mediterranean",
    "XOM": "Sovereign Military Order of Malta",
    "XDC": "Southern African Development Community",
    "XPO": "INTERPOL",
    "INP": "INTERPOL (as printed on INTERPOL travel documents)",
    "XXA": "Stateless person",
    "XXB": "Refugee (1951 Convention)",
    "XXC": "Refugee (other)",
    "XXX": "Unspecified nationality",
    "UTO": "Utopia (ICAO specimen)",
    "YTO": "Utopia (ICAO 2021 worked examples)",
    "ANT": "Netherlands Antilles (historical)",
    "NTZ": "Neutral Zone (historical)",
}

KNOWN_CODES: frozenset[str] = ISO_ALPHA3 | frozenset(ICAO_EXTRA)


def is_known_code(code: str) -> bool:
    """True for a three-character MRZ code (``<``-padded, e.g. ``D<<``) that ICAO recognises."""
    return code in KNOWN_CODES
