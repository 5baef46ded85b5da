"""Tests of causalcourse.llm: generator, exact ground truth (checked by simulating the chapter-02
SCM class), answerers, harness, and the HTTP client against a real chat-completions server on
loopback that also misbehaves (malformed JSON, HTTP 500, slow replies, refusals)."""

from __future__ import annotations

import collections
import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from causalcourse.llm import (SHAPES, AssociationalAnswerer, CausalEngineAnswerer, CommonsenseAnswerer, LLMError,
                              OpenAICompatibleAnswerer, SloppyAnswerer, accuracy_pivot, accuracy_table,
                              error_rates, evaluate, generate_benchmark, hallucination_rate, read_jsonl,
                              solve, to_jsonl, true_model, unidentified_questions, wilson_interval)
from causalcourse.errors import CourseError
from causalcourse.llm.client import check_extraction, parse_yes_no
from causalcourse.scm import SCM, Mechanism, uniform

KEY = "sk-test-SECRET-0123456789"


@pytest.fixture(scope="module")
def questions():
    return generate_benchmark(n_per_cell=16, seed=7)


# --- generator -------------------------------------------------------------------------------
def test_balanced_per_rung_variant_and_query(questions) -> None:
    counts = collections.Counter((q.rung, q.variant, q.query, q.answer) for q in questions)
    for (rung, variant, query, answer), n in counts.items():
        assert n == counts[(rung, variant, query, not answer)], (rung, variant, query)
    assert len(questions) == 3 * 3 * 16
    assert {q.shape for q in questions} == {"chain", "fork", "collider", "confounding", "mediation", "frontdoor"}
    # shapes are taken in turn, pair by pair: with 32 per cell every shape appears
    assert {q.shape for q in generate_benchmark(32, seed=7, rungs=(1,), variants=("nonsense",))} == set(SHAPES)


def test_seeded_and_unique_ids() -> None:
    a, b = generate_benchmark(4, seed=3), generate_benchmark(4, seed=3)
    assert [q.to_dict() for q in a] == [q.to_dict() for q in b]
    assert [q.story for q in a] != [q.story for q in generate_benchmark(4, seed=4)]
    assert len({q.id for q in a}) == len(a)


def test_bad_arguments_are_named() -> None:
    with pytest.raises(ValueError, match="rung 4"):
        generate_benchmark(2, rungs=(4,))
    with pytest.raises(ValueError, match="'silly'"):
        generate_benchmark(2, variants=("silly",))
    with pytest.raises(ValueError, match="n_per_cell"):
        generate_benchmark(0)


def test_odd_size_is_refused_not_unbalanced() -> None:
    with pytest.raises(CourseError, match="n_per_cell must be even.*got 3"):
        generate_benchmark(n_per_cell=3)


def test_jsonl_round_trip(tmp_path, questions) -> None:
    path = to_jsonl(questions[:20], tmp_path / "bench.jsonl")
    first = json.loads(path.read_text().splitlines()[0])
    assert first["answer"] in ("yes", "no") and set(first["spec"]) >= {"edges", "numbers", "query"}
    assert read_jsonl(path) == questions[:20]
    (tmp_path / "bad.jsonl").write_text('{"id": 1}\n')
    with pytest.raises(ValueError, match="line 1"):
        read_jsonl(tmp_path / "bad.jsonl")


def test_story_states_every_number_and_edge(questions) -> None:
    for q in questions[::7]:
        for e in q.spec["numbers"]:
            assert f"{round(100 * e['p'])}%" in q.story
        for a, b in q.spec["edges"]:
            assert f"{a[0].upper() + a[1:]} has a direct effect on {b}." in q.story


def test_answers_keep_a_margin(questions) -> None:
    for q in questions:
        if q.query != "adjustment":
            gap = abs(q.value - q.threshold)
            assert gap < 1e-9 or gap >= 0.04, q.id


