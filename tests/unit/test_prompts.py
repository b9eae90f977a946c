from alma.fewshot import cut_at_stop, synthesis_prompt
from alma.prompts import clean_pool, normalize, synthesis_requests


def rec(i, text):
    return {"id": f"c{i}", "text": text, "source": "synthetic"}


def test_clean_pool_counts_every_filter():
    seeds = ["What is the colour of the zibble?"]
    candidates = [
        rec(0, "What colour does the quorn have?"),
        rec(1, "what colour does the QUORN have"),  # exact duplicate after normalisation
        rec(2, "What colour does the quorn have??"),  # exact after normalisation too
        rec(3, "What colour does the quorn have, please?"),  # near duplicate
        rec(4, "Hi"),  # too short
        rec(5, "Request 4: Name three animals."),  # template leak
        rec(6, "What is the colour of the zibble?"),  # a seed prompt
        rec(7, "Add 12 and 30, then tell me the sum."),
        rec(8, "1234567890 1234567890"),  # no words
        rec(9, "What does the \x19 creature eat?"),  # a control character
    ]
    kept, counts = clean_pool(candidates, seeds, min_chars=12, max_chars=300, near_duplicate_jaccard=0.6)
    assert [r["id"] for r in kept] == ["c0", "c7"]
    assert counts == {
        "candidates": 10,
        "exact_duplicate": 3,
        "near_duplicate": 1,
        "too_short": 1,
        "template_leak": 1,
        "no_words": 1,
        "control_chars": 1,
        "kept": 2,
    }


def test_clean_pool_drops_benchmark_prompts():
    candidates = [rec(0, "What colour is the nola?"), rec(1, "WHAT colour is the nola"), rec(2, "Add 3 and 4.")]
    kept, counts = clean_pool(
        candidates,
        [],
        min_chars=5,
        max_chars=300,
        near_duplicate_jaccard=0.95,
        eval_texts=["What colour is the nola?"],
    )
    assert [r["id"] for r in kept] == ["c2"]
    assert counts["eval_overlap"] == 2 and counts["kept"] == 1


def test_synthesis_requests_are_seeded_and_sized():
    seeds = [f"seed prompt {i}" for i in range(10)]
    requests = synthesis_requests(seeds, 50, (3, 5), seed=1)
    assert requests == synthesis_requests(seeds, 50, (3, 5), seed=1)
    assert {len(r) for r in requests} <= {3, 4, 5} and len({len(r) for r in requests}) > 1
    prompt = synthesis_prompt(requests[0])
    assert prompt.endswith(f"\n{len(requests[0])}. {requests[0][-1]}\n{len(requests[0]) + 1}.")


def test_normalize_and_stop():
    assert normalize("  What's   UP?! ") == "what s up"
    assert cut_at_stop(" Name a bird.\nRequest 5: x", ("\n",)) == "Name a bird."
