"""Plain-text few-shot templates for prompting a *base* model (no chat template).

Two uses, both from the paper: the 3-shot baseline that answers a prompt (Table 1's
"base, 3-shot" row and the 3-shot judge baseline), and self-instruct prompt synthesis, where
3-5 seed prompts are shown and the base model writes one more. Our wording (deviation: the
paper does not publish its templates); the template text is hashed into every manifest that
uses it, so a change of wording is visible in provenance.
"""

from __future__ import annotations

from collections.abc import Sequence

ANSWER_HEADER = "The following are requests to a helpful, knowledgeable assistant and its answers.\n\n"
ANSWER_TEMPLATE = "Request: {prompt}\nAnswer: {response}\n\n"
ANSWER_STOP = ("\n\nRequest:", "\nRequest:", "\n\n")

# A numbered list, the most common shape of "questions people ask" on the web, so a base model
# continues it with one more request (and the newline stop ends it).
SYNTHESIS_HEADER = "Here is a list of questions and requests that people sent to a helpful assistant.\n"
SYNTHESIS_ITEM = "{number}. {prompt}\n"
SYNTHESIS_STOP = ("\n",)


def answer_prompt(examples: Sequence[tuple[str, str]], prompt: str, history: Sequence[tuple[str, str]] = ()) -> str:
    """Build a k-shot answering prompt; the model continues after ``Answer:``.

    Args:
        examples: (prompt, response) demonstrations, typically 3.
        prompt: the request to answer.
        history: earlier (request, answer) turns of the same conversation (MT-Bench's second turn),
            written after the demonstrations in their own format, so the base model sees the
            conversation as more request/answer pairs.
    """
    shots = "".join(ANSWER_TEMPLATE.format(prompt=p.strip(), response=r.strip()) for p, r in [*examples, *history])
    return ANSWER_HEADER + shots + f"Request: {prompt.strip()}\nAnswer:"


def synthesis_prompt(seed_prompts: Sequence[str]) -> str:
    """Build a self-instruct prompt from 3-5 seed prompts; the model writes the next request."""
    items = "".join(
        SYNTHESIS_ITEM.format(number=i + 1, prompt=" ".join(p.split())) for i, p in enumerate(seed_prompts)
    )
    return SYNTHESIS_HEADER + items + f"{len(seed_prompts) + 1}."


def cut_at_stop(text: str, stops: Sequence[str]) -> str:
    """Truncate a base-model continuation at the first stop string and strip whitespace."""
    cut = len(text)
    for stop in stops:
        index = text.find(stop)
        if index != -1:
            cut = min(cut, index)
    return text[:cut].strip()


TEMPLATE_TEXT = ANSWER_HEADER + ANSWER_TEMPLATE + SYNTHESIS_HEADER + SYNTHESIS_ITEM