# --- ground truth: exact enumeration against simulation of the chapter-02 SCM class ------------
def _simulation_scm(question) -> SCM:
    model = question.model

    def mechanism(node):
        parents = tuple(model["parents"][node])
        table = np.asarray(model["probs"][node])

        def f(*args):
            *pa, u = args
            code = np.zeros(len(u), dtype=int)
            for values in pa:
                code = 2 * code + np.asarray(values, dtype=int)
            return (u < table[code]).astype(int)
        return Mechanism(parents, f, uniform())

    return SCM({node: mechanism(node) for node in model["parents"]})


def _simulate(question, n: int = 200_000, seed: int = 11) -> float:
    scm = _simulation_scm(question)
    q = question.spec["query"]
    x, y, m = q["treatment"], q["outcome"], q["mediator"]
    obs, u = scm.sample(n, seed=seed, return_noise=True)
    do1, do0 = scm.do({x: 1}).sample(noise=u), scm.do({x: 0}).sample(noise=u)
    kind = question.query
    if kind == "marginal":
        return float(obs[y].mean())
    if kind == "conditional":
        return float(obs[y][obs[x] == 1].mean() - obs[y][obs[x] == 0].mean())
    if kind == "ate":
        return float(do1[y].mean() - do0[y].mean())
    if kind == "ett":
        treated = obs[x] == 1
        return float(do1[y][treated].mean() - do0[y][treated].mean())
    if kind == "counterfactual":
        unlucky = (obs[x] == 0) & (obs[y] == 0)
        return float(do1[y][unlucky].mean())
    if kind == "nde":
        m0 = do0[m].to_numpy()
        y1m0 = scm.do({x: 1, m: lambda *args: m0}).sample(noise=u)[y]
        return float(y1m0.mean() - do0[y].mean())
    if kind == "nie":
        m1 = do1[m].to_numpy()
        y0m1 = scm.do({x: 0, m: lambda *args: m1}).sample(noise=u)[y]
        return float(y0m1.mean() - do0[y].mean())
    raise AssertionError(kind)


def test_ground_truth_matches_simulation_of_the_scm_class(questions) -> None:
    picked = {}
    for q in generate_benchmark(32, seed=7):  # one question per (query type, shape)
        if q.query != "adjustment":
            picked.setdefault((q.query, q.shape), q)
    assert len(picked) == 26
    for (kind, shape), q in picked.items():
        simulated = _simulate(q)
        assert abs(simulated - q.value) < 0.012, (kind, shape, q.value, simulated)


def test_binary_scm_to_scm_is_the_threshold_model(questions) -> None:
    """BinarySCM.to_scm (bernoulli_threshold, flat tables) equals the hand-written mechanisms."""
    for q in questions[::7]:
        ours = true_model(q).to_scm().sample(2000, seed=5)
        theirs = _simulation_scm(q).sample(2000, seed=5)
        pd.testing.assert_frame_equal(ours[theirs.columns], theirs)


def test_true_model_reproduces_the_stated_numbers(questions) -> None:
    for q in questions[::5]:
        model = true_model(q)
        for e in q.spec["numbers"]:
            assert abs(model.prob(e["variable"], e["given"]) - e["p"]) <= 0.005 + 1e-12, q.id


# --- answerers -------------------------------------------------------------------------------
def test_engine_is_exact_and_baselines_behave_as_designed(questions) -> None:
    results = evaluate(questions, [CausalEngineAnswerer(), AssociationalAnswerer(), CommonsenseAnswerer()])
    assert not results.failed.any()
    acc = results.groupby(["answerer", "rung"]).correct.mean()
    assert (acc["causal engine"] == 1).all()
    assert acc["associational"][1] == 1 and acc["associational"][2] < 0.8 and acc["associational"][3] < 0.9
    by_variant = results.groupby(["answerer", "variant"]).correct.mean()["commonsense"]
    assert by_variant["commonsense"] > 0.6 > 0.4 > by_variant["anticommonsense"]
    assert abs(by_variant["nonsense"] - 0.5) < 0.15


