"""Meaning-keeping claim rewrites (label: supported)."""

from __future__ import annotations

import random
import re

from medcite.retrieval.vocabulary import ABBREVIATIONS, BRAND_TO_GENERIC
from medcite.training.perturb.base import (
    _INTERVALS,
    _LEAD_INS,
    _SMALL,
    _SMALL_WORDS,
    _UNIT_AFTER,
    PERTURBATIONS,
    Context,
    _lower_first,
    _strip_end,
    _word_re,
    perturbation,
)


# --- supported -------------------------------------------------------------------------
@perturbation("verbatim", supported=True)
def verbatim(sentence: str, rng: random.Random, ctx: Context) -> str | None:
    return sentence


@perturbation("clause", supported=True)
def clause(sentence: str, rng: random.Random, ctx: Context) -> str | None:
    """The main clause before '; ', ', but ', ', which ' or ', although ' when it stands alone.

    ', and ' is not a split point: it usually ends a list, and cutting a list changes the claim.
    """
    match = re.search(r"; |, but |, which |, although |, whereas ", sentence)
    if not match:
        return None
    head = sentence[: match.start()].strip()
    if len(head.split()) < 6 or re.search(r"^(if|when|although|because|while|unless)\b", head, re.I):
        return None
    return head + "."


@perturbation("synonym_swap", supported=True)
def synonym_swap(sentence: str, rng: random.Random, ctx: Context) -> str | None:
    """Brand <-> generic drug name, or an abbreviation spelled out."""
    options: list[tuple[re.Pattern[str], str]] = []
    for brand, generic in BRAND_TO_GENERIC.items():
        if " and " in generic:
            continue
        options.append((_word_re(generic), brand.capitalize()))
        options.append((_word_re(brand), generic))
    for abbr, full in ABBREVIATIONS.items():
        if len(abbr) >= 3 and abbr not in {"who", "ace", "fit"}:
            options.append((re.compile(rf"(?<![\w-]){re.escape(abbr.upper())}(?![\w-])"), full))
    rng.shuffle(options)
    for pattern, replacement in options:
        if pattern.search(sentence):
            return pattern.sub(replacement, sentence, count=1)
    return None


@perturbation("number_format", supported=True)
def number_format(sentence: str, rng: random.Random, ctx: Context) -> str | None:
    """Same quantity, other spelling: 10% <-> 10 percent, 3 years <-> three years, every year <-> annually."""
    candidates: list[str] = []
    pct = re.search(r"(\d+(?:\.\d+)?)\s?%", sentence)
    if pct:
        candidates.append(sentence[: pct.start()] + f"{pct.group(1)} percent" + sentence[pct.end() :])
    pct_word = re.search(r"(\d+(?:\.\d+)?) percent\b", sentence)
    if pct_word:
        candidates.append(sentence[: pct_word.start()] + f"{pct_word.group(1)}%" + sentence[pct_word.end() :])
    for small in re.finditer(rf"(?<![\w.,])(\d+) ({_UNIT_AFTER})\b", sentence):
        if int(small.group(1)) in _SMALL:
            word = _SMALL[int(small.group(1))]
            candidates.append(
                sentence[: small.start()] + f"{word} {small.group(2)}" + sentence[small.end() :]
            )
            break
    spelled = re.search(rf"\b({'|'.join(_SMALL_WORDS)}) ({_UNIT_AFTER})\b", sentence, re.I)
    if spelled:
        digit = _SMALL_WORDS[spelled.group(1).lower()]
        candidates.append(
            sentence[: spelled.start()] + f"{digit} {spelled.group(2)}" + sentence[spelled.end() :]
        )
    for phrase, adverb in _INTERVALS.items():
        if re.search(rf"\b{phrase}\b", sentence, re.I):
            candidates.append(re.sub(rf"\b{phrase}\b", adverb, sentence, count=1, flags=re.I))
        elif re.search(rf"\b{adverb}\b", sentence):
            candidates.append(re.sub(rf"\b{adverb}\b", phrase, sentence, count=1))
    return rng.choice(candidates) if candidates else None


