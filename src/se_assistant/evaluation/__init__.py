"""The eval set and its runner: questions with expected sources and facts, metrics, reports and
the gate behind ``se-assistant eval``. Uses only the public ``Assistant`` API."""

from se_assistant.evaluation.dataset import EvalItem, EvalSet, ExpectedSource, load_eval_set
from se_assistant.evaluation.runner import EvalOutcome, evaluate

__all__ = [
    "EvalItem",
    "EvalOutcome",
    "EvalSet",
    "ExpectedSource",
    "evaluate",
    "load_eval_set",
]