def test_engine_values_agree_with_truth(questions) -> None:
    for q in questions:
        yes, value = solve(q.spec)
        assert yes == q.answer
        if q.shape in ("frontdoor", "iv"):  # the story rounds observational numbers to whole percent
            assert abs(value - q.value) < 0.02, q.id
        else:
            assert abs(value - q.value) < 1e-9, q.id


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000))
def test_engine_answers_every_seed(seed: int) -> None:
    for q in generate_benchmark(4, seed=seed, rungs=(2, 3), variants=("nonsense",)):
        assert solve(q.spec)[0] == q.answer


def test_engine_errors_name_the_problem(questions) -> None:
    q = next(q for q in questions if q.query == "ett")
    broken = dict(q.spec, numbers=q.spec["numbers"][:-1])
    with pytest.raises(ValueError, match="no probability stated"):
        solve(broken)
    with pytest.raises(KeyError, match="'nobody'"):
        solve(dict(q.spec, query=dict(q.spec["query"], treatment="nobody")))
    latent = next(q for q in unidentified_questions(2, seed=0) if q.shape == "iv")
    with pytest.raises(ValueError, match="not identified"):
        solve(dict(latent.spec, query=dict(latent.spec["query"], type="ate")))
    assert CausalEngineAnswerer().answer(type(q)(**{**q.__dict__, "spec": broken})).failed


# --- harness ---------------------------------------------------------------------------------
def test_wilson_and_tables() -> None:
    low, high = wilson_interval(0, 10)
    assert low == pytest.approx(0, abs=1e-12) and 0.2 < high < 0.35
    with pytest.raises(ValueError, match="trials must be a positive whole number"):
        wilson_interval(0, 0)
    results = pd.DataFrame({"answerer": ["a"] * 4, "rung": [1, 1, 2, 2], "correct": [True, False, True, True],
                            "failed": [False, True, False, False]})
    table = accuracy_table(results)
    assert table.failed.tolist() == [1, 0] and table.accuracy.tolist() == [0.5, 1.0]
    with pytest.raises(KeyError, match="variant"):
        accuracy_table(results, by="variant")


def test_results_saved_as_csv(tmp_path, questions) -> None:
    path = tmp_path / "results.csv"
    results = evaluate(questions[:10], [AssociationalAnswerer()], csv_path=path)
    back = pd.read_csv(path)
    assert len(back) == 10 and back.correct.tolist() == results.correct.tolist()


