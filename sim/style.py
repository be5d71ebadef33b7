"""How results are shown: human names for the model's identifiers and one colour per actor.

Shared by the figures (:mod:`sim.plots`, :mod:`sim.sweep_plots`) and the HTML report, so that
Japan has the same colour and "Rare-earth licensing" the same name everywhere. Unknown names fall
back to a readable form of the identifier (``jp_chipmaker`` -> "Japanese chipmaker").
"""

from __future__ import annotations

import zlib

COUNTRY_NAMES = {
    "CN": "China",
    "JP": "Japan",
    "US": "United States",
    "KR": "South Korea",
    "ROW": "Rest of world",
}

# Countries: fixed, colour-blind-safe hues (Okabe-Ito), the coercer and its target far apart.
COUNTRY_COLOURS = {
    "CN": "#D55E00",  # vermillion
    "JP": "#0072B2",  # blue
    "US": "#009E73",  # bluish green
    "KR": "#CC79A7",  # reddish purple
    "ROW": "#7F7F7F",  # grey
}

# Firms: named ones get fixed colours, distinct from each other within a country (Toyota and
# Honda must never share a hue); any other firm a stable colour from the same list by name hash.
FIRM_COLOURS = {
    "toyota": "#1F4E99",
    "honda": "#56B4E9",
    "sony": "#6A3D9A",
    "jp_chip_equipment": "#17BECF",
    "jp_photoresist": "#2CA02C",
    "jp_chip_materials": "#98DF8A",
    "jp_chipmaker": "#393B79",
    "cn_ree_processor": "#D62728",
    "cn_chipmaker": "#FF9896",
    "alt_ree_supplier": "#8C564B",
    "kr_chipmaker": "#E377C2",
    "kr_carmaker": "#BCBD22",
    "us_chip_equipment": "#E69F00",
}
_EXTRA = ("#1B9E77", "#D95F02", "#7570B3", "#E7298A", "#66A61E", "#E6AB02", "#A6761D", "#666666")

OUTCOME_NAMES = {
    "no_conflict": "No conflict",
    "threat_succeeded": "Threat succeeded",
    "target_concedes": "Target concedes",
    "coercer_backs_down": "Coercer backs down",
    "negotiated_offramp": "Negotiated off-ramp",
    "mutual_escalation": "Mutual escalation",
    "stalemate": "Stalemate (unresolved)",
}
# Outcome classes: Paul Tol's muted scheme, away from the countries' hues (China's vermillion must
# not read as "the coercer backed down").
OUTCOME_COLOURS = {
    "no_conflict": "#BBBBBB",
    "threat_succeeded": "#882255",
    "target_concedes": "#332288",
    "coercer_backs_down": "#44AA99",
    "negotiated_offramp": "#999933",
    "mutual_escalation": "#AA4499",
    "stalemate": "#777777",
}

PRODUCT_NAMES = {
    "rare_earths": "light rare earths",
    "heavy_rare_earths": "heavy rare earths",
    "ndfeb_magnets": "NdFeB magnets",
    "electronic_components": "electronic components",
    "dual_use_goods": "dual-use goods",
    "mature_chips": "mature-node chips",
    "advanced_chips": "advanced chips",
    "chip_equipment": "chip equipment",
    "photoresist": "photoresist",
    "chip_materials": "chip materials",
}

FIRM_NAMES = {
    "toyota": "Toyota",
    "honda": "Honda",
    "sony": "Sony",
    "jp_other_carmakers": "Other Japanese carmakers",
    "jp_magnet_makers": "Japanese magnet makers",
    "jp_chip_equipment": "Japanese chip-equipment makers",
    "jp_photoresist": "Japanese photoresist makers",
    "jp_chip_materials": "Japanese chip-materials makers",
    "jp_chipmaker": "Japanese chipmaker",
    "cn_ree_processor": "Chinese rare-earth processors",
    "cn_chipmaker": "Chinese chipmaker",
    "alt_ree_supplier": "Non-Chinese rare-earth supplier",
    "kr_chipmaker": "Korean chipmaker",
    "kr_carmaker": "Korean carmaker",
    "us_chip_equipment": "US chip-equipment makers",
}

