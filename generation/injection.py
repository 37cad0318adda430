"""Document text is data: spot sentences that address a reader or a model instead of stating
guideline content ("ignore previous instructions", "you are an AI", "respond with ...").

Such a sentence is never quoted in an answer (extractive composer) and is fenced and flagged
for generative backends. The patterns are deliberately narrow: guideline prose says "clinicians
should ignore ..." or "respond to treatment", which must not trip them.
"""

from __future__ import annotations

import re

_PATTERNS = (
    # "ignore/disregard/forget (all) (the) previous/prior/above instructions/rules/prompts"
    r"\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+)?(?:of\s+)?(?:the\s+|your\s+|these\s+)?"
    r"(?:previous|prior|above|earlier|preceding|system|original)\s+(?:instructions?|prompts?|rules?|"
    r"directions?|messages?|context)\b",
    r"\b(?:ignore|disregard)\s+(?:all|any|everything)\s+(?:you\s+were\s+told|instructions?|rules?)\b",
    # role play aimed at a model
    r"\byou\s+are\s+(?:now\s+)?(?:an?\s+|the\s+)?(?:ai|a\.i\.|assistant|language\s+model|llm|chatbot|"
    r"large\s+language\s+model|gpt|model)\b",
    r"\bas\s+an\s+(?:ai|a\.i\.)\s+(?:language\s+)?model\b",
    r"\b(?:system|developer)\s+(?:prompt|message|instruction)s?\b",
    # output control
    r"\b(?:respond|reply|answer)\s+(?:only\s+)?(?:with|in|using)\s+(?:the\s+)?(?:word|phrase|json|"
    r"yes|no|exactly|only|the\s+following)\b",
    r"\b(?:answer|respond|reply|tell\s+the\s+user|say)\s+that\s+(?:the\s+)?(?:patient|user|you|they|"
    r"clinicians?)\b",
    r"\bdo\s+not\s+(?:cite|mention|reveal|tell)\s+(?:any\s+)?(?:sources?|references?|the\s+user|"
    r"this\s+instruction)\b",
    r"\bnew\s+instructions?\s*:",
    r"<\s*/?\s*(?:system|assistant|user|im_start|im_end)\s*>",
    r"\[/?INST\]",
)
_INSTRUCTION = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE)


def looks_like_instruction(text: str) -> bool:
    """True when `text` reads as an instruction to a reader or a model, not guideline content."""
    return _INSTRUCTION.search(text) is not None