# --- the HTTP client against a local chat-completions server --------------------------------
class _Handler(BaseHTTPRequestHandler):
    extraction: dict = {}
    seen_auth: list = []

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def _send(self, code: int, body: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        _Handler.seen_auth.append(self.headers.get("Authorization"))
        if self.path == "/v1/models":
            self._send(200, json.dumps({"object": "list", "data": [
                {"id": "llama3.2", "object": "model"}, {"id": "qwen2.5:0.5b", "object": "model"}]}).encode())
        elif self.path == "/junk/v1/models":
            self._send(200, b"<html>not a list</html>")
        else:
            self._send(404, b"no such page")

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Handler.seen_auth.append(self.headers.get("Authorization"))
        mode, prompt = request["model"], request["messages"][-1]["content"]

        def reply(content, refusal=None) -> bytes:
            msg = {"role": "assistant", "content": content, "refusal": refusal}
            return json.dumps({"choices": [{"index": 0, "message": msg}]}).encode()

        if mode == "yes":
            self._send(200, reply("Yes"))
        elif mode == "cot":
            assert "Causal graph:" in prompt
            self._send(200, reply("Step 1: rung 2 ... Step 4: positive.\nAnswer: no"))
        elif mode == "translate":
            self._send(200, reply("Here it is:\n" + json.dumps(_Handler.extraction)))
        elif mode == "malformed":
            self._send(200, b'{"choices": [ {"message": ')
        elif mode == "nochoices":
            self._send(200, b'{"choices": []}')
        elif mode == "error500":
            self._send(500, f"internal error; you sent {self.headers.get('Authorization')}".encode())
        elif mode == "slow":
            time.sleep(3)
            self._send(200, reply("Yes"))
        elif mode == "refuse":
            self._send(200, reply(None, refusal="I can't help with that."))
        elif mode == "waffle":
            self._send(200, reply("I'm sorry, but I cannot determine causal effects from a story."))
        else:
            self._send(404, b"unknown model")


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.block_on_close = False
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def key(monkeypatch):
    monkeypatch.setenv("CAUSALCOURSE_LLM_API_KEY", KEY)
    return KEY


def _client(server, mode, strategy="plain", timeout=5.0):
    return OpenAICompatibleAnswerer(server, model=mode, strategy=strategy, timeout=timeout)


def test_normal_answers(server, key, questions) -> None:
    q = questions[0]
    assert _client(server, "yes").answer(q).yes is True
    cot = _client(server, "cot", "graph_cot").answer(q)
    assert cot.yes is False and "Answer: no" in cot.raw
    assert _Handler.seen_auth[-1] == f"Bearer {KEY}"  # the key is sent to the server, and only there


def test_translator_uses_engine_and_counts_hallucinations(server, key, questions) -> None:
    q = next(q for q in questions if q.query == "ate" and q.shape == "confounding")
    _Handler.extraction = q.spec
    good = _client(server, "translate", "translator").answer(q)
    assert good.yes == q.answer and good.extraction == {"extra_edges": 0, "missing_edges": 0, "wrong_numbers": 0}
    wrong = json.loads(json.dumps(q.spec))
    wrong["edges"] = wrong["edges"][1:] + [[q.spec["query"]["outcome"], "the moon"]]
    _Handler.extraction = wrong
    bad = _client(server, "translate", "translator").answer(q)
    assert bad.extraction["extra_edges"] == 1 and bad.extraction["missing_edges"] == 1
    assert bad.failed and "engine on the extraction" in bad.error  # "the moon" has no numbers


@pytest.mark.parametrize("mode, message", [
    ("malformed", "malformed JSON"), ("nochoices", "no choices"), ("error500", "HTTP 500"),
    ("refuse", "refused"), ("waffle", "no yes/no answer"), ("missing", "HTTP 404")])
def test_failures_are_recorded_not_raised(server, key, questions, mode, message) -> None:
    answer = _client(server, mode).answer(questions[0])
    assert answer.failed and message in answer.error
    assert KEY not in answer.error and KEY not in answer.raw
    if mode != "waffle":
        with pytest.raises(LLMError, match=message):
            _client(server, mode).chat([{"role": "user", "content": "hi"}])


def test_models_lists_what_the_server_offers(server, key) -> None:
    client = _client(server, "yes")
    assert client.models() == ["llama3.2", "qwen2.5:0.5b"]
    assert _Handler.seen_auth[-1] == f"Bearer {KEY}"
    junk = OpenAICompatibleAnswerer(server.replace("/v1", "/junk/v1"), model="x", timeout=5)
    with pytest.raises(LLMError, match="no list of models"):
        junk.models()
    with pytest.raises(LLMError, match="HTTP 404"):
        OpenAICompatibleAnswerer(server.replace("/v1", "/nothing/v1"), model="x", timeout=5).models()
    with pytest.raises(LLMError, match="127.0.0.1:9"):
        OpenAICompatibleAnswerer("http://127.0.0.1:9/v1", model="x", timeout=1).models()


def test_slow_server_times_out_fast(server, key, questions) -> None:
    start = time.perf_counter()
    answer = _client(server, "slow", timeout=0.5).answer(questions[0])
    assert time.perf_counter() - start < 2.5
    assert answer.failed and "within 0.5 s" in answer.error


def test_unreachable_server_is_a_recorded_failure(key, questions) -> None:
    answer = OpenAICompatibleAnswerer("http://127.0.0.1:9/v1", model="x", timeout=1).answer(questions[0])
    assert answer.failed and "127.0.0.1:9" in answer.error


def test_key_never_leaks(server, key, questions, capsys, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    client = _client(server, "error500")
    results = evaluate(questions[:3], [client, _client(server, "yes")])
    print(results.to_string(), repr(client), vars(client))
    with pytest.raises(LLMError) as info:
        client.chat([{"role": "user", "content": "hi"}])
    text = capsys.readouterr().out + caplog.text + str(info.value) + repr(info.value) + results.to_csv()
    assert "HTTP 500" in text and "[key]" in text  # the server echoed the key; it was scrubbed
    assert KEY not in text and KEY not in repr(vars(client))
    assert results.failed.sum() == 3 and results[results.answerer == "yes/plain"].failed.sum() == 0


def test_client_configuration(monkeypatch) -> None:
    monkeypatch.delenv("CAUSALCOURSE_LLM_URL", raising=False)
    with pytest.raises(ValueError, match="CAUSALCOURSE_LLM_URL"):
        OpenAICompatibleAnswerer()
    with pytest.raises(ValueError, match="strategy 'magic'"):
        OpenAICompatibleAnswerer("http://127.0.0.1:1", strategy="magic")
    monkeypatch.setenv("CAUSALCOURSE_LLM_URL", "http://127.0.0.1:1/v1/")
    monkeypatch.setenv("CAUSALCOURSE_LLM_MODEL", "tiny")
    client = OpenAICompatibleAnswerer(strategy="graph_cot")
    assert client.url == "http://127.0.0.1:1/v1/chat/completions" and client.name == "tiny/graph_cot"


def test_parsing_helpers() -> None:
    assert parse_yes_no("**Answer: yes**") is True
    assert parse_yes_no("Answer: no ... wait. Answer: yes") is True
    with pytest.raises(LLMError, match="no yes/no"):
        parse_yes_no("Maybe.")
    assert check_extraction({"edges": [], "confounded": [["b", "a"]]}, {"confounded": [["A", "B"]]}) == {
        "extra_edges": 0, "missing_edges": 0, "wrong_numbers": 0}


def test_hallucination_rate_ignores_answerers_without_extractions(questions) -> None:
    results = evaluate(questions[:4], [AssociationalAnswerer()])
    assert hallucination_rate(results).empty


def test_loopback_server_is_reached_directly_despite_a_proxy(server, key, questions, monkeypatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # a proxy that does not exist
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert _client(server, "yes").answer(questions[0]).yes is True


def test_story_variants_fix_the_sign_of_the_effect(questions) -> None:
    for q in questions:
        if q.query in ("ate", "ett", "nde", "nie") and q.variant != "nonsense":
            sign = 1 if q.variant == "commonsense" else -1
            assert sign * q.value >= -1e-9, (q.id, q.value)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 99), min_size=7, max_size=7))
