"""LLMs and causal reasoning: a rung-stratified benchmark, answerers, a harness, cause-effect pairs.

benchmark — :func:`generate_benchmark` (random binary SCMs told as stories, exact answers),
:func:`solve` (the causal engine), JSONL export. answerers — :class:`AssociationalAnswerer`,
:class:`CommonsenseAnswerer`, :class:`CausalEngineAnswerer`. client —
:class:`OpenAICompatibleAnswerer` (any chat-completions server, standard library only).
harness — :func:`evaluate`, :func:`accuracy_table`, :func:`hallucination_rate`,
:func:`plot_accuracy`. pairs — the Tübingen cause-effect pairs and three orientation methods.
"""

from causalcourse.llm.answerers import (
    Answer,
    Answerer,
    AssociationalAnswerer,
    CausalEngineAnswerer,
    CommonsenseAnswerer,
)
from causalcourse.llm.benchmark import (
    QUERIES,
    SHAPES,
    TEMPLATES,
    VARIANTS,
    Question,
    adjustment_formula,
    generate_benchmark,
    read_jsonl,
    solve,
    stated_joint,
    to_jsonl,
    true_model,
)
from causalcourse.llm.client import LLMError, OpenAICompatibleAnswerer
from causalcourse.llm.harness import (
    accuracy_table,
    evaluate,
    hallucination_rate,
    plot_accuracy,
    wilson_interval,
)
from causalcourse.llm.pairs import (
    load_tuebingen,
    orient_anm,
    orient_lingam,
    orient_reci,
    weighted_accuracy,
)

__all__ = [
    "Answer",
    "Answerer",
    "AssociationalAnswerer",
    "CausalEngineAnswerer",
    "CommonsenseAnswerer",
    "LLMError",
    "OpenAICompatibleAnswerer",
    "QUERIES",
    "SHAPES",
    "TEMPLATES",
    "VARIANTS",
    "Question",
    "accuracy_table",
    "adjustment_formula",
    "evaluate",
    "generate_benchmark",
    "hallucination_rate",
    "load_tuebingen",
    "orient_anm",
    "orient_lingam",
    "orient_reci",
    "plot_accuracy",
    "read_jsonl",
    "solve",
    "stated_joint",
    "to_jsonl",
    "true_model",
    "weighted_accuracy",
    "wilson_interval",
]
