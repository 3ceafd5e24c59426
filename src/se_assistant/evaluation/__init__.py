"""The eval sets and their runner: questions with expected evidence and facts, metrics
(faithfulness of sentences included), reports and the gate behind ``se-assistant eval``, on the
current index or on renditions of the material side by side. Uses only the public ``Assistant``
API."""

from se_assistant.evaluation.dataset import EvalItem, EvalSet, ExpectedSource, load_eval_set
from se_assistant.evaluation.faithfulness import unfaithful_sentences, unsupported_sentences
from se_assistant.evaluation.runner import EvalOutcome, Rendition, evaluate, evaluate_renditions

__all__ = [
    "EvalItem",
    "EvalOutcome",
    "EvalSet",
    "ExpectedSource",
    "Rendition",
    "evaluate",
    "evaluate_renditions",
    "load_eval_set",
    "unfaithful_sentences",
    "unsupported_sentences",
]