def test_enumeration_matches_the_adjustment_formula(percent) -> None:
    from causalcourse.llm.exact import BinarySCM

    pz, px0, px1, *py = [v / 100 for v in percent]  # py: P(Y=1 | X, Z) for (X, Z) = 00, 01, 10, 11
    model = BinarySCM({"Z": (), "X": ("Z",), "Y": ("X", "Z")}, {"Z": [pz], "X": [px0, px1], "Y": py})
    p_z = [1 - pz, pz]
    ate = sum(p_z[z] * (py[2 + z] - py[z]) for z in (0, 1))
    assert model.ate("X", "Y") == pytest.approx(ate, abs=1e-12)
    p_x1 = [px0, px1]
    joint_x1 = [p_z[z] * p_x1[z] for z in (0, 1)]
    assert model.prob("Y", {"X": 1}) == pytest.approx(sum(j * py[2 + z] for z, j in enumerate(joint_x1)) / sum(joint_x1))
    # the unit counterfactual of a monotone threshold model (chapter 00's formula), per stratum of Z
    w = [p_z[z] * (1 - p_x1[z]) * (1 - py[z]) for z in (0, 1)]
    cf = sum(w[z] * max(py[2 + z] - py[z], 0) / (1 - py[z]) for z in (0, 1)) / sum(w)
    assert model.counterfactual("X", "Y") == pytest.approx(cf, abs=1e-12)


