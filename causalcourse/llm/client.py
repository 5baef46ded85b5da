"""Any chat-completions model as an answerer, through the standard library only (``urllib``).

Base URL and model come from the arguments or ``CAUSALCOURSE_LLM_URL`` /
``CAUSALCOURSE_LLM_MODEL``; the API key only from ``CAUSALCOURSE_LLM_API_KEY``, read at each
request and never stored, printed or put into an error message. Server failures (HTTP
errors, malformed JSON, timeouts, refusals) raise :class:`LLMError` from :meth:`chat` and
become recorded failures in :meth:`answer`, which never raises. :meth:`models` lists the
names a server offers (a local Ollama at ``http://localhost:11434/v1``, llama.cpp's
``llama-server`` at ``http://localhost:8080/v1``).
"""

from __future__ import annotations

import json
import os
import re
import socket
import urllib.error
import urllib.parse
import urllib.request

from causalcourse.errors import CourseError, UnknownNameError
from causalcourse.llm.answerers import Answer, check_extraction
from causalcourse.llm.benchmark import Question, solve

__all__ = [
    "LLMError",
    "OpenAICompatibleAnswerer",
    "STRATEGIES",
    "build_messages",
    "parse_yes_no",
    "check_extraction",
]

STRATEGIES = ("plain", "graph_cot", "translator")
_KEY_ENV = "CAUSALCOURSE_LLM_API_KEY"
SYSTEM = (
    "You are careful with causal reasoning. Answer the question about the story exactly as asked."
)
COT_STEPS = (
    "Reason step by step: (1) say which rung of the causal ladder the question is on (association, "
    "intervention or counterfactual); (2) write the query formally, e.g. P(Y=1 | do(X=1)); (3) say "
    "which formula identifies it from the graph (conditioning, backdoor adjustment, front-door, "
    "mediation "
    "formula, abduction-action-prediction); (4) put in the stated numbers and compute; (5) end "
    "with a "
    "last line that is exactly 'Answer: yes' or 'Answer: no'."
)
TRANSLATE = (
    "Do not answer the question. Translate the story and the question into one JSON object and "
    "reply "
    'with that JSON only, with keys: "variables" (names as in the story), "edges" (list of [cause, '
    'effect] direct effects stated in the story), "confounded" (list of [a, b] pairs said to share '
    "an "
    'unobserved factor), "numbers" (list of {"variable": name, "given": {name: 1 for yes or 0 for '
    'no}, "p": probability of yes as a number between 0 and 1}), "mechanisms" (true if the story '
    "says "
    "each variable is set by its own noise below the stated probability, false if the numbers come "
    "from "
    'a survey), "query": {"type": one of marginal, conditional, ate, adjustment, ett, nde, nie, '
    'counterfactual; "treatment", "outcome", "mediator" (name or null), "adjust" (list of '
    'names), "polarity": 1 if the question asks about more/increase, -1 if less/decrease}.'
)


class LLMError(RuntimeError):
    """The model server failed: unreachable, timed out, HTTP error, malformed reply or refusal."""


def parse_yes_no(text: str) -> bool:
    """The yes/no answer in a reply: an 'Answer: yes/no' line wins, else a reply that starts with
    yes/no.

    Example
    -------
    >>> parse_yes_no("Step 1 ... so the effect is positive.\\nAnswer: Yes"), parse_yes_no("No.")
    (True, False)
    """
    found = re.findall(r"answer\s*[:=]\s*\**\s*(yes|no)\b", text, flags=re.I)
    if found:
        return found[-1].lower() == "yes"
    first = re.match(r"\W*(yes|no)\b", text, flags=re.I)
    if first:
        return first.group(1).lower() == "yes"
    raise LLMError(f"no yes/no answer in the reply: {text[:120]!r}")


def build_messages(question: Question, strategy: str = "plain") -> list[dict]:
    """The chat messages of a prompting strategy: "plain", "graph_cot" or "translator".

    Example
    -------
    >>> from causalcourse.llm.benchmark import generate_benchmark
    >>> q = generate_benchmark(2, rungs=(2,), variants=("nonsense",))[0]
    >>> "Causal graph:" in build_messages(q, "graph_cot")[-1]["content"]
    True
    """
    if strategy not in STRATEGIES:
        raise UnknownNameError(f"unknown strategy {strategy!r}; choose one of {STRATEGIES}")
    text = question.prompt
    if strategy == "plain":
        text += "\nAnswer with one word: yes or no."
    elif strategy == "graph_cot":
        spec = question.spec
        edges = [f"{a} -> {b}" for a, b in spec["edges"]]
        edges += [f"{a} <-> {b} (unobserved common cause)" for a, b in spec.get("confounded", [])]
        text += "\n\nCausal graph: " + "; ".join(edges) + ".\n" + COT_STEPS
    else:
        text += "\n\n" + TRANSLATE
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": text}]


