import numpy as np
import pytest

from alma.backends.hf import HFBackend, length_sorted_batches
from alma.config import SamplingParams


@pytest.fixture(scope="module")
def backend(tiny_model_dir):
    return HFBackend(tiny_model_dir, device="cpu", batch_size=3)


def test_length_sorted_batches_cover_all_indices():
    batches = length_sorted_batches([3, 9, 1, 7, 5], 2)
    assert batches == [[1, 3], [4, 0], [2]]


def test_sampling_shapes_and_determinism(backend):
    texts = backend.chat_texts(["What is 2 plus 3?", "Name a colour.", "Hello there, how are you today?"])
    params = SamplingParams(temperature=1.0, top_p=0.95, max_new_tokens=6, n=4, seed=11)
    first = backend.generate(texts, params)
    assert [len(samples) for samples in first] == [4, 4, 4]
    assert backend.generate(texts, params) == first
    greedy = backend.generate(texts, SamplingParams(temperature=0.0, max_new_tokens=6))
    assert greedy == backend.generate(texts, SamplingParams(temperature=0.0, max_new_tokens=6, seed=99))


def test_padding_does_not_change_embeddings_or_logprobs(backend):
    texts = ["short", "a much longer text with many more tokens in it than the first"]
    together = backend.embed(texts, layer=-1, pooling="mean")
    alone = np.vstack([backend.embed([t], layer=-1, pooling="mean") for t in texts])
    assert together.shape == (2, backend.model.config.hidden_size)
    np.testing.assert_allclose(together, alone, atol=1e-4)
    rows = [backend.tokenizer("hi").input_ids, backend.tokenizer("a longer row of tokens here").input_ids]
    batched = backend.next_token_logprobs(rows)
    single = np.vstack([backend.next_token_logprobs([r]) for r in rows])
    np.testing.assert_allclose(batched, single, atol=1e-4)
    np.testing.assert_allclose(np.exp(batched).sum(1), 1.0, atol=1e-4)


def test_next_token_logprobs_match_the_full_forward_pass(backend):
    # the backend asks the model for the last position's logits only (logits_to_keep=1)
    import torch

    row = backend.tokenizer("a row of tokens to continue").input_ids
    with torch.inference_mode():
        logits = backend.model(input_ids=torch.tensor([row])).logits[0, -1].float()
    expected = torch.log_softmax(logits, dim=-1).numpy()
    np.testing.assert_allclose(backend.next_token_logprobs([row])[0], expected, atol=1e-5)


def test_inputs_longer_than_the_context_are_refused_by_name(backend):
    too_long = [backend.tokenizer.bos_token_id] + [5] * backend.max_length
    with pytest.raises(ValueError, match=r"1 of 2 inputs \(first: #1, longest 513 tokens\) do not fit"):
        backend.next_token_logprobs([[5, 6], too_long])
    with pytest.raises(ValueError, match="do not fit the context"):
        backend.generate(["word " * backend.max_length], SamplingParams(temperature=0.0, max_new_tokens=4))


def test_a_prompt_near_the_context_gets_fewer_new_tokens_and_is_counted(backend):
    assert backend.max_length == 512  # the tiny model's max_position_embeddings
    long_prompt = backend.tokenizer.decode([40] * (backend.max_length - 3))
    before = backend.clamped_prompts
    [samples] = backend.generate([long_prompt], SamplingParams(temperature=0.0, max_new_tokens=16))
    assert len(backend.tokenizer(samples[0], add_special_tokens=False).input_ids) <= 3
    assert backend.clamped_prompts == before + 1