def test_binary_scm_names_bad_input() -> None:
    from causalcourse.llm.exact import BinarySCM

    with pytest.raises(KeyError, match="parent 'W' of 'Y'"):
        BinarySCM({"Y": ("W",)}, {"Y": [0.1, 0.2]})
    with pytest.raises(ValueError, match="'Y' needs 2 probabilities"):
        BinarySCM({"X": (), "Y": ("X",)}, {"X": [0.5], "Y": [0.1]})
    with pytest.raises(ValueError, match="probabilities of 'X' must lie in"):
        BinarySCM({"X": ()}, {"X": [1.5]})
    with pytest.raises(ValueError, match="cycle"):
        BinarySCM({"X": ("Y",), "Y": ("X",)}, {"X": [0.1, 0.2], "Y": [0.1, 0.2]})
    with pytest.raises(ValueError, match="probability zero"):
        BinarySCM({"X": ()}, {"X": [0.0]}).prob("X", {"X": 1})


@pytest.mark.parametrize("k, n", [(0, 5), (8, 10), (37, 120), (120, 120)])
def test_wilson_interval_is_the_wilson_formula(k: int, n: int) -> None:
    from causalcourse.llm.harness import wilson_interval

    z, p = 1.96, k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert wilson_interval(k, n) == pytest.approx((centre - half, centre + half), abs=1e-12)


# --- balance per shape, benchmark size, error types (chapter 14) -----------------------------
EFFECT_QUERIES = ("ate", "ett", "nde", "nie", "counterfactual")


def test_answers_are_balanced_within_every_shape(questions) -> None:
    counts = collections.Counter((q.rung, q.variant, q.query, q.shape, q.answer) for q in questions)
    for (rung, variant, query, shape, answer), n in counts.items():
        assert n == counts[(rung, variant, query, shape, not answer)], (variant, query, shape)
    shapes_of = collections.defaultdict(set)
    for q in questions:
        shapes_of[q.query].add(q.shape)
    assert not shapes_of["adjustment"] & {"frontdoor", "iv"}  # no valid observed set there
    for query in EFFECT_QUERIES:  # only shapes in which X has the effect asked about
        assert not shapes_of[query] & {"fork", "collider", "iv"}, query
    mix = collections.Counter((q.variant, q.query, q.shape) for q in questions)
    for variant in ("anticommonsense", "nonsense"):
        assert {k[1:]: n for k, n in mix.items() if k[0] == variant} == {
            k[1:]: n for k, n in mix.items() if k[0] == "commonsense"}


def test_shape_alone_does_not_give_the_answer(questions) -> None:
    by_shape = collections.defaultdict(list)
    for q in questions:
        by_shape[(q.query, q.shape)].append(q.answer)
    assert all(np.mean(a) == 0.5 for a in by_shape.values())


