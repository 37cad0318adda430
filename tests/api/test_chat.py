"""Follow-up resolution and the Markdown pieces of the OpenAI-compatible reply."""

from __future__ import annotations

from medcite.api.chat import message_text, resolve_question, sentence_pieces
from medcite.core.types import AnswerSentence


def test_the_last_user_turn_is_the_question() -> None:
    turns = [
        ("user", "What is the first-line treatment for type 2 diabetes in adults without CKD?"),
        ("assistant", "Metformin [1]."),
        ("user", "What is the recommended HbA1c target for most non-pregnant adults with diabetes?"),
    ]
    assert resolve_question(turns) == (turns[2][1], turns[2][1])


def test_a_follow_up_borrows_the_previous_question_for_retrieval() -> None:
    turns = [
        ("user", "Which drugs treat neuropathic pain?"),
        ("assistant", "..."),
        ("user", "What about its dose?"),
    ]
    shown, retrieved = resolve_question(turns)
    assert shown == "What about its dose?" and retrieved.startswith("Which drugs treat neuropathic pain?")


def test_no_user_turn_gives_nothing_and_parts_are_read() -> None:
    assert resolve_question([("system", "be brief")]) == ("", "")
    assert (
        message_text([{"type": "text", "text": "a"}, {"type": "image_url"}, {"type": "text", "text": "b"}])
        == "a b"
    )


def test_pieces_lay_out_the_page() -> None:
    sentences = [
        AnswerSentence("Methadone is fourth line.", (1,), part="bottom_line"),
        AnswerSentence("Lamotrigine has weaker evidence.", (1,), part="section", heading="Options"),
        AnswerSentence("Topiramate too.", (2,), part="section", heading="Options"),
        AnswerSentence("Check QT before methadone.", (2,), part="pitfall"),
    ]
    text = "".join(sentence_pieces(sentences))
    assert text == (
        "**Bottom line:** Methadone is fourth line [1].\n\n### Options\n- Lamotrigine has weaker evidence [1]."
        "\n- Topiramate too [2].\n\n### Pitfalls\n- Check QT before methadone [2]."
    )