class OpenAICompatibleAnswerer:
    """Ask a chat-completions model; ``strategy`` is "plain", "graph_cot" or "translator".

    "plain" sends story and question; "graph_cot" adds the causal graph and step-by-step causal
    reasoning; "translator" asks for the story as JSON (graph, numbers, query), lets the causal
    engine compute, and checks the extraction against the story (hallucinated or missing edges).

    Example
    -------
    >>> a = OpenAICompatibleAnswerer("http://127.0.0.1:9/v1", model="m", strategy="plain")
    >>> a.name, a.url
    ('m/plain', 'http://127.0.0.1:9/v1/chat/completions')
    """

    def __init__(
        self,
        base_url: str | None = None,
        model: str | None = None,
        strategy: str = "plain",
        timeout: float = 60.0,
        temperature: float = 0.0,
    ) -> None:
        base_url = base_url or os.environ.get("CAUSALCOURSE_LLM_URL")
        if not base_url:
            raise CourseError("no model server: pass base_url or set CAUSALCOURSE_LLM_URL")
        if not base_url.startswith(("http://", "https://")):
            raise CourseError(f"base_url must start with http:// or https://, got {base_url!r}")
        if strategy not in STRATEGIES:
            raise CourseError(f"unknown strategy {strategy!r}; choose one of {STRATEGIES}")
        if not timeout > 0:
            raise CourseError(f"timeout must be positive, got {timeout!r}")
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model or os.environ.get("CAUSALCOURSE_LLM_MODEL") or "default"
        self.strategy, self.timeout, self.temperature = strategy, float(timeout), float(temperature)
        self.name = f"{self.model}/{strategy}"

    def __repr__(self) -> str:
        return (
            f"OpenAICompatibleAnswerer(url={self.url!r}, model={self.model!r}, "
            f"strategy={self.strategy!r})"
        )

    @staticmethod
    def _scrub(text: str) -> str:
        key = os.environ.get(_KEY_ENV)
        return text.replace(key, "[key]") if key else text

    def _fetch(self, url: str, body: bytes | None = None) -> bytes:
        """One request (POST if ``body`` else GET); the raw reply or :class:`LLMError`."""
        headers = {"Content-Type": "application/json"}
        if os.environ.get(_KEY_ENV):
            headers["Authorization"] = "Bearer " + os.environ[_KEY_ENV]
        request = urllib.request.Request(
            url, data=body, headers=headers, method="POST" if body is not None else "GET"
        )
        host = urllib.parse.urlsplit(url).hostname or ""
        # a model on this machine is reached directly, even when HTTP(S)_PROXY is set
        opener = (
            urllib.request.build_opener(urllib.request.ProxyHandler({}))
            if host in ("localhost", "127.0.0.1", "::1")
            else urllib.request.build_opener()
        )
        error = ""
        try:
            with opener.open(request, timeout=self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as http:
            detail = http.read(300).decode("utf-8", "replace") if http.fp else ""
            error = f"HTTP {http.code} from {url}: {detail.strip()[:200]}"
        except TimeoutError:
            error = f"no reply from {url} within {self.timeout:g} s"
        except urllib.error.URLError as problem:
            reason = problem.reason
            if isinstance(reason, (TimeoutError, socket.timeout)):
                error = f"no reply from {url} within {self.timeout:g} s"
            else:
                error = f"cannot reach {url}: {reason}"
        except (ConnectionError, OSError) as conn:
            error = f"connection to {url} failed: {type(conn).__name__}"
        raise LLMError(self._scrub(error))

    def models(self) -> list[str]:
        """The model names the server offers (``GET <base URL>/models``), or :class:`LLMError`.

        Ollama lists the models pulled with ``ollama pull``; llama.cpp's server lists the one
        it loaded. Use one of the names as ``model`` (or ``CAUSALCOURSE_LLM_MODEL``).
        """
        url = self.url[: -len("/chat/completions")] + "/models"
        raw = self._fetch(url)
        try:
            return [str(m["id"]) for m in json.loads(raw)["data"]]
        except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError):
            message = f"reply from {url} has no list of models: {raw[:120]!r}"
            raise LLMError(self._scrub(message)) from None

    def chat(self, messages: list[dict]) -> str:
        """One chat-completions request; returns the reply text or raises :class:`LLMError`."""
        body = json.dumps(
            {"model": self.model, "messages": messages, "temperature": self.temperature}
        ).encode()
        raw = self._fetch(self.url, body)
        try:
            reply = json.loads(raw)
            message = reply["choices"][0]["message"]
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise LLMError(self._scrub(f"malformed JSON from {self.url}: {raw[:120]!r}")) from None
        except (KeyError, IndexError, TypeError):
            raise LLMError(
                self._scrub(f"reply from {self.url} has no choices[0].message")
            ) from None
        if message.get("refusal"):
            raise LLMError(self._scrub(f"the model refused: {str(message['refusal'])[:120]}"))
        content = message.get("content")
        if not isinstance(content, str) or not content.strip():
            raise LLMError(f"empty reply from {self.url}")
        return content

    def messages(self, question: Question) -> list[dict]:
        """The chat messages this strategy sends for ``question`` (see :func:`build_messages`)."""
        return build_messages(question, self.strategy)

    def answer(self, question: Question) -> Answer:
        """Ask the model; every failure is recorded in the returned :class:`Answer`, never
        raised."""
        try:
            reply = self.chat(self.messages(question))
        except LLMError as error:
            return Answer(yes=None, error=str(error))
        if self.strategy != "translator":
            try:
                return Answer(yes=parse_yes_no(reply), raw=reply)
            except LLMError as error:
                return Answer(yes=None, error=str(error), raw=reply)
        match = re.search(r"\{.*\}", reply, flags=re.S)
        try:
            extracted = json.loads(match.group(0)) if match else None
            if not isinstance(extracted, dict):
                raise CourseError("no JSON object in the reply")
        except (json.JSONDecodeError, ValueError) as error:
            return Answer(yes=None, error=f"translator: {error}", raw=reply)
        check = check_extraction(extracted, question.spec)
        try:
            yes, value = solve(extracted)
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            return Answer(
                yes=None, error=f"engine on the extraction: {error}", raw=reply, extraction=check
            )
        return Answer(yes=yes, value=value, raw=reply, extraction=check)