@perturbation("merge", supported=True)
def merge(sentence: str, rng: random.Random, ctx: Context) -> str | None:
    """Two consecutive premise sentences joined into one."""
    neighbours = list(ctx.neighbours)
    if sentence not in neighbours:
        return None
    i = neighbours.index(sentence)
    if i + 1 >= len(neighbours):
        return None
    nxt = neighbours[i + 1]
    if len((sentence + nxt).split()) > 70:
        return None
    joiner = rng.choice(["; ", ", and "])
    return _strip_end(sentence) + joiner + _lower_first(nxt)


@perturbation("lead_in", supported=True)
def lead_in(sentence: str, rng: random.Random, ctx: Context) -> str | None:
    return rng.choice(_LEAD_INS) + _lower_first(sentence)


# Plain-language rewordings an LLM paraphrase typically makes; each keeps the meaning.
_REWORDINGS = [
    (r"\brecommends that\b", "advises that"),
    (r"\brecommends\b", "advises"),
    (r"\bsuggests\b", "proposes"),
    (r"\bshould be\b", "ought to be"),
    (r"\bclinicians\b", "providers"),
    (r"\bphysicians\b", "doctors"),
    (r"\bpersons\b", "people"),
    (r"\bindividuals\b", "people"),
    (r"\bprior to\b", "before"),
    (r"\bfollowing\b", "after"),
    (r"\binitiation of\b", "starting"),
    (r"\binitiating\b", "starting"),
    (r"\badminister\b", "give"),
    (r"\badministered\b", "given"),
    (r"\bapproximately\b", "about"),
    (r"\bdemonstrated\b", "showed"),
    (r"\bdemonstrates\b", "shows"),
    (r"\breduces\b", "lowers"),
    (r"\breduce\b", "lower"),
    (r"\bassociated with\b", "linked to"),
    (r"\bin addition\b", "also"),
    (r"\butilize\b", "use"),
    (r"\butilization\b", "use"),
    (r"\bobtain\b", "get"),
    (r"\bassess\b", "evaluate"),
    (r"\bevaluate\b", "assess"),
    (r"\bindicates\b", "means"),
    (r"\bpatients\b", "people"),
    (r"\baged (\d+) to (\d+) years\b", r"between \1 and \2 years old"),
    (r"\bor older\b", "and over"),
    (r"\bis recommended\b", "is advised"),
    (r"\bare recommended\b", "are advised"),
]
_PARENTHETICAL = re.compile(r"\s*\((?:[^()]{1,80})\)")
# The bodies whose recommendations the rewrites restructure ("The USPSTF recommends ...").
_AGENT = (
    r"^(The (?:USPSTF|U\.S\. Preventive Services Task Force|Work Group|guideline panel|panel|CDC|WHO|"
    r"Task Force|Expert Panel))"
)
_LEADING_AGENT = re.compile(_AGENT + r" (recommends|suggests|advises)(?: that)? ")


@perturbation("reword", supported=True)
def reword(sentence: str, rng: random.Random, ctx: Context) -> str | None:
    """Two or more plain-language word substitutions, as a paraphrase would make."""
    options = [(p, r) for p, r in _REWORDINGS if re.search(p, sentence)]
    if len(options) < 1:
        return None
    rng.shuffle(options)
    out = sentence
    for pattern, replacement in options[:3]:
        out = re.sub(pattern, replacement, out, count=1)
    return out if out != sentence else None


@perturbation("reorder", supported=True)
def reorder(sentence: str, rng: random.Random, ctx: Context) -> str | None:
    """Front a trailing 'in/for <population>' phrase, or turn 'X recommends Y' into 'According to X, Y'."""
    body = _strip_end(_PARENTHETICAL.sub("", sentence))
    tail = re.search(
        r",? ((?:in|for|among) (?:adults|children|adolescents|women|men|persons|patients|people|"
        r"pregnant|older|all|sexually|young)[^,;]{3,80})$",
        body,
    )
    if tail and len(body[: tail.start()].split()) >= 4:
        head = body[: tail.start()]
        return f"{tail.group(1)[0].upper()}{tail.group(1)[1:]}, {_lower_first(head)}."
    agent = _LEADING_AGENT.match(sentence)
    if agent:
        rest = sentence[agent.end() :]
        return f"According to {_lower_first(agent.group(1))}, {rest}" if rest else None
    return None


