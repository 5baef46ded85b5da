"""LLMs and causal reasoning: a rung-stratified benchmark, answerers, a harness, cause-effect pairs.

benchmark — :func:`generate_benchmark` (random binary SCMs told as stories, exact answers),
:func:`solve` (the causal engine), JSONL export. answerers — :class:`AssociationalAnswerer`,
:class:`CommonsenseAnswerer`, :class:`CausalEngineAnswerer`, :class:`SloppyAnswerer` (errors
at set rates). client —
:class:`OpenAICompatibleAnswerer` (any chat-completions server, standard library only).
harness — :func:`evaluate`, :func:`accuracy_table`, :func:`accuracy_pivot`, :func:`error_rates`,
:func:`hallucination_rate`,
:func:`plot_accuracy`. pairs — the Tübingen cause-effect pairs and three orientation methods.
"""

from causalcourse.llm.answerers import (
    Answer,
    Answerer,
    AssociationalAnswerer,
    CausalEngineAnswerer,
    CommonsenseAnswerer,
    SloppyAnswerer,
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
    unidentified_questions,
)
from causalcourse.llm.client import LLMError, OpenAICompatibleAnswerer
from causalcourse.llm.harness import (
    accuracy_pivot,
    accuracy_table,
    error_rates,
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
    "SloppyAnswerer",
    "SHAPES",
    "TEMPLATES",
    "VARIANTS",
    "Question",
    "accuracy_pivot",
    "accuracy_table",
    "adjustment_formula",
    "error_rates",
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
    "unidentified_questions",
    "weighted_accuracy",
    "wilson_interval",
]