@pytest.mark.parametrize("n", [2, 10, 40])
def test_one_parameter_sets_the_size(n: int) -> None:
    qs = generate_benchmark(n_per_cell=n, seed=1, rungs=(2,))
    assert len(qs) == 3 * n and sum(q.answer for q in qs) == 3 * n // 2
    counts = collections.Counter((q.variant, q.query, q.shape, q.answer) for q in qs)
    assert all(counts[k] == counts[(*k[:3], not k[3])] for k in counts)
    assert all(solve(q.spec)[0] == q.answer for q in qs[:: max(1, n // 4)])


def test_unidentified_probes_are_declined_by_the_engine() -> None:
    probes = unidentified_questions(8, seed=3)
    assert len(probes) == 24 and all(q.id.startswith("u") for q in probes)
    assert sum(q.answer for q in probes) == 12
    assert {(q.query, q.rung) for q in probes} == {("ate", 2), ("counterfactual", 3)}
    for q in probes:
        with pytest.raises(ValueError, match="not identified|needs the mechanisms"):
            solve(q.spec)
    results = evaluate(probes, [CausalEngineAnswerer(), AssociationalAnswerer()])
    assert not results.identified.any()
    rates = error_rates(results).set_index(["answerer", "error"]).rate
    assert rates["causal engine", "confident when not identified"] == 0
    assert rates["associational", "confident when not identified"] == 1
    with pytest.raises(ValueError, match="n_per_variant"):
        unidentified_questions(0)


def test_sloppy_answerer_without_errors_is_the_engine(questions) -> None:
    clean = SloppyAnswerer()
    assert all(clean.answer(q).yes == q.answer for q in questions[::3])
    assert all(clean.answer(q).extraction == {"extra_edges": 0, "missing_edges": 0,
                                              "wrong_numbers": 0} for q in questions[::7])
    always = SloppyAnswerer(extra_edge=1, wrong_number=1)
    for q in questions[::5]:
        check = always.answer(q).extraction
        assert check["extra_edges"] == 1 and check["wrong_numbers"] == 1, q.id
    q = questions[9]
    assert SloppyAnswerer(0.5, 0.5, 0.5, 0.5, seed=4).answer(q) == SloppyAnswerer(
        0.5, 0.5, 0.5, 0.5, seed=4).answer(q)  # same question, same errors
    with pytest.raises(ValueError, match="overconfident"):
        SloppyAnswerer(overconfident=-0.1)


def test_error_rates_recover_the_rates_an_answerer_was_built_with(questions) -> None:
    probes = unidentified_questions(16, seed=2)
    set_rates = {"edge not in the story": 0.3, "misread number": 0.2, "wrong rung": 0.5,
                 "confident when not identified": 0.4}
    copies = [SloppyAnswerer(0.3, 0.2, 0.5, 0.4, seed=k, name="sloppy") for k in range(3)]
    results = pd.concat([evaluate(questions + probes, [a]) for a in copies])
    table = error_rates(results).set_index("error")
    for error, rate in set_rates.items():
        assert table.ci_low[error] <= rate <= table.ci_high[error], (error, table.loc[error])
    assert table.n["wrong rung"] > 5 and table.n["edge not in the story"] == len(results)


def test_wrong_rung_is_the_associational_signature(questions) -> None:
    results = evaluate(questions, [CausalEngineAnswerer(), AssociationalAnswerer()])
    rates = error_rates(results).set_index(["answerer", "error"])
    assert rates.rate["associational", "wrong rung"] == 1
    assert rates.rate["causal engine", "wrong rung"] == 0
    assert rates.n["associational", "wrong rung"] > 0
    assert ("associational", "edge not in the story") not in rates.index  # no extractions
    with pytest.raises(KeyError, match="identified"):
        error_rates(results.drop(columns="identified"))


def test_accuracy_pivot_prints_wilson_intervals(questions) -> None:
    results = evaluate(questions[:48], [AssociationalAnswerer()])
    table = accuracy_table(results, by="rung").set_index("rung")
    text = accuracy_pivot(results, by="rung").loc["associational", 1]
    assert text == f"{table.accuracy[1]:.2f} [{table.ci_low[1]:.2f}, {table.ci_high[1]:.2f}]"
    with pytest.raises(KeyError, match="'shape_x'"):
        accuracy_pivot(results, by="shape_x")
