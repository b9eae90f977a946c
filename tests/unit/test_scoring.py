import numpy as np
import pytest

from alma.judge import TEMPLATE_HASH
from alma.scoring import JudgeScorer

PROMPTS = ["What colour is the zibble?", "Add 2 and 3."]
RESPONSES = ["The zibble is blue.", "2 plus 3 is 5."]


def test_real_valued_scores_are_expectations_of_a_distribution(tiny_model_dir):
    scorer = JudgeScorer(tiny_model_dir, "ft_real", judge_id="tiny:ft_real", batch_size=2)
    results = scorer.score(PROMPTS, RESPONSES)
    for result in results:
        probs = np.array(result["probs"])
        assert probs.shape == (11,) and probs.sum() == pytest.approx(1.0, abs=1e-4)
        assert result["score"] == pytest.approx(float(probs @ np.arange(11)), abs=1e-3)
    records = scorer.judgments(["r1", "r2"], PROMPTS, RESPONSES)
    assert {r["judge"] for r in records} == {"tiny:ft_real"} and {r["template_hash"] for r in records} == {
        TEMPLATE_HASH
    }


def test_integer_judge_records_unparsable_output_as_missing(tiny_model_dir):
    # A random-init model does not write "[[k]]": the score must be None, never a guess.
    scorer = JudgeScorer(tiny_model_dir, "ft_int", judge_id="tiny:ft_int")
    results = scorer.score(PROMPTS, RESPONSES)
    assert all(r["score"] is None and r["probs"] is None for r in results)
    fewshot = JudgeScorer(
        tiny_model_dir,
        "fewshot_int",
        judge_id="tiny:fewshot",
        fewshot=[("q1", "a1", 3), ("q2", "a2", 9), ("q3", "a3", 6)],
    )
    assert len(fewshot.score(PROMPTS, RESPONSES)) == 2
    with pytest.raises(ValueError, match="few-shot demonstrations"):
        JudgeScorer(tiny_model_dir, "fewshot_int", judge_id="x")


def test_the_compact_template_changes_what_the_judge_reads_and_its_recorded_hash(tiny_model_dir):
    from alma.judge import judge_message, template_hash

    compact = JudgeScorer(tiny_model_dir, "ft_real", judge_id="tiny:ft_real", template="compact")
    standard = JudgeScorer(tiny_model_dir, "ft_real", judge_id="tiny:ft_real")
    assert len(judge_message(*PROMPTS[:1], *RESPONSES[:1], "compact")) < len(judge_message(PROMPTS[0], RESPONSES[0]))
    assert compact.score(PROMPTS, RESPONSES) != standard.score(PROMPTS, RESPONSES)
    (record,) = compact.judgments(["r1"], PROMPTS[:1], RESPONSES[:1])
    assert record["template_hash"] == template_hash("compact") != TEMPLATE_HASH
    with pytest.raises(ValueError, match="unknown judge template 'short'"):
        JudgeScorer(tiny_model_dir, "ft_real", judge_id="x", template="short")
