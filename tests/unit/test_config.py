import pytest

from alma.config import SamplingParams, TrainParams, derive_seed, from_dict, parse_params


def test_from_dict_rejects_unknown_keys():
    assert from_dict(SamplingParams, {"temperature": 0.0}).greedy
    with pytest.raises(ValueError, match="unknown key"):
        from_dict(TrainParams, {"epochs": 1, "lr": 3})


def test_params_and_seeds():
    assert parse_params('{"a": 1}') == {"a": 1}
    with pytest.raises(ValueError, match="not valid JSON"):
        parse_params("{a: 1}")
    assert derive_seed(0, "responses", 3) == derive_seed(0, "responses", 3)
    assert derive_seed(0, "responses", 3) != derive_seed(0, "responses", 4)