# Moves (event actions): the scenarios' measure labels and the rules' declaratory moves.
MOVE_NAMES = {
    "dual_use_ban": "Dual-use export ban",
    "dual_use_enforced": "Dual-use ban, enforced",
    "dual_use_strict": "Dual-use ban, strict",
    "align_with_patron": "Aligns with its patron",
    "stay_out": "Stays out",
    "request_alignment": "Asks ally to align",
    "antidumping": "Anti-dumping duty",
    "antidumping_duty": "Anti-dumping duty",
    "ree_licensing": "Rare-earth licensing",
    "ree_licensing_kr": "Rare-earth licensing (Korea)",
    "ree_ban": "Rare-earth export ban",
    "informal_hold": "Informal hold",
    "export_quota": "Export quota",
    "photoresist_controls": "Photoresist controls",
    "chip_controls_kr": "Chip controls (Korea)",
    "chip_materials_licensing": "Chip-materials licensing",
    "equipment_controls": "Chip-equipment controls",
    "face_saving_gesture": "Face-saving gesture",
    "wait_out": "Waits it out",
    "seek_support": "Asks ally for support",
    "support_ally": "Backs its ally",
    "stay_quiet": "Stays quiet",
    "protest": "Protest",
    "wto_complaint": "WTO complaint",
    "lobby_settle": "Lobbies to settle",
    "lobby_hard_line": "Lobbies for a hard line",
    "accept_concession": "Accepts concession",
    "hold": "Holds",
    "hold_rungs": "Holds its rungs",
    "quiet": "Stops lobbying",
    "back_down": "Backs down",
    "lift_retaliation": "Lifts its retaliation",
    "offramp": "Takes the off-ramp",
    "retract": "Retracts",
}

VARIABLES = {
    # variable: (human name, unit on an axis)
    "price_multiple": ("Price", "multiple of baseline price"),
    "output_index": ("Output", "share of baseline output"),
    "days_of_cover": ("Stocks", "days of cover"),
    "gdp_loss_pct_cum": ("GDP-loss proxy", "cumulative, % of a year's GDP"),
    "import_share": ("Import share", "share of imports"),
    "lobbying_pressure": ("Lobbying pressure", "index"),
    "measures_in_force": ("Measures in force", "count"),
    "profit": ("Profit", "USD per day"),
    "shipments": ("Shipments", "units per day"),
    "background_capacity": ("Background capacity", "units per day"),
}

_WORDS = {"ree": "rare-earth", "jp": "Japanese", "cn": "Chinese", "kr": "Korean", "us": "US", "wto": "WTO", "row": "rest of world"}


def _fallback(name: str) -> str:
    words = [_WORDS.get(w, w) for w in str(name).split("_") if w]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def country_name(code: str) -> str:
    return COUNTRY_NAMES.get(code, code)


def firm_name(firm: str) -> str:
    return FIRM_NAMES.get(firm, _fallback(firm))


def product_name(product: str) -> str:
    return PRODUCT_NAMES.get(product, _fallback(product).lower())


def outcome_name(outcome: str) -> str:
    return OUTCOME_NAMES.get(outcome, _fallback(outcome))


def move_name(action: str) -> str:
    """A move's human name; ``lift_X`` reads "Lifts <X>"."""
    if action in MOVE_NAMES:
        return MOVE_NAMES[action]
    for prefix, verb in (("lift_", "Lifts"), ("threaten_", "Threat:"), ("drop_", "Drops threat:"),
                         ("extend_", "Extends deadline:"), ("decline_", "Declines"), ("end_", "Ends")):
        if action.startswith(prefix):
            inner = move_name(action.removeprefix(prefix))
            return f"{verb} {inner[:1].lower()}{inner[1:]}"
    if action.startswith("reward_"):
        return f"Rewards {actor_name(action.removeprefix('reward_'))}"
    if action.startswith("invest_"):
        return "Invests in new supply"
    return _fallback(action)


def actor_name(actor: str) -> str:
    """A country's or a firm's human name."""
    return COUNTRY_NAMES.get(actor) or firm_name(actor)


def path_step(step: str) -> str:
    """``CN:ree_ban`` -> "China: Rare-earth export ban"."""
    actor, _, action = step.partition(":")
    return f"{actor_name(actor)}: {move_name(action)}" if action else move_name(actor)


def parameter_name(key: str) -> str:
    """A scenario key path (as ``--set`` takes it) in words: the last field, with its owner.

    ``governments.JP.rules[0].params.concession_cost_pct`` -> "Japan: concession cost (%)"."""
    parts = key.replace("]", "").replace("[", ".").split(".")
    field = parts[-1]
    unit = " (%)" if field.endswith("_pct") else " (days)" if field.endswith("_days") else ""
    base = _fallback(field.removesuffix("_pct").removesuffix("_days"))  # "Patience", "US alliance value"
    owner = next((country_name(p) for p in parts if p in COUNTRY_NAMES), None)
    if owner is None:
        owner = next((firm_name(p) for p in parts if p in FIRM_NAMES), None)
    if owner and not base[:2].isupper():  # keep acronyms (US, WTO) as they are
        base = base[:1].lower() + base[1:]
    return f"{owner}: {base}{unit}" if owner else base + unit


def actor_colour(actor: str) -> str:
    """One colour per country or firm, the same in every figure."""
    if actor in COUNTRY_COLOURS:
        return COUNTRY_COLOURS[actor]
    if actor in FIRM_COLOURS:
        return FIRM_COLOURS[actor]
    return _EXTRA[zlib.crc32(actor.encode()) % len(_EXTRA)]


def outcome_colour(outcome: str) -> str:
    return OUTCOME_COLOURS.get(outcome, _EXTRA[zlib.crc32(outcome.encode()) % len(_EXTRA)])