@perturbation("compress", supported=True)
def compress(sentence: str, rng: random.Random, ctx: Context) -> str | None:
    """Parenthetical asides, grades and citations dropped; the claim itself unchanged."""
    out = _PARENTHETICAL.sub("", sentence)
    out = re.sub(r"\s+([.,;:])", r"\1", out).strip()
    if out == sentence or len(out.split()) < 5:
        return None
    return reword(out, rng, ctx) or out if rng.random() < 0.5 else out


# Imperative verb -> past participle, for "Cleanse the vial ..." -> "The vial should be cleansed ...".
_PARTICIPLES = {
    "use": "used",
    "cleanse": "cleansed",
    "clean": "cleaned",
    "treat": "treated",
    "offer": "offered",
    "screen": "screened",
    "provide": "provided",
    "give": "given",
    "avoid": "avoided",
    "prescribe": "prescribed",
    "assess": "assessed",
    "evaluate": "evaluated",
    "test": "tested",
    "obtain": "obtained",
    "discontinue": "discontinued",
    "start": "started",
    "initiate": "initiated",
    "administer": "administered",
    "perform": "performed",
    "counsel": "counseled",
    "refer": "referred",
    "monitor": "monitored",
    "document": "documented",
    "store": "stored",
    "discard": "discarded",
}
_IMPERATIVE = re.compile(
    rf"^({'|'.join(w.capitalize() for w in _PARTICIPLES)}) "
    r"(?!(?:to|for|on|with|in|at|from|about|whether|if|when|that)\b)"  # "Refer to ..." has no object
    r"((?:the |a |an |all )?[^,;]{3,60}?)"
    r"( (?:with|for|in|before|after|at|to|when|if|from|by|on|during|until|every|as)\b.*|[.;]?$)"
)
_AGENT_GERUND = re.compile(_AGENT + r" (recommends|suggests) (\w+ing\b)(.*?)[.]?$")


@perturbation("passive", supported=True)
def passive(sentence: str, rng: random.Random, ctx: Context) -> str | None:
    """Active -> passive voice: 'Cleanse the X with Y' -> 'The X should be cleansed with Y';
    'The USPSTF recommends screening for X' -> 'Screening for X is recommended by the USPSTF'."""
    body = _PARENTHETICAL.sub("", sentence).strip()
    m = _IMPERATIVE.match(body)
    people = r"(?:the |all )?(?:adults|children|patients|persons|people|women|men|adolescents|infants)\b"
    if m and not re.search(r"\b(?:not|never|no)\b", m.group(2)) and not re.match(people, m.group(2)):
        obj = m.group(2).strip()
        rest = _strip_end(m.group(3))
        return f"{obj[0].upper()}{obj[1:]} should be {_PARTICIPLES[m.group(1).lower()]}{rest}."
    m = _AGENT_GERUND.match(body)
    if m:
        verb = "recommended" if m.group(2) == "recommends" else "suggested"
        gerund, rest = m.group(3), _strip_end(m.group(4))
        return f"{gerund.capitalize()}{rest} is {verb} by {_lower_first(m.group(1))}."
    return None


# The rewrites a chain draws from, by kind (subject_front registers after the chain itself).
_CHAIN_STEPS = ("compress", "reword", "reorder", "passive", "subject_front", "number_format", "synonym_swap")


