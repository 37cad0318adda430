"""Citation rules: parse citation markers out of answer text, clean them and check them.

Used by every generator before an answer leaves the system, and by the eval harness to
score answers from any generator. A language model's reply is untrusted text: it may cite
in any house style, cite passages that do not exist, or claim quotes it never copied, so
everything here is plain, exact string work (no model, no fuzzy matching).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

from medcite.core.types import BOTTOM_LINE, PITFALL, SECTION, Answer, AnswerSentence
from medcite.generation.sentences import split_sentences

# The canonical marker every other style is rewritten to before sentences are split.
_CITATION = re.compile(r"\[(\d+(?:\s*[,;–-]\s*\d+)*)\]")
_LEADING = re.compile(rf"^\s*(?:{_CITATION.pattern}\s*)+")
_EMPTY_SUP = re.compile(r"<sup>\s*</sup>", re.IGNORECASE)  # left by "<sup>[1]</sup>"
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")

MAX_CITATIONS_PER_SENTENCE = 3  # the generation prompt asks for at most three

# --- the citation styles models actually produce ------------------------------------------
_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_TO_ASCII = str.maketrans(
    _SUPERSCRIPTS + "０１２３４５６７８９，；˒⁻–—‐‑−",
    "0123456789" + "0123456789" + ",;,------",
)
_PREFIX = r"(?:(?:references?|refs?|sources?|passages?|documents?|docs?|citations?)[.:]?\s*)"
_NUM = r"[0-9０-９]+"
_DASH = r"[-–—‐‑−]"
_ITEM = rf"{_PREFIX}?{_NUM}(?:\s*{_DASH}\s*{_PREFIX}?{_NUM})?"
_LIST = rf"{_ITEM}(?:\s*[,;，；]\s*{_ITEM})*"
_SUP = f"[{_SUPERSCRIPTS}]"
_MARKER = re.compile(
    rf"\^?\[\s*(?P<square>{_LIST})\s*\]"
    rf"|\^?［\s*(?P<wide>{_LIST})\s*］"
    rf"|【\s*(?P<lenticular>{_LIST})\s*(?:†[^】]*)?】"  # also OpenAI's 【1†source】
    rf"|<sup>\s*\[?\s*(?P<html>{_LIST})\s*\]?\s*</sup>"
    rf"|\^(?P<caret>[0-9]+(?:[-–—‐‑−,][0-9]+)*)(?![0-9])"
    # a run of superscript digits is one number (¹² = 12); ˒ , ⁻ separate a list or a range.
    # Not when followed by a charge sign or another digit: Ca²⁺, SO₄²⁻ are chemistry.
    rf"|(?P<superscript>{_SUP}+(?:[˒,⁻–-]{_SUP}+)*)(?![⁺⁻0-9{_SUPERSCRIPTS}])",
    re.IGNORECASE,
)
# Superscripts, ^n and <sup> are exponents after these (m², kg/m², cm³) and after any single
# letter (I², R², χ², x²), so they only count as citations after a real word or punctuation.
_UNITS = frozenset({"cm", "mm", "km", "dm", "nm", "um", "µm", "μm", "ft", "in", "yd", "mi"})
_CLOSING = frozenset(".,;:!?)]}\"'’”")
_TRAILING_WORD = re.compile(r"[^\W_]+$")


def _numbers(group: str) -> list[int]:
    numbers: list[int] = []
    for part in re.split(r"\s*[,;]\s*", group):
        if re.fullmatch(r"\d+\s*[–-]\s*\d+", part):
            a, b = (int(x) for x in re.split(r"\s*[–-]\s*", part))
            numbers.extend(range(a, b + 1) if a <= b and b - a < 50 else [a, b])
        elif part.strip().isdigit():
            numbers.append(int(part))
    return numbers


def _after_word(line: str, pos: int) -> bool:
    """Whether a superscript-style marker at `pos` follows a word or punctuation, not a number or unit."""
    if pos == 0:
        return False
    prev = line[pos - 1]
    if prev in _CLOSING:
        return True
    if not prev.isalpha():
        return False  # digits (10⁹, 10^9), operators, spaces
    word = _TRAILING_WORD.search(line[:pos])
    token = word.group().lstrip("0123456789") if word else ""  # "1.73m" -> "m", "HbA1c" stays
    return len(token) > 1 and token.lower() not in _UNITS


def _canonical(match: re.Match[str]) -> str:
    kind = match.lastgroup or ""
    if kind in ("html", "caret", "superscript") and not _after_word(match.string, match.start()):
        return match.group()
    group = re.sub(r"[^0-9,;-]", "", match.group(kind).translate(_TO_ASCII))  # drops "Passage", spaces
    return "[" + group.replace(";", ",").replace(",", ", ") + "]"


def _canonicalise(line: str) -> str:
    """Rewrite every recognised citation style in `line` to plain `[1, 2-3]` markers."""
    return _MARKER.sub(_canonical, line)


def _cites(raw: str) -> list[int]:
    return [n for m in _CITATION.finditer(raw) for n in _numbers(m.group(1))]


def _merged(sentence: AnswerSentence, cites: list[int]) -> AnswerSentence:
    return replace(sentence, citations=tuple(dict.fromkeys((*sentence.citations, *cites))))


# The answer page's layout in Markdown: "### Heading" lines, a "**Bottom line:**" label, a
# "Pitfalls" heading, and a trailing reference list that holds no claims.
_HEADING = re.compile(r"^\s*#{1,6}\s+(?P<heading>.+?)\s*#*\s*$|^\s*\*\*(?P<bold>[^*]{1,60}?):?\*\*:?\s*$")
_BOTTOM_LABEL = re.compile(
    r"^\s*(?:\*\*)?(?:bottom\s+line|in\s+short)\s*(?::\s*\*\*|\*\*\s*:|:)\s*", re.IGNORECASE
)
_BOTTOM_HEADINGS = re.compile(r"^(?:bottom\s+line|in\s+short)$", re.IGNORECASE)
_PITFALL_HEADINGS = re.compile(
    r"^(?:pitfalls?|cautions?|warnings?|pitfalls?\s+and\s+cautions?)$", re.IGNORECASE
)
_END_HEADINGS = re.compile(r"^(?:references?|sources?|citations?|bibliography)$", re.IGNORECASE)


def _place(line: str, state: dict[str, str]) -> str | None:
    """Update the layout state (part, heading) from a heading or label; return the rest of the
    line to parse, or None when the line holds no sentence."""
    heading = _HEADING.match(line)
    if heading:
        title = (heading.group("heading") or heading.group("bold") or "").strip(" *").rstrip(":").strip()
        if _END_HEADINGS.match(title):
            state["part"] = "end"
        elif _BOTTOM_HEADINGS.match(title):
            state.update(part=BOTTOM_LINE, heading="")
        elif _PITFALL_HEADINGS.match(title):
            state.update(part=PITFALL, heading="")
        else:
            state.update(part=SECTION, heading=title)
        return None
    label = _BOTTOM_LABEL.match(line)
    if label:
        state.update(part=BOTTOM_LINE, heading="")
        return line[label.end() :]
    if state["part"] == BOTTOM_LINE and _BULLET.match(line):
        state["part"] = SECTION  # bullets after the bottom-line paragraph belong to a section
    return line


def parse_cited_text(text: str) -> list[AnswerSentence]:
    """Split answer text into sentences and pull out each sentence's citations.

    The answer page's Markdown layout is read too: a sentence after "**Bottom line:**" gets
    part BOTTOM_LINE, one under "### Heading" that heading, one under "Pitfalls" part
    PITFALL; headings are not sentences, and nothing after a "References" heading is.

    Every line is considered (not just the first), bullets are stripped, and a citation
    that follows a sentence's final period still belongs to that sentence (the sentence
    splitter puts "Claim. [1] Next claim." 's marker at the start of the next sentence).
    Understood styles: [1], [1, 2], [1;2], [1][2], [1-3], [1–3], 【1】, 【1,2】, ［1］, ¹, ¹˒², ¹⁻³,
    <sup>1,2</sup>, ^1, ^[1], [ref 1], [Ref. 2], [source 3], [Passage 1]. Plain numbers
    (140/90 mmHg, Grade 1, 2 mg, (2019)) and exponents (m², 10⁹, I², Ca²⁺) are not citations.
    """
    sentences: list[AnswerSentence] = []
    state = {"part": SECTION, "heading": ""}
    for full_line in text.splitlines():
        line = _place(full_line, state)
        if state["part"] == "end":
            break
        if line is None:
            continue
        line_start = len(sentences)
        for raw in split_sentences(_canonicalise(_BULLET.sub("", line))):
            leading = _LEADING.match(raw)
            if leading and len(sentences) > line_start:  # "Claim. [1] Next." on one line
                sentences[-1] = _merged(sentences[-1], _cites(leading.group()))
                raw = raw[leading.end() :]
            cites = _cites(raw)
            clean = " ".join(_EMPTY_SUP.sub("", _CITATION.sub("", raw)).split())
            clean = re.sub(r"\s+([.,;:!?])", r"\1", clean)
            if not re.search(r"[A-Za-z0-9]", clean):
                if cites and sentences:  # a lone "[2]." after the period belongs to the sentence before
                    sentences[-1] = _merged(sentences[-1], cites)
                continue
            sentences.append(
                AnswerSentence(
                    text=clean,
                    citations=tuple(dict.fromkeys(cites)),
                    part=state["part"],
                    heading=state["heading"],
                )
            )
    return sentences


def clean_citations(
    sentences: list[AnswerSentence], n_passages: int
) -> tuple[list[AnswerSentence], list[tuple[AnswerSentence, str]]]:
    """Keep only citations of passages 1..n_passages, at most three per sentence.

    A model may cite a passage it was never shown ([9] of 5); such a number is removed, and
    a sentence left with nothing to stand on is dropped rather than shown uncited. Duplicate
    numbers collapse and only the first three valid citations are kept, in order (the
    prompt asks for at most three; more is a model padding its support). Returns the kept
    sentences and the dropped ones with a stable reason: "uncited" (no marker at all) or
    "unknown_reference" (every number was out of range).
    """
    kept: list[AnswerSentence] = []
    dropped: list[tuple[AnswerSentence, str]] = []
    for sentence in sentences:
        if not sentence.citations:
            dropped.append((sentence, "uncited"))
            continue
        valid = [n for n in dict.fromkeys(sentence.citations) if 1 <= n <= n_passages]
        if not valid:
            dropped.append((sentence, "unknown_reference"))
            continue
        kept.append(replace(sentence, citations=tuple(valid[:MAX_CITATIONS_PER_SENTENCE])))
    return kept, dropped


def renumber_by_first_use(sentences: list[AnswerSentence]) -> tuple[list[AnswerSentence], dict[int, int]]:
    """Renumber citations 1..k in the order they are first cited across the sentences.

    A reader expects [1] to be the first reference met; the mapping (old -> new) lets the
    caller reorder the reference list to match and leave uncited passages out.
    """
    mapping: dict[int, int] = {}
    for sentence in sentences:
        for n in sentence.citations:
            mapping.setdefault(n, len(mapping) + 1)
    renumbered = [
        replace(s, citations=tuple(dict.fromkeys(mapping[n] for n in s.citations))) for s in sentences
    ]
    return renumbered, mapping


# --- verbatim quotes ----------------------------------------------------------------------
_FOLD = str.maketrans(
    {
        **dict.fromkeys("‐‑‒–—―−﹘﹣－", "-"),
        **dict.fromkeys("‘’‚‛`´", "'"),
        **dict.fromkeys("“”„‟«»", '"'),
    }
)
_INVISIBLE = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")  # soft hyphen, zero-width
_LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
_MIN_QUOTE_WORDS = 3


def _hyphen_break(chars: list[str], run: str) -> bool:
    """Whether `chars` ends in a word and a hyphen, and the whitespace `run` after it breaks a line."""
    return (
        len(chars) >= 2 and chars[-1] == "-" and chars[-2].isalpha() and any(c in _LINE_BREAKS for c in run)
    )


def _normalise(text: str, join_breaks: bool) -> tuple[str, list[int]]:
    """Case-, space-, dash- and quote-folded `text`, and each output char's offset in `text`.

    A hyphen before a line break between letters is a PDF hyphenation ("hyper-\\ntension"):
    dropped when `join_breaks`, else kept with the break removed ("anti-\\ninflammatory").
    """
    chars: list[str] = []
    origin: list[int] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in _INVISIBLE or ch.isspace():
            j = i
            while j < n and (text[j] in _INVISIBLE or text[j].isspace()):
                j += 1
            run = text[i:j]
            next_alpha = j < n and text[j].isalpha()
            if not any(c.isspace() for c in run):
                pass  # only invisible characters: a soft hyphen or zero-width space inside a word
            elif "\u00ad" in run and chars and chars[-1].isalpha() and next_alpha:
                pass  # "hyper\u00ad\ntension": the word continues on the next line
            elif _hyphen_break(chars, run) and next_alpha:
                if join_breaks:  # else keep the hyphen and drop the break ("anti-inflammatory")
                    chars.pop()
                    origin.pop()
            elif chars and chars[-1] != " ":
                chars.append(" ")
                origin.append(i)
            i = j
            continue
        for c in unicodedata.normalize("NFKC", ch).translate(_FOLD).casefold():
            if c.isspace():
                if chars and chars[-1] != " ":
                    chars.append(" ")
                    origin.append(i)
            else:
                chars.append(c)
                origin.append(i)
        i += 1
    while chars and chars[-1] == " ":
        chars.pop()
        origin.pop()
    return "".join(chars), origin


def _find_words(haystack: str, needle: str) -> int:
    """First index where `needle` occurs in `haystack` without cutting a word in two."""
    start = haystack.find(needle)
    while start != -1:
        end = start + len(needle)
        left = start == 0 or not (needle[0].isalnum() and haystack[start - 1].isalnum())
        right = end == len(haystack) or not (needle[-1].isalnum() and haystack[end].isalnum())
        if left and right:
            return start
        start = haystack.find(needle, start + 1)
    return -1


def quote_in_passage(quote: str, passage: str) -> tuple[int, int] | None:
    """Where a model's claimed verbatim `quote` occurs in `passage`, as (start, end) offsets.

    The offsets index the original `passage` (to highlight it). The match is exact after
    folding case, whitespace runs, unicode dashes and curly quotes, soft hyphens and
    line-break hyphenation, and ignores the quote's own surrounding quotation marks and
    trailing punctuation. It must start and end on word boundaries, so "appropriate in
    adults" is not found inside "inappropriate in adults". Quotes under three words prove
    nothing and give None, as does any quote not in the passage.
    """
    for join_breaks in (True, False):
        needle, _ = _normalise(quote, join_breaks)
        needle = needle.strip(" \"'.").rstrip(" .,;:!?\"'")
        words = [w for w in needle.split() if any(c.isalnum() for c in w)]
        if len(words) < _MIN_QUOTE_WORDS:
            return None
        haystack, origin = _normalise(passage, join_breaks)
        start = _find_words(haystack, needle)
        if start != -1:
            return origin[start], origin[start + len(needle) - 1] + 1
    return None


@dataclass(frozen=True, slots=True)
class GroundingProblem:
    sentence: int  # 0-based index, -1 for answer-level problems
    kind: str  # "uncited" | "unknown_reference" | "no_sentences"
    detail: str


def check_grounding(answer: Answer) -> list[GroundingProblem]:
    """Every sentence cites at least one reference, and every number exists in the list."""
    if answer.abstained:
        return []
    problems: list[GroundingProblem] = []
    known = {ref.n for ref in answer.references}
    if not answer.sentences:
        problems.append(GroundingProblem(-1, "no_sentences", "answer has no sentences and did not abstain"))
    for i, sentence in enumerate(answer.sentences):
        if not sentence.citations:
            problems.append(GroundingProblem(i, "uncited", sentence.text[:80]))
        for n in sentence.citations:
            if n not in known:
                problems.append(
                    GroundingProblem(i, "unknown_reference", f"[{n}] is not in the reference list")
                )
    return problems
