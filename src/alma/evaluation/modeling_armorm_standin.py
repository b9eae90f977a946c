"""Modelling code of the ArmoRM stand-in: a small reward model with ArmoRM's output interface.

This file is copied into the stand-in's model directory and named in its ``config.json``
``auto_map``, so it is loaded exactly the way ArmoRM's own ``modeling_custom.py`` is:
``AutoModelForSequenceClassification.from_pretrained(dir, trust_remote_code=True)``. It therefore
imports nothing but torch and transformers (transformers copies it into its module cache and checks
its imports), and it is our own, much smaller implementation of the same interface:

- a Llama backbone;
- ``regression_layer``: one linear head regressing ``num_objectives`` reward objectives (ArmoRM: 19,
  the HelpSteer and UltraFeedback attributes among them) from the hidden state of the last token
  (optionally least-squares fitted to ratings, see ``alma.evaluation.armorm_standin``);
- ``gating``: an MLP over the hidden state at the end of the prompt (the last token of the assistant
  header), softmax over the objectives at ``gating_temperature``: the weights of each objective;
- ``score``: the gated sum of the objectives, shape ``[batch, 1]``: the preference score the
  evaluator reads.

It makes no claim to be a good reward model: its job is to run ArmoRM's code path end to end.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from transformers import LlamaModel, LlamaPreTrainedModel
from transformers.utils import ModelOutput


@dataclass
class RewardOutputWithGating(ModelOutput):
    """What the forward pass returns (field names as ArmoRM's output).

    Attributes:
        score: gated preference score, ``[batch, 1]``.
        rewards: the objectives' regression outputs, ``[batch, num_objectives]``.
        gating_output: the objectives' weights (rows sum to 1), ``[batch, num_objectives]``.
        hidden_state: the last token's final hidden state, ``[batch, hidden_size]``.
        prompt_embedding: the hidden state the gate reads, ``[batch, hidden_size]``.
    """

    score: torch.FloatTensor | None = None
    rewards: torch.FloatTensor | None = None
    gating_output: torch.FloatTensor | None = None
    hidden_state: torch.FloatTensor | None = None
    prompt_embedding: torch.FloatTensor | None = None


class GatingNetwork(nn.Module):
    """MLP from a prompt embedding to a softmax over the objectives."""

    def __init__(self, in_features: int, out_features: int, hidden_dim: int, n_hidden: int, temperature: float):
        super().__init__()
        layers: list[nn.Module] = []
        width = in_features
        for _ in range(n_hidden):
            layers += [nn.Linear(width, hidden_dim), nn.ReLU()]
            width = hidden_dim
        layers.append(nn.Linear(width, out_features, bias=False))
        self.layers = nn.Sequential(*layers)
        self.temperature = temperature

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.layers(x) / self.temperature, dim=-1)


def last_token_index(input_ids: torch.Tensor, attention_mask: torch.Tensor | None, pad_token_id: int | None):
    """Index of each row's last real token (right padding): from the mask, else from the pad id."""
    if attention_mask is not None:
        positions = torch.arange(input_ids.shape[1], device=input_ids.device)
        return (attention_mask.long() * positions).amax(dim=1)
    if pad_token_id is None:
        return torch.full((input_ids.shape[0],), input_ids.shape[1] - 1, device=input_ids.device)
    # First pad minus one; a row without padding wraps to its last position, as ArmoRM's code does.
    first_pad = torch.eq(input_ids, pad_token_id).int().argmax(-1)
    return (first_pad - 1) % input_ids.shape[1]


def prompt_end_index(input_ids: torch.Tensor, last: torch.Tensor, marker: list[int]) -> torch.Tensor:
    """Each row's last token of the last assistant-header ``marker`` before its end; its end if there is none.

    ArmoRM gates on the hidden state where the answer starts (after Llama-3's assistant header); the
    marker here is the tokenization of the base model's own assistant header, stored in the config.
    """
    width = len(marker)
    if width == 0 or input_ids.shape[1] < width:
        return last
    windows = input_ids.unfold(1, width, 1)  # [batch, length - width + 1, width]
    pattern = torch.tensor(marker, device=input_ids.device)
    hits = (windows == pattern).all(dim=-1)
    ends = torch.arange(width - 1, input_ids.shape[1], device=input_ids.device).expand_as(hits)
    hits &= ends <= last.unsqueeze(1)
    found = torch.where(hits, ends, torch.full_like(ends, -1)).amax(dim=1)
    return torch.where(found >= 0, found, last)


class LlamaForRewardModelWithGating(LlamaPreTrainedModel):
    """Llama backbone, multi-objective regression head and gating head (ArmoRM's architecture, small)."""

    def __init__(self, config):
        super().__init__(config)
        self.model = LlamaModel(config)
        objectives = config.num_objectives
        # A bias (ArmoRM's head has none) lets a fitted stand-in sit in ArmoRM's raw score range.
        self.regression_layer = nn.Linear(config.hidden_size, objectives, bias=True)
        self.gating = GatingNetwork(
            config.hidden_size,
            objectives,
            hidden_dim=config.gating_hidden_dim,
            n_hidden=config.gating_n_hidden,
            temperature=config.gating_temperature,
        )
        self.post_init()

    def forward(
        self,
        input_ids: torch.LongTensor,
        attention_mask: torch.Tensor | None = None,
        position_ids: torch.LongTensor | None = None,
        **kwargs,
    ) -> RewardOutputWithGating:
        """Score right-padded conversations (prompt and answer, rendered with the chat template)."""
        hidden = self.model(
            input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids, use_cache=False
        ).last_hidden_state
        rows = torch.arange(input_ids.shape[0], device=input_ids.device)
        last = last_token_index(input_ids, attention_mask, self.config.pad_token_id)
        prompt_end = prompt_end_index(input_ids, last, list(self.config.assistant_marker_ids))
        final, prompt = hidden[rows, last], hidden[rows, prompt_end]
        rewards = self.regression_layer(final)
        gating = self.gating(prompt)
        score = (gating * rewards).sum(dim=-1, keepdim=True)
        return RewardOutputWithGating(
            score=score, rewards=rewards, gating_output=gating, hidden_state=final, prompt_embedding=prompt
        )