@perturbation("paraphrase_chain", supported=True)
def paraphrase_chain(sentence: str, rng: random.Random, ctx: Context) -> str | None:
    """Two or three meaning-keeping rewrites in a row, so a claim drifts as far from the
    premise's wording as an LLM's paraphrase does while saying the same thing."""
    steps = [PERTURBATIONS[kind].rewrite for kind in _CHAIN_STEPS]  # looked up at call time
    rng.shuffle(steps)
    out, applied = sentence, 0
    for step in steps:
        nxt = step(out, rng, ctx)
        if nxt and nxt != out:
            out, applied = nxt, applied + 1
        if applied == 3:
            break
    return out if applied >= 2 else None


_POPULATION = (
    r"(?:all |the )?(?:adults|children|adolescents|women|men|persons|patients|people|infants|"
    r"pregnant|older|sexually|young|asymptomatic|nonpregnant|postmenopausal|premenopausal)\b"
)
# "The USPSTF recommends (that clinicians screen|screening) for X in <population>"
_SCREEN_FOR = re.compile(
    _AGENT + r" (recommends|suggests) (?:that clinicians screen|screening) for (.{3,120}?) "
    r"(?:in|among) (" + _POPULATION + r"[^;]{0,160}?)"
    r"(?:,? and (?:offer|refer|provide|offering|referring)\b.*)?[.]?$"
)
# "In <population>, treat with X" / "In <population>, the Work Group suggests offering X"
_IN_POPULATION = re.compile(
    r"^(?:In|For) (" + _POPULATION + r"[^,]{0,140}), (?:(the Work Group|the panel) (recommends|suggests) )?"
    r"(\w+) (.{3,160}?)[.]?$"
)
# Only actions whose object can be the patient: "offering X" -> "be offered X".
_GERUND_PARTICIPLE = {"offering": "offered", "providing": "provided", "prescribing": "prescribed"}
# imperative -> (participle, what must follow for the population to be its object)
_PATIENT_ACTIONS = {
    "treat": ("treated", r"(?:with|for)\b"),
    "give": ("given", r""),
    "offer": ("offered", r""),
    "screen": ("screened", r"for\b"),
    "test": ("tested", r"for\b"),
    "monitor": ("monitored", r"for\b"),
    "counsel": ("counseled", r""),
    "refer": ("referred", r"to (?:a|an)\b"),
}


@perturbation("subject_front", supported=True)
def subject_front(sentence: str, rng: random.Random, ctx: Context) -> str | None:
    """The population becomes the subject, as LLM answers put it: 'The USPSTF recommends
    screening for X in adults aged 50 to 75 years' -> 'Adults aged 50 to 75 years should be
    screened for X'; 'In adults with SCA who ..., treat with hydroxyurea' -> 'Adults with SCA
    who ... should be treated with hydroxyurea'. A 'suggests' stays weaker: 'may be'."""
    body = _strip_end(_PARENTHETICAL.sub("", sentence).strip())
    if re.search(r"\b(?:not|never|no|against)\b| - ", body):
        return None  # negations and bullet lists do not survive this rewrite safely
    m = _SCREEN_FOR.match(body)
    if m:
        _agent, verb, condition, population = m.groups()
        modal = "should" if verb == "recommends" else "may"
        population = population.strip()
        return f"{population[0].upper()}{population[1:]} {modal} be screened for {condition}."
    m = _IN_POPULATION.match(body)
    if not m:
        return None
    population, agent, verb, action, rest = m.groups()
    if agent:
        participle = _GERUND_PARTICIPLE.get(action.lower())
        modal = "should" if verb == "recommends" else "may"
    else:
        participle, needs = _PATIENT_ACTIONS.get(action.lower(), (None, ""))
        modal = "should"
        if participle and not re.match(needs, rest):
            participle = None
    if participle is None:
        return None
    return f"{population[0].upper()}{population[1:]} {modal} be {participle} {rest}."


def surface_rewrite(claim: str, rng: random.Random, ctx: Context) -> str | None:
    """One meaning-keeping rewrite of an already perturbed claim, so that 'reworded' is not
    a shortcut the judge can learn for 'supported'."""
    steps = [compress, reword, reorder, passive]
    rng.shuffle(steps)
    for step in steps:
        out = step(claim, rng, ctx)
        if out and out != claim:
            return out
    return None
