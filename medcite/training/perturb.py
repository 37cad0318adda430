"""FactCC-style claim generators (Kryściński et al. 2020): each makes one labelled change.

Supported rewrites keep the meaning of a premise sentence; unsupported ones change a
number, flip a negation, swap an entity, drop a qualifier, add a foreign clause, or use a
sentence from elsewhere. Every generator returns None when it does not apply, so the data
builder can try another.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from medcite.vocabulary import ABBREVIATIONS, BRAND_TO_GENERIC, ENTITY_CLASSES

SUPPORTED_KINDS = (
    "verbatim",
    "clause",
    "synonym_swap",
    "number_format",
    "merge",
    "lead_in",
    "reword",
    "reorder",
    "compress",
    "passive",
    "paraphrase_chain",
    "subject_front",
)
UNSUPPORTED_KINDS = (
    "number_change",
    "negation",
    "entity_swap",
    "entity_role_swap",
    "qualifier_drop",
    "added_clause",
    "other_sentence",
)


@dataclass
class Context:
    """What a generator may look at besides the sentence itself."""

    premise: str
    neighbours: Sequence[str] = ()  # other sentences of the same premise, in order
    foreign: Sequence[str] = ()  # sentences from other passages or documents
    extra_terms: dict[str, list[str]] = field(default_factory=dict)


Generator = Callable[[str, random.Random, Context], "str | None"]

_NUMBER = re.compile(r"(?<![\w.,/])(\d+(?:\.\d+)?)(?![\w.]*\d)")
_SMALL = {
    1: "one",
    2: "two",
    3: "three",
    4: "four",
    5: "five",
    6: "six",
    7: "seven",
    8: "eight",
    9: "nine",
    10: "ten",
    11: "eleven",
    12: "twelve",
    15: "fifteen",
    20: "twenty",
}
_SMALL_WORDS = {v: k for k, v in _SMALL.items()}
_UNIT_AFTER = r"(?:years?|months?|weeks?|days?|hours?|times|doses?|drugs?|visits?)"
_INTERVALS = {
    "every year": "annually",
    "every 2 years": "biennially",
    "every 3 years": "triennially",
    "every month": "monthly",
    "every week": "weekly",
    "every day": "daily",
    "once a day": "daily",
}
_LEAD_INS = (
    "The guideline states that ",
    "According to the guideline, ",
    "The guidance notes that ",
    "It is stated that ",
)


def _lower_first(text: str) -> str:
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def _word_re(term: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){re.escape(term)}(?![\w-])", re.IGNORECASE)


def _strip_end(sentence: str) -> str:
    return sentence.rstrip().rstrip(".;:").rstrip()


# --- supported -------------------------------------------------------------------------
def verbatim(sentence: str, rng: random.Random, ctx: Context) -> str | None:
    return sentence


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


_CHAIN_STEPS: tuple[Generator, ...] = (
    compress,
    reword,
    reorder,
    passive,
    subject_front,
    number_format,
    synonym_swap,
)


def paraphrase_chain(sentence: str, rng: random.Random, ctx: Context) -> str | None:
    """Two or three meaning-keeping rewrites in a row, so a claim drifts as far from the
    premise's wording as an LLM's paraphrase does while saying the same thing."""
    steps = list(_CHAIN_STEPS)
    rng.shuffle(steps)
    out, applied = sentence, 0
    for step in steps:
        nxt = step(out, rng, ctx)
        if nxt and nxt != out:
            out, applied = nxt, applied + 1
        if applied == 3:
            break
    return out if applied >= 2 else None


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


# --- unsupported -----------------------------------------------------------------------
def _other_number(value: str, rng: random.Random, premise: str) -> str | None:
    is_float = "." in value
    x = float(value)
    if is_float:
        pool = [x * 2, x + 0.5, max(x - 0.5, 0.1), x * 3]
    else:
        n = int(x)
        if 1900 <= n <= 2100:
            pool = [float(n + d) for d in (-6, -4, -2, 2, 4)]
        else:
            pool = [float(v) for v in {n * 2, n + 1, n + 5, n * 3, max(n // 2, 1), n + 10} if v != n]
    rng.shuffle(pool)
    for v in pool:
        text = f"{v:g}" if is_float else str(int(v))
        if text != value and not re.search(rf"(?<![\d.]){re.escape(text)}(?![\d])", premise):
            return text
    return None


def number_change(sentence: str, rng: random.Random, ctx: Context) -> str | None:
    """A dose, interval, age, threshold, percentage or year changed to a value not in the premise."""
    matches = [m for m in _NUMBER.finditer(sentence) if sentence[max(0, m.start() - 1)] != "("]
    if not matches:
        return None
    m = rng.choice(matches)
    new = _other_number(m.group(1), rng, ctx.premise)
    if new is None:
        return None
    return sentence[: m.start(1)] + new + sentence[m.end(1) :]


_NEGATION_REMOVALS = [
    (r"\brecommends against\b", "recommends"),
    (r"\bis not recommended\b", "is recommended"),
    (r"\bare not recommended\b", "are recommended"),
    (r"\bshould not\b", "should"),
    (r"\bdoes not\b", "does"),
    (r"\bdo not\b", "do"),
    (r"\bis not\b", "is"),
    (r"\bare not\b", "are"),
    (r"\bcannot\b", "can"),
    (r"\bwas not\b", "was"),
    (r"\bwere not\b", "were"),
    (r"\bnot\s", ""),
]
_NEGATION_INSERTIONS = [
    (r"\brecommends\b", "recommends against"),
    (r"\bis recommended\b", "is not recommended"),
    (r"\bare recommended\b", "are not recommended"),
    (r"\bshould\b", "should not"),
    (r"\bis\b", "is not"),
    (r"\bare\b", "are not"),
    (r"\bcan\b", "cannot"),
    (r"\bmay\b", "may not"),
    (r"\bwas\b", "was not"),
    (r"\bwere\b", "were not"),
    (r"\bwill\b", "will not"),
    (r"\bincreases\b", "does not increase"),
    (r"\breduces\b", "does not reduce"),
    (r"\bimproves\b", "does not improve"),
]


def negation(sentence: str, rng: random.Random, ctx: Context) -> str | None:
    """Remove a negation if there is one, else insert one (recommends <-> recommends against)."""
    for pattern, replacement in _NEGATION_REMOVALS:
        if re.search(pattern, sentence):
            return re.sub(pattern, replacement, sentence, count=1)
    for pattern, replacement in _NEGATION_INSERTIONS:
        if re.search(pattern, sentence):
            return re.sub(pattern, replacement, sentence, count=1)
    return None


def entity_swap(sentence: str, rng: random.Random, ctx: Context) -> str | None:
    """A drug, test, condition or population replaced by another of its class absent from the premise."""
    found: list[tuple[str, str]] = []
    for cls, terms in ENTITY_CLASSES.items():
        for term in terms:
            match = _word_re(term).search(sentence)
            if match and (cls != "population" or match.group(0).islower()):  # not "Veterans Affairs"
                found.append((cls, term))
    if not found:
        return None
    cls, term = rng.choice(found)
    pool = list(ctx.extra_terms.get(cls, [])) + list(ENTITY_CLASSES[cls])
    rng.shuffle(pool)
    premise_lower = ctx.premise.lower()
    for other in pool:
        if (
            other.lower() != term.lower()
            and other.lower() not in premise_lower
            and term.lower() not in other.lower()
        ):
            return _word_re(term).sub(other, sentence, count=1)
    return None


def _entities_of(text: str) -> list[tuple[str, str, re.Match[str]]]:
    found = []
    for cls, terms in ENTITY_CLASSES.items():
        for term in terms:
            for match in _word_re(term).finditer(text):
                found.append((cls, term, match))
    # keep the longest of overlapping matches ("pregnant women" over "women")
    found.sort(key=lambda f: (f[2].start(), -(f[2].end() - f[2].start())))
    kept: list[tuple[str, str, re.Match[str]]] = []
    for item in found:
        if not kept or item[2].start() >= kept[-1][2].end():
            kept.append(item)
    return kept


# Two names joined only by a list separator are siblings: swapping them says the same thing.
_LIST_GLUE = re.compile(r"^\s*(?:,|and|or|/|, and|, or)?\s*$")


def entity_role_swap(sentence: str, rng: random.Random, ctx: Context) -> str | None:
    """Two entities of one class trade places ("immediate-release instead of extended-release"
    reversed), or one is replaced by a same-class entity named elsewhere in the premise. Both
    keep every name inside the premise, so only reading the sentence can catch them."""
    found = _entities_of(sentence)
    options: list[str] = []
    for i, (cls, term_a, a) in enumerate(found):
        for cls_b, term_b, b in found[i + 1 :]:
            between = sentence[a.end() : b.start()]
            repeated = any(len(_word_re(t).findall(sentence)) > 1 for t in (term_a, term_b))
            if (
                cls_b == cls
                and term_a.lower() != term_b.lower()
                and not repeated
                and not _LIST_GLUE.match(between)
            ):
                options.append(
                    sentence[: a.start()]
                    + term_b
                    + sentence[a.end() : b.start()]
                    + term_a
                    + sentence[b.end() :]
                )
    in_sentence = {t.lower() for _, t, _ in found}
    elsewhere = [(cls, t) for cls, t, _ in _entities_of(ctx.premise) if t.lower() not in in_sentence]
    for cls, term, match in found:
        for cls_b, other in elsewhere:
            if cls_b == cls and term.lower() not in other.lower() and other.lower() not in term.lower():
                options.append(sentence[: match.start()] + other + sentence[match.end() :])
    options = [o[0].upper() + o[1:] for o in options]
    options = [o for o in options if o != sentence and o not in ctx.premise]
    return rng.choice(options) if options else None


_OVERGENERALISE = [
    (r"\bmay\b", "will"),
    (r"\bmight\b", "will"),
    (r"\bsome\b", "all"),
    (r"\bmost\b", "all"),
    (r"\bselected\b", "all"),
    (r"\boften\b", "always"),
    (r"\busually\b", "always"),
    (r"\bgenerally\b", "always"),
    (r"\bcan be\b", "must be"),
    (r"\bconsider\b", "always use"),
    (r"\bselectively\b", "routinely"),
    (r"\bin some cases\b", "in all cases"),
]
_RESTRICTIONS = [
    r",? aged \d+(?: to \d+)? years(?: or older| and older| or younger)?",
    r",? (?:who|that) (?:have|has|are|is) [^,.;]+(?=[,.;])",
    r" with (?:a |an )?(?:history of |established |confirmed |known )[^,.;]+(?=[,.;])",
    r" at (?:high|increased) risk(?: for| of)? [^,.;]+(?=[,.;])",
]


def qualifier_drop(sentence: str, rng: random.Random, ctx: Context) -> str | None:
    """A hedge or a restriction dropped so the claim over-generalises (may -> will, aged 50-75 -> all)."""
    options: list[str] = []
    for pattern in _RESTRICTIONS:
        m = re.search(pattern, sentence)
        if m and len(sentence[: m.start()].split()) >= 3:
            options.append(sentence[: m.start()] + sentence[m.end() :])
    for pattern, replacement in _OVERGENERALISE:
        if re.search(pattern, sentence):
            options.append(re.sub(pattern, replacement, sentence, count=1))
    options = [o for o in options if o != sentence]
    return rng.choice(options) if options else None


def added_clause(sentence: str, rng: random.Random, ctx: Context) -> str | None:
    """The sentence plus a clause taken from another passage."""
    foreign = [
        f for f in ctx.foreign if 5 <= len(f.split()) <= 30 and f.lower()[:40] not in ctx.premise.lower()
    ]
    if not foreign:
        return None
    extra = _strip_end(rng.choice(foreign))
    return f"{_strip_end(sentence)}, and {_lower_first(extra)}."


def other_sentence(sentence: str, rng: random.Random, ctx: Context) -> str | None:
    """A sentence from another section or document that the premise does not contain."""
    foreign = [f for f in ctx.foreign if 6 <= len(f.split()) <= 60 and f not in ctx.premise]
    return rng.choice(foreign) if foreign else None


GENERATORS: dict[str, Generator] = {
    "verbatim": verbatim,
    "clause": clause,
    "synonym_swap": synonym_swap,
    "number_format": number_format,
    "merge": merge,
    "lead_in": lead_in,
    "reword": reword,
    "reorder": reorder,
    "compress": compress,
    "passive": passive,
    "paraphrase_chain": paraphrase_chain,
    "subject_front": subject_front,
    "number_change": number_change,
    "negation": negation,
    "entity_swap": entity_swap,
    "entity_role_swap": entity_role_swap,
    "qualifier_drop": qualifier_drop,
    "added_clause": added_clause,
    "other_sentence": other_sentence,
}


def label_of(kind: str) -> int:
    """1 = supported, 0 = unsupported."""
    return 1 if kind in SUPPORTED_KINDS else 0
