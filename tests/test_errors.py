"""Bad input to every public function raises a course error that names the offending value.

The policy (``causalcourse/__init__.py``): input is checked before anything is computed;
bad input raises :class:`~causalcourse.errors.CourseError` (a ``ValueError``), an unknown
name :class:`~causalcourse.errors.UnknownNameError` (also a ``KeyError``). Each row below is
one public function (or method), one bad call, the error class and a pattern of the message.
:func:`test_every_public_function_has_a_bad_input_case` keeps the table complete: a new public
function needs a row here, or a place in ``NO_USER_INPUT`` with the reason.
"""

from __future__ import annotations

import importlib
import inspect
import re

from pathlib import Path

import networkx as nx
import pytest
import torch
import numpy as np
import pandas as pd
import statsmodels.api as sm

from causalcourse import bandits, counterfactuals as cf, data, graphs, identification as ident, imageworld as iw
from causalcourse import rl, scm as scm_mod, set_seed
from causalcourse.design import bge, dags, eig, experiments, mcmc, posterior, sem
from causalcourse.discovery import compare, equivalence, independence, pairs, sachs, search
from causalcourse.errors import CourseError, UnknownNameError
from causalcourse.llm import answerers, benchmark, client, exact, harness
from causalcourse import crl, netguard, ppl
from causalcourse import dsep, errors, estimation as est, uncertainty as unc
from causalcourse import interventional as iv
from causalcourse import scb, sequential as sq
from causalcourse.design import order_mcmc as om
from causalcourse import ladder_model as lm

R = np.random.default_rng(0)
S = scm_mod.SCM({"X": ((), lambda u: u, scm_mod.normal()), "Y": (("X",), lambda x, u: x + u, scm_mod.normal())})
G = graphs.dag([("Z", "X"), ("Z", "Y"), ("X", "Y")])
D2 = dags.enumerate_dags(2)
EV = bge.Evidence.from_data(R.normal(size=(10, 2)))
SM = posterior.StructureModel(("X", "Y"))
SEM = sem.LinearSEM(("X", "Y"), np.array([[0.0, 1.0], [0.0, 0.0]]), np.ones(2))
ENV = rl.Switchboard(n_switches=2, targets=(0,))
IVCELLS = pd.DataFrame({"X": np.arange(6.0), "Y": np.arange(6.0) % 4, "condition": ["base"] * 3 + ["drug"] * 3})
IV = scb.diagram([("Z", "X"), ("X", "Y")], confounded=[("X", "Y")])
BSCM = exact.BinarySCM({"X": (), "Y": ("X",)}, {"X": [0.5], "Y": [0.2, 0.6]})
# Inputs shared by the rows of chapter 02's and chapter 09's modules.
G_DS = graphs.dag([("X", "M"), ("M", "Y"), ("Z", "X"), ("Z", "Y")])
CYC_DS = nx.DiGraph([("A", "B"), ("B", "A")])
FRAME_OM = pd.DataFrame({"A": np.linspace(0, 1, 20), "B": np.cos(np.arange(20.0)),
                         "condition": ["obs"] * 20})
EV_OM = om.interventional_evidence(FRAME_OM, ["A", "B"])
FS_OM = om.family_scores(EV_OM, ["A", "B"])
CH_OM = om.order_mcmc(FS_OM, np.random.default_rng(0), n_chains=2, n_steps=40, thin=2, burn_in=0)
GS_OM = om.sample_graphs(FS_OM, CH_OM, np.random.default_rng(0))
# Inputs shared by the rows of chapter 15's module.
LM_FMT = lm.RowFormat(("M", "X", "Y", "Z"))
LM_G = lm.chapter_world().graph()
LM_ROWS = [lm.training_rows(lm.chapter_world(), "A", 20, seed=0)]

C = CourseError
U = UnknownNameError
LL = pd.DataFrame({"age": [25.0, 30.0, 40.0, 35.0], "treat": [1, 1, 0, 0], "re78": [1.0, 2.0, 3.0, 4.0]})
OLS = sm.OLS(LL["re78"], LL[["age"]]).fit()

# one row per public function or method: (name, bad call, error class, message pattern)
CASES = [
    # package and scm
    ("set_seed", lambda: set_seed(-1), C, "seed must be a non-negative integer"),
    ("scm.normal", lambda: scm_mod.normal(0, -1), C, "scale > 0"),
    ("scm.uniform", lambda: scm_mod.uniform(1, 0), C, "low < high"),
    ("scm.bernoulli", lambda: scm_mod.bernoulli(2), C, "0 <= p <= 1"),
    ("scm.Noise", lambda: scm_mod.SCM({"X": ((), lambda u: u, "normal")}), C, "must be a Noise"),
    ("scm.Mechanism", lambda: scm_mod.Mechanism("X", lambda x: x), C, "not the string 'X'"),
    ("scm.Mechanism.apply", lambda: scm_mod.Mechanism((), lambda u: u[:1], scm_mod.normal()).apply("V", [], np.zeros(3), 3), C, "assignment of 'V' returned shape"),
    ("scm.SCM", lambda: scm_mod.SCM({"Y": (("W",), lambda w, u: w + u, scm_mod.normal())}), C, "parent 'W'"),
    ("scm.SCM.do", lambda: S.do({"Q": 1}), U, "'Q'"),
    ("scm.SCM.sample", lambda: S.sample(0, seed=0), C, "n must be a positive integer"),
    ("scm.SCM.parents", lambda: S.parents("Q"), U, "'Q'"),
    ("scm.bernoulli_threshold", lambda: scm_mod.bernoulli_threshold(("A", "B"), [0.1, 0.2]), C, "2 parent"),
    ("scm.linear_gaussian", lambda: scm_mod.linear_gaussian(("X", "Y"), np.zeros((3, 3))), C, "shape"),
    ("scm.standardise_linear", lambda: scm_mod.standardise_linear(np.array([[0.0, 1.0], [1.0, 0.0]])), C, "cycle"),
    # graphs
    ("graphs.dag", lambda: graphs.dag([("X", "Smokng")], nodes=["X", "Smoking"]), U, "'Smokng'"),
    ("graphs.check_acyclic", lambda: graphs.check_acyclic(nx.DiGraph([("A", "B"), ("B", "A")])), C, "cycle"),
    ("graphs.check_nodes", lambda: graphs.check_nodes(G, ["Q"]), U, "'Q'"),
    ("graphs.latent_nodes", lambda: graphs.latent_nodes(nx.DiGraph([("A", "B"), ("B", "A")])), C, "needs a DAG"),
    ("graphs.layered_positions", lambda: graphs.layered_positions(nx.DiGraph([("A", "B"), ("B", "A")])), C, "needs a DAG"),
    ("graphs.draw_dag", lambda: graphs.draw_dag(G, highlight=["Q"]), U, "'Q'"),
    # counterfactuals
    ("counterfactuals.abduct", lambda: cf.abduct(S, {"X": 1.0}), C, "noise of 'Y'"),
    ("counterfactuals.counterfactual", lambda: cf.counterfactual(S, {"X": 1.0, "Q": 2.0}, {"X": 0.0}), U, "'Q'"),
    ("counterfactuals.probabilities_of_causation", lambda: cf.probabilities_of_causation(S, "X", "Q"), U, "'Q'"),
    ("counterfactuals.tian_pearl_bounds", lambda: cf.tian_pearl_bounds([[0.5, 0.5]], p_y_do_x1=0.5, p_y_do_x0=0.5), C, "2x2"),
    ("counterfactuals.but_for_causes", lambda: cf.but_for_causes(S, {"X": 1.0, "Y": 2.0}, "Q"), U, "'Q'"),
    ("counterfactuals.Causation", lambda: cf.Causation(pn=1, ps=1, pns=1, p_xy=np.ones((2, 2)), p_y_do_x1=1, p_y_do_x0=0).bounds(), C, "probability table"),
    # identification
    ("identification.latent_projection", lambda: ident.latent_projection(G, latent=["W"]), U, "'W'"),
    ("identification.identify_y0", lambda: ident.identify_y0(G, "Q", "Y"), U, "'Q'"),
    ("identification.identify_dowhy", lambda: ident.identify_dowhy(G, "X", []), C, "at least one outcome"),
    ("identification.dowhy_estimands", lambda: ident.dowhy_estimands("backdoor"), C, "IdentifiedEstimand"),
    # data
    ("data.sha256_file", lambda: data.sha256_file("/nonexistent/file.csv"), U, "file.csv"),
    ("data.read_manifest", lambda: data.read_manifest("/nonexistent/SHA256SUMS"), U, "SHA256SUMS"),
    ("data.verify_manifest", lambda: data.verify_manifest("/nonexistent/SHA256SUMS"), U, "SHA256SUMS"),
    ("data.verify_all", lambda: data.verify_all("/nonexistent/dir"), U, "dir"),
    ("data.verified_path", lambda: data.verified_path("sachs/nope.csv"), U, "nope.csv"),
    ("data.sachs_conditions", lambda: data.sachs_conditions("/nonexistent/root"), U, "conditions.csv"),
    ("data.load_sachs", lambda: data.load_sachs(conditions="CD3"), U, "'CD3'"),
    ("data.load_lalonde", lambda: data.load_lalonde(comparison="psid"), U, "'psid'"),
    # bandits
    ("bandits.argmax_random", lambda: bandits.argmax_random(np.zeros(3), R), C, "2-d"),
    ("bandits.argmax_random (decimals)", lambda: bandits.argmax_random(np.zeros((1, 2)), R, decimals=-1), C, "decimals"),
    ("bandits.ThompsonSampling", lambda: bandits.simple_regret(bandits.ThompsonSampling(), np.array([2.0]), 5, 5, R), C, "probabilities"),
    ("bandits.ContextualThompson", lambda: bandits.ContextualThompson(n_contexts=0), C, "n_contexts"),
    ("bandits.CausalThompson", lambda: bandits.CausalThompson().start(3, 4, R), C, "two arms"),
    ("bandits.UCB", lambda: bandits.UCB(alpha=0), C, "alpha"),
    ("bandits.casino_intuition", lambda: bandits.casino_intuition(np.array([2]), np.array([0])), C, "0/1"),
    ("bandits.casino_rates", lambda: bandits.casino_rates(p_b=-1), C, "p_b"),
    ("bandits.simulate_casino", lambda: bandits.simulate_casino("greedy", 5, 5, R), U, "'greedy'"),
    ("bandits.simple_regret", lambda: bandits.simple_regret(bandits.UCB(), np.array([0.5]), 0, 5, R), C, "horizon"),
    ("bandits.parallel_q", lambda: bandits.parallel_q(5, 7), C, "m must lie"),
    ("bandits.parallel_means", lambda: bandits.parallel_means(np.array([0.9]), 0.1), C, r"q\[0\]"),
    ("bandits.estimate_m", lambda: bandits.estimate_m(np.array([[1.5]])), C, "frequencies"),
    ("bandits.parallel_causal", lambda: bandits.parallel_causal(bandits.parallel_q(5, 1), 0.1, 1, 5, R), C, "horizon"),
    ("bandits.successive_rejects", lambda: bandits.successive_rejects(np.array([0.5, 0.6]), 10, 0, R), C, "n_sims"),
    ("bandits.ucb_simple", lambda: bandits.ucb_simple(np.array([[0.5]]), 10, 5, R), C, "means"),
    ("bandits.thompson_simple", lambda: bandits.thompson_simple(np.array([0.5]), -1, 5, R), C, "horizon"),
    # rl
    ("rl.escalation_log", lambda: rl.escalation_log(0, R), C, "positive number of tickets"),
    ("rl.escalation_value", lambda: rl.escalation_value({0: 1}), U, "S = 1"),
    ("rl.Switchboard", lambda: rl.Switchboard(n_switches=3, targets=(7,)), C, "targets"),
    ("rl.Switchboard.step", lambda: ENV.step(np.zeros(2, int), np.array([0, 9]), R), C, "actions must lie"),
    ("rl.EpsilonGreedy", lambda: rl.EpsilonGreedy(epsilon=2), C, "epsilon"),
    ("rl.QLearning", lambda: rl.QLearning(alpha=0), C, "alpha"),
    ("rl.FlatModel", lambda: rl.FlatModel(gamma=1.0), C, "gamma"),
    ("rl.CausalModel", lambda: rl.CausalModel(epsilon=-0.1), C, "epsilon"),
    ("rl.run_agents", lambda: rl.run_agents(ENV, "sarsa", 1, 1, R), U, "'sarsa'"),
    ("rl.optimal_q", lambda: rl.optimal_q(ENV, gamma=1.5), C, "gamma"),
    ("rl.expected_return", lambda: rl.expected_return(ENV, np.zeros((1, 1))), C, "q must have shape"),
    ("rl.partial_correlation_test", lambda: rl.partial_correlation_test(np.zeros(3), np.zeros(4)), C, "same length"),
    # imageworld
    ("imageworld.descendants", lambda: iw.descendants("beard"), U, "'beard'"),
    ("imageworld.sample_noise", lambda: iw.sample_noise(0, R), C, "n must be a positive integer"),
    ("imageworld.attributes_from_noise", lambda: iw.attributes_from_noise({"age": np.zeros(2)}), U, "u_hair"),
    ("imageworld.render", lambda: iw.render({"age": np.zeros(1)}, {}), U, "hair"),
    ("imageworld.edit_region", lambda: iw.edit_region("beard"), U, "'beard'"),
    ("imageworld.sample_faces", lambda: iw.sample_faces(2, R, do={"beard": 1}), U, "'beard'"),
    ("imageworld.counterfactual", lambda: iw.counterfactual(iw.sample_noise(2, R), {"beard": 1.0}), U, "'beard'"),
    ("imageworld.glasses_counterfactual_probability", lambda: iw.glasses_counterfactual_probability(np.array([2.0]), np.array([1.0]), np.array([0.5])), C, "age"),
    # design
    ("design.enumerate_dags", lambda: dags.enumerate_dags(6), C, "0 <= d <= 5"),
    ("design.markov_equivalent", lambda: dags.markov_equivalent(D2, np.zeros((3, 3), bool)), C, r"\(2, 2\)"),
    ("design.interventional_equivalent", lambda: dags.interventional_equivalent(D2, D2[1], [[5]]), C, "indices 0..1"),
    ("design.ancestor_query", lambda: dags.ancestor_query(D2, 0, 0), C, "two different node"),
    ("design.shd_to", lambda: dags.shd_to(D2, np.zeros((3, 3))), C, r"\(2, 2\)"),
    ("design.parent_masks", lambda: dags.parent_masks(np.zeros(3)), C, "shape"),
    ("design.all_parent_masks", lambda: dags.all_parent_masks(9), C, "0 <= d <= 5"),
    ("design.reachability", lambda: dags.reachability(np.zeros((2, 3))), C, "shape"),
    ("design.as_adjacency", lambda: dags.as_adjacency([("X", "Q")], ("X", "Y")), U, "'Q'"),
    ("design.Evidence", lambda: bge.Evidence.from_data(np.zeros(3)), C, "2-d"),
    ("design.bge_log_marginal", lambda: bge.bge_log_marginal(np.zeros((3, 2)), dags.enumerate_dags(3)), C, "shape"),
    ("design.bge_family_score", lambda: bge.bge_family_score(EV, 0, [0]), C, "parents of node 0"),
    ("design.bge_alpha_w", lambda: bge.bge_alpha_w(3, 1.0, 2.0), C, "alpha_w must exceed"),
    ("design.dag_scores", lambda: bge.dag_scores(EV, np.zeros((3, 4), int), 1.0, 4.0), C, "masks"),
    ("design.subset_table", lambda: bge.subset_table(EV.count, EV.total[:, :1], EV.cross, 1.0, 4.0), C, "shape"),
    ("design.edge_log_prior", lambda: bge.edge_log_prior(D2, np.full((2, 2), 2.0)), C, "probabilities"),
    ("design.LinearSEM", lambda: sem.LinearSEM(("X", "Y"), np.zeros((3, 3)), np.ones(2)), C, "shape"),
    ("design.LinearSEM.sample", lambda: SEM.sample(3, R, target="Q"), U, "'Q'"),
    ("design.random_linear_sem", lambda: sem.random_linear_sem(("A", "A"), R), C, "distinct"),
    ("design.simulate_linear", lambda: sem.simulate_linear(np.zeros((1, 2, 2)), np.zeros((1, 3)), np.ones((1, 2)), np.zeros((1, 4, 2)), None, None), C, "shape"),
    ("design.expected_information_gain", lambda: eig.expected_information_gain(SM, ["Q"], 5, R), U, "'Q'"),
    ("design.GraphPosterior", lambda: posterior.GraphPosterior(("X", "Y"), D2, np.log([0.5, 0.5])), C, "one entry per DAG"),
    ("design.StructureModel", lambda: posterior.StructureModel(("A", "B"), edge_probs={("A", "Q"): 0.7}), U, "'Q'"),
    ("design.StructureModel.observe", lambda: SM.observe(pd.DataFrame({"X": [1.0]})), U, "column 'Y'"),
    ("design.sample_parameters", lambda: posterior.sample_parameters(EV, dags.enumerate_dags(3), 1.0, 4.0, R), C, "shape"),
    ("design.plot_edge_probabilities", lambda: posterior.plot_edge_probabilities(pd.DataFrame([[0.1, 0.2, 0.3]])), C, "square"),
    ("design.structure_mcmc", lambda: mcmc.structure_mcmc(EV, R, n_steps=0), C, "n_steps"),
    ("design.design_loop", lambda: experiments.design_loop(SEM, "best", R), U, "'best'"),
    ("design.experiments_to_reach", lambda: experiments.experiments_to_reach(pd.DataFrame({"step": [0]}), "p", 0.5), U, "'p'"),
    # discovery
    ("discovery.as_graph", lambda: compare.as_graph(3), C, "DiGraph or a list"),
    ("discovery.compare_graphs", lambda: compare.compare_graphs([("X", "Q")], [("X", "Y")]), U, "'Q'"),
    ("discovery.score_table", lambda: compare.score_table({}, [("X", "Y")]), C, "non-empty mapping"),
    ("discovery.shd", lambda: compare.shd([("X", "X")], [("X", "Y")]), C, "bad edge"),
    ("discovery.draw_comparison", lambda: compare.draw_comparison([("X", "Y")], nx.DiGraph([("A", "B"), ("B", "A")])), C, "must be a DAG"),
    ("discovery.from_causallearn", lambda: search.from_causallearn(np.zeros((3, 3)), ["X", "Y"]), C, "3, 3"),
    ("discovery.interventional_bic_search", lambda: search.interventional_bic_search(np.zeros((4, 2)), ["X", "Y"], [0, 0, 1, 1], {1: ["Q"]}), U, "'Q'"),
    ("discovery.v_structures", lambda: equivalence.v_structures(nx.DiGraph([("A", "B"), ("B", "A")])), C, "DAG"),
    ("discovery.interventional_essential_graph", lambda: equivalence.interventional_essential_graph(nx.DiGraph([("X", "Y")]), [["Q"]]), U, "'Q'"),
    ("discovery.partial_correlation_test", lambda: independence.partial_correlation_test(np.zeros(5), np.zeros(5), np.zeros(4)), C, "one row per sample"),
    ("discovery.subsample", lambda: pairs.subsample(np.zeros(3), np.zeros(4), 2), C, "equal length"),
    ("discovery.orient_anm", lambda: pairs.orient_anm(np.zeros(30), np.arange(30.0)), C, "constant"),
    ("discovery.orient_reci", lambda: pairs.orient_reci(np.zeros(30), np.arange(30.0)), C, "constant"),
    ("discovery.orient_lingam", lambda: pairs.orient_lingam(np.zeros(30), np.arange(30.0)), C, "constant"),
    ("discovery.weighted_accuracy", lambda: pairs.weighted_accuracy(np.array([True]), np.array([1.0, 2.0])), C, "same shape"),
    ("discovery.sachs_consensus_graph", lambda: sachs.sachs_consensus_graph("consensus_20"), U, "'consensus_20'"),
    ("discovery.sachs_targets", lambda: sachs.sachs_targets("/nonexistent/root"), U, "conditions.csv"),
    # llm
    ("llm.generate_benchmark", lambda: benchmark.generate_benchmark(2, rungs=(4,)), U, "rung 4"),
    ("llm.generate_benchmark.odd", lambda: benchmark.generate_benchmark(3), C, "even.*got 3"),
    ("llm.solve", lambda: benchmark.solve({"numbers": []}), U, "query"),
    ("llm.decide", lambda: benchmark.decide(0.5, 0.0, 2), C, "polarity"),
    ("llm.evaluate_estimand", lambda: benchmark.evaluate_estimand(ident.identify_y0(G, "X", "Y"), ["X", "Y"], {(0, 0): 1.0}, {"X": 1, "Y": 1}), U, "'Z'"),
    ("llm.stated_joint", lambda: benchmark.stated_joint({"numbers": [{"variable": "A", "given": {"B": 1}, "p": 0.5}]}), C, "'B'"),
    ("llm.prob", lambda: benchmark.prob(["A"], {(0,): 0.5, (1,): 0.5}, "Q"), U, "'Q'"),
    ("llm.adjustment_formula", lambda: benchmark.adjustment_formula(["A", "B"], {(0, 0): 1.0}, "A", "B", ["Q"]), U, "'Q'"),
    ("llm.true_model", lambda: benchmark.true_model("question"), C, "Question"),
    ("llm.to_jsonl", lambda: benchmark.to_jsonl(["not a question"], "/tmp/x.jsonl"), C, "Question"),
    ("llm.read_jsonl", lambda: benchmark.read_jsonl("/nonexistent/b.jsonl"), U, "b.jsonl"),
    ("llm.Question", lambda: benchmark.read_jsonl(Path(__file__)), C, "not a benchmark question"),
    ("llm.AssociationalAnswerer", lambda: answerers.AssociationalAnswerer().answer("q"), C, "Question"),
    ("llm.CommonsenseAnswerer", lambda: answerers.CommonsenseAnswerer(beliefs={("a", "b"): 2}), C, "belief"),
    ("llm.CausalEngineAnswerer", lambda: answerers.CausalEngineAnswerer().answer("q"), C, "Question"),
    ("llm.OpenAICompatibleAnswerer", lambda: client.OpenAICompatibleAnswerer(base_url="ftp://x", model="m"), C, "http"),
    ("llm.build_messages", lambda: client.build_messages(None, "fancy"), U, "'fancy'"),
    ("llm.parse_yes_no", lambda: client.parse_yes_no("maybe"), client.LLMError, "no yes/no answer"),
    ("llm.check_extraction", lambda: client.check_extraction("edges", {}), C, "dict"),
    ("llm.evaluate", lambda: harness.evaluate(["q"], [answerers.CausalEngineAnswerer()]), C, "Question"),
    ("llm.wilson_interval", lambda: harness.wilson_interval(5, 0), C, "trials"),
    ("llm.accuracy_table", lambda: harness.accuracy_table(pd.DataFrame({"answerer": []}), by="rung"), U, "'rung'"),
    ("llm.hallucination_rate", lambda: harness.hallucination_rate(pd.DataFrame({"answerer": []})), U, "extra_edges"),
    ("llm.plot_accuracy", lambda: harness.plot_accuracy(pd.DataFrame({"answerer": ["a"]}), by="rung"), U, "'rung'"),
    ("llm.BinarySCM", lambda: exact.BinarySCM({"Y": ("X",)}, {"Y": [0.1, 0.2]}), U, "'X'"),
    ("llm.BinarySCM.ate", lambda: BSCM.ate("X", "Q"), U, "'Q'"),
    ("llm.is_backdoor_set", lambda: exact.is_backdoor_set(G, "X", "Y", ["Q"]), U, "'Q'"),
    ("llm.observed_graph", lambda: exact.observed_graph([("X", "Y"), ("Y", "X")]), C, "cycle"),
    # ppl and crl
    ("ppl.pathway_graph", lambda: ppl.pathway_graph(mediator_observed="no"), C, "mediator_observed"),
    ("ppl.simulate_pathway", lambda: ppl.simulate_pathway(0, R), C, "positive integer"),
    ("ppl.true_do_mean", lambda: ppl.true_do_mean(x_value=2.0), C, "x_value"),
    ("ppl.stack_replicates", lambda: ppl.stack_replicates([ppl.simulate_pathway(5, R)], [10], 1), C, "exceeds"),
    ("ppl.fit_lvm", lambda: ppl.fit_lvm(*(torch.zeros(1, 3, k) for k in (5,)), torch.zeros(1, 3), torch.zeros(1, 3), torch.ones(1, 3, dtype=torch.bool), n_latent=0), C, "n_latent"),
    ("ppl.lvm_do_mean", lambda: ppl.lvm_do_mean({"y_u": None}), U, "x_bias"),
    ("ppl.frontdoor_plugin", lambda: ppl.frontdoor_plugin(np.zeros((3, 4)), np.zeros(3), np.zeros(3)), C, "expected X"),
    ("ppl.merge_chain_rule", lambda: ppl.merge_chain_rule("P(A)"), C, "y0"),
    ("ppl.PathwayParams", lambda: ppl.simulate_pathway(3, R, params="defaults"), C, "PathwayParams"),
    ("crl.attribute_matrix", lambda: crl.attribute_matrix({"age": [0.5]}), U, "hair"),
    ("crl.FaceVAE", lambda: crl.FaceVAE(z_dim=0), C, "z_dim"),
    ("crl.DeepSCM", lambda: crl.DeepSCM(z_dim=2, hidden=4).counterfactual(torch.zeros(1, 3, 32, 32), torch.zeros(1, 4), {"beard": 1.0}), U, "'beard'"),
    ("crl.train_svi", lambda: crl.train_svi(lambda: None, lambda: None, (), epochs=0), C, "epochs"),
    ("crl.attribute_directions", lambda: crl.attribute_directions(torch.zeros(3, 2), torch.zeros(4, 4)), C, "rows"),
    ("crl.vae_edit", lambda: crl.vae_edit(crl.FaceVAE(z_dim=2, hidden=4), torch.zeros(1, 3, 32, 32), torch.zeros(1, 4), {"beard": 1.0}, torch.zeros(4, 2)), U, "'beard'"),
    ("crl.fit_readers", lambda: crl.fit_readers(np.zeros((2, 3, 32, 32)), {"age": np.zeros(2)}), U, "hair"),
    ("crl.read_attributes", lambda: crl.read_attributes({}, np.zeros((2, 32, 32))), C, "images"),
    ("crl.edit_locality", lambda: crl.edit_locality({}, np.zeros((1, 3, 32, 32)), np.zeros((2, 3, 32, 32)), "age"), C, "same shape"),
    ("crl.show_faces", lambda: crl.show_faces({"original": np.zeros((1, 3, 32, 32))}, n=2), C, "fewer than"),
    # plotting / netguard
    ("netguard.is_loopback", lambda: netguard.is_loopback(None), C, "address"),
    # scb
    ("scb.diagram", lambda: scb.diagram([("X", "Y")], confounded=[("X", "W")]), U, "'W'"),
    ("scb.minimal_do", lambda: scb.minimal_do(IV, "Y", {"Y"}), C, "reward 'Y'"),
    ("scb.is_mis", lambda: scb.is_mis(IV, "Y", {"Q"}), U, "'Q'"),
    ("scb.mis", lambda: scb.mis(IV, "U_XY"), C, "latent"),
    ("scb.muct", lambda: scb.muct(IV, "Q"), U, "'Q'"),
    ("scb.interventional_border", lambda: scb.interventional_border(nx.Graph(), "Y"), C, "DiGraph"),
    ("scb.pomis", lambda: scb.pomis(IV, "Q"), U, "'Q'"),
    ("scb.brute_force_pomis", lambda: scb.brute_force_pomis(IV, "Q"), U, "'Q'"),
    ("scb.intervention_sets", lambda: scb.intervention_sets(IV, "Q"), U, "'Q'"),
    ("scb.arm_sets", lambda: scb.arm_sets(IV, "Q"), U, "'Q'"),
    ("scb.arms_of", lambda: scb.arms_of(["XZ"]), C, "'XZ'"),
    ("scb.BinaryModel", lambda: scb.BinaryModel(IV, {"X": [0.5]}), U, "missing"),
    ("scb.BinaryModel.means", lambda: scb.paper_task("iv").means("Y", [{"X": 2}]), C, "0 or 1"),
    ("scb.BinaryModel.to_scm", lambda: scb.paper_task("iv").to_scm(3), C, "model number"),
    ("scb.random_binary_model", lambda: scb.random_binary_model(IV, 0, R), C, "n_models"),
    ("scb.best_per_set", lambda: scb.best_per_set(scb.paper_task("iv"), "Y", sets=[]), C, "at least one"),
    ("scb.paper_task", lambda: scb.paper_task("napkin"), U, "'napkin'"),
    ("scb.KLUCB", lambda: scb.KLUCB(newton_steps=0), C, "newton_steps"),
    ("scb.play", lambda: scb.play(scb.KLUCB(), np.array([1.5]), 5, 2, R), C, "probabilities"),
    ("scb.compare_strategies", lambda: scb.compare_strategies(scb.paper_task("iv"), "Y", scb.KLUCB(), 5, 2, R, strategies=["greedy"]), U, "'greedy'"),
    # sequential
    ("sequential.Regime", lambda: sq.Regime.static(2, 0), C, "0 or 1"),
    ("sequential.Regime.actions",
     lambda: sq.Regime("bad", lambda l0: 2 + 0 * l0, lambda l0, a0, l1: l1).actions(
         np.zeros(3, int), np.zeros(3, int)), C, "0/1 treatment"),
    ("sequential.TwoStepTrial", lambda: sq.TwoStepTrial(u_on_l1=0.9), C, "leave"),
    ("sequential.TwoStepTrial.value", lambda: sq.TwoStepTrial().value("always"), C, "Regime"),
    ("sequential.TwoStepTrial.adjusted_limit", lambda: sq.TwoStepTrial().adjusted_limit("always"), C,
     "Regime"),
    ("sequential.TwoStepTrial.sample_logs", lambda: sq.TwoStepTrial().sample_logs(0, 10, 1), C,
     "n_logs"),
    ("sequential.naive_value",
     lambda: sq.naive_value({c: np.zeros(5, int) for c in sq.LOG_COLUMNS}, sq.REGIMES["always treat"]),
     C, "overlap"),
    ("sequential.adjusted_value", lambda: sq.adjusted_value([1, 2], sq.REGIMES["always treat"]), C,
     "table"),
    ("sequential.g_formula",
     lambda: sq.g_formula({"L0": [0], "A0": [0], "L1": [0], "A1": [0]}, sq.REGIMES["always treat"]),
     U, "'Y'"),
    ("sequential.sequential_ipw",
     lambda: sq.sequential_ipw({c: np.full(4, 2) for c in sq.LOG_COLUMNS}, sq.REGIMES["always treat"]),
     C, "0/1"),
    ("sequential.KeyDoor", lambda: sq.KeyDoor(n_apples=0), C, "n_apples"),
    ("sequential.KeyDoor.scm", lambda: sq.KeyDoor().scm(np.zeros(3)), C, "probabilities"),
    ("sequential.Reinforce", lambda: sq.Reinforce(baseline="other"), U, "'other'"),
    ("sequential.ReplayCredit", lambda: sq.ReplayCredit(noise="other"), U, "'other'"),
    ("sequential.train", lambda: sq.train(sq.KeyDoor(), sq.Reinforce(alpha=[0.1, 0.2]), 2, 3, R), C,
     "step sizes for"),
    ("sequential.episodes_to_reach", lambda: sq.episodes_to_reach(np.zeros(3), 0.5), C, "(runs, episodes)"),
    # --- uncertainty, errors
    ("uncertainty.Interval", lambda: unc.Interval(1.0, 2.0, 0.5), C, "low"),
    ("uncertainty.mean_interval", lambda: unc.mean_interval([]), C, "empty"),
    ("uncertainty.paired_difference", lambda: unc.paired_difference([1.0], [1.0, 2.0]), C, "pairs"),
    ("uncertainty.percentile_interval", lambda: unc.percentile_interval([1.0], level=2), C, "level"),
    ("uncertainty.proportion_interval", lambda: unc.proportion_interval(3, 2), C, "successes"),
    ("uncertainty.replicate", lambda: unc.replicate(lambda s: s, []), C, "seed"),
    ("uncertainty.bootstrap_indices", lambda: unc.bootstrap_indices([], np.random.default_rng(0)),
     C, "strata"),
    ("uncertainty.stratified_bootstrap",
     lambda: unc.stratified_bootstrap(len, pd.DataFrame({"y": [1.0]}), strata="cond"), U, "'cond'"),
    ("uncertainty.summarise", lambda: unc.summarise(pd.DataFrame()), C, "non-empty"),
    ("errors.check_known", lambda: errors.check_known(["Q"], ["X"]), U, "'Q'"),
    # --- estimation
    ("estimation.AIPWResult", lambda: est.AIPWResult(1.0, 0.5, np.zeros(2), np.zeros(2), np.full(2, 0.5)).interval(level=1.5), C, "level"),
    ("estimation.aipw_scores", lambda: est.aipw_scores([1.0, np.nan, 3.0], [1, 0, 0], [1.0, 2.0, 3.0], [0.5] * 3), C, "non-finite"),
    ("estimation.att_aipw", lambda: est.att_aipw([1.0, 2.0, 3.0], [1, 0, 0], [1.0, 2.0, 3.0], [1.0, 0.5, 0.5]), C, "strictly between 0 and 1"),
    ("estimation.att_estimates", lambda: est.att_estimates(LL, ["age"], bounds=(0.7, 0.9)), C, "bounds"),
    ("estimation.att_ipw", lambda: est.att_ipw([1.0, 2.0, 3.0], [1, 2, 0], [0.5] * 3), C, "only 0"),
    ("estimation.att_matching", lambda: est.att_matching([1.0, 2.0, 3.0], [1, 0, 0], [0.5] * 3, k=3), C, "k must be"),
    ("estimation.att_regression", lambda: est.att_regression([1.0, 2.0, 3.0], [1, 1, 1], [1.0, 2.0, 3.0]), C, "both treated"),
    ("estimation.bootstrap_difference_in_means", lambda: est.bootstrap_difference_in_means([1.0, 2.0], [1, 0], n_boot=1), C, "n_boot"),
    ("estimation.crossfit_nuisances", lambda: est.crossfit_nuisances(np.ones((3, 1)), [1.0, 2.0, 3.0], [1, 0, 0], None, None, [(np.array([0]), np.array([1]))]), C, "cover every row"),
    ("estimation.design_matrix", lambda: est.design_matrix(LL, ["age", "wage"]), U, "'wage'"),
    ("estimation.difference_in_means", lambda: est.difference_in_means([1.0, 2.0], [1, 0, 0]), C, "has 3 values"),
    ("estimation.dml_att", lambda: est.dml_att(np.ones((3, 1)), [1.0, 2.0, 3.0], [1, 0, 0], None, None, [], bounds=(0.0, 0.99)), C, "folds is empty"),
    ("estimation.evalue_mean_difference", lambda: est.evalue_mean_difference(1.0, 0.0), C, "positive standard deviation"),
    ("estimation.fold_splits", lambda: est.fold_splits([1, 0, 0, 1], n_folds=1), C, "n_folds"),
    ("estimation.group_partial_r2", lambda: est.group_partial_r2(OLS, ["c"]), U, "'c'"),
    ("estimation.joint_bootstrap", lambda: est.joint_bootstrap(LL.iloc[1:], LL, ["age"], n_boot=2), C, "same treated rows"),
    ("estimation.learners", lambda: est.learners("svm"), U, "unknown learner kind 'svm'"),
    ("estimation.paired_score_bootstrap", lambda: est.paired_score_bootstrap([1.0, 2.0], [1.0, 2.0], [1, 0], [], n_boot=10), C, "control_y is empty"),
    ("estimation.plot_forest", lambda: est.plot_forest(pd.DataFrame({"estimate": [1.0]}), unc.Interval(1.0, 0.0, 2.0)), U, "'low'"),
    ("estimation.plot_overlap", lambda: est.plot_overlap([0.5, 1.2], [1, 0]), C, "strictly between 0 and 1"),
    ("estimation.plot_sensitivity_contour", lambda: est.plot_sensitivity_contour(1.0, -1.0, 10), C, "se > 0"),
    ("estimation.score_bootstrap", lambda: est.score_bootstrap([1.0, 2.0], [1, 0], n_boot=1), C, "n_boot"),
    ("estimation.sensitivity_table", lambda: est.sensitivity_table(LL, LL, rules=["nowhere"]), U, "'nowhere'"),
    ("estimation.standardized_differences", lambda: est.standardized_differences(LL, ["wage"]), U, "'wage'"),
    ("estimation.trimming_bounds", lambda: est.trimming_bounds([0.5, 0.5], [1, 0], "tight"), U, "unknown trimming rule 'tight'"),
    ("estimation.trimming_mask", lambda: est.trimming_mask([0.5, 0.5], [1, 0, 0]), C, "has 3 values"),
    # --- interventional
    ("discovery.check_experiments", lambda: search.check_experiments(np.zeros((2, 2)), ["X", "Y"], [0, 1], {1: "X"}), C, r"e.g. \['X'\], not 'X'"),
    ("interventional.JCIResult", lambda: iv.JCIResult([("X", "Y")], {}, nx.DiGraph()), C, "JCIResult.graph must be a networkx DiGraph"),
    ("interventional.gies_search", lambda: iv.gies_search(np.zeros((4, 2)), ["X", "Y"], [0, 0, 1, 1], {1: ["Q"]}), U, "'Q'"),
    ("interventional.jci_pc", lambda: iv.jci_pc(np.zeros((4, 2)), ["X", "Y"], [0, 0, 1, 1], alpha=1.5), C, "alpha must be a number strictly between 0 and 1, got 1.5"),
    ("interventional.learn_from_conditions", lambda: iv.learn_from_conditions(IVCELLS, "bic", ["X", "Y"], penalty=0), C, "penalty must be a number above 0, got 0"),
    ("interventional.bootstrap_shd", lambda: iv.bootstrap_shd({"g": lambda d: nx.DiGraph()}, IVCELLS, nx.DiGraph([("X", "Y")]), seed="a"), C, "seed must be a whole number >= 0, got 'a'"),
    ("interventional.consistent_extensions", lambda: iv.consistent_extensions(nx.DiGraph([("X", "Y"), ("Y", "Z"), ("Z", "X")])), C, "not an essential graph"),
    ("interventional.predict_heldout", lambda: iv.predict_heldout(IVCELLS, ["X", "Y"], nx.DiGraph([("Y", "X")]), "drug", "Q", baseline="base"), U, "target 'Q' is not in the variables"),
    ("interventional.bootstrap_heldout", lambda: iv.bootstrap_heldout(IVCELLS, ["X", "Y"], {"drug": nx.DiGraph([("X", "Y")])}, {"drug": "X"}, baseline="base", seed="a"), C, "seed must be a whole number >= 0, got 'a'"),

    # --- dsep (chapter 02), design.order_mcmc (chapter 09)
    ("dsep.blocking_node", lambda: dsep.blocking_node(G_DS, ["X", "Q"]), U, "node 'Q' is"),
    ("dsep.check_adjustment_set",
     lambda: dsep.check_adjustment_set(G_DS, "X", "Y", {"Q"}), U, "adjustment node 'Q'"),
    ("dsep.check_d_separation",
     lambda: dsep.check_d_separation(G_DS, "X", "Y", {"X"}, my_answer=True), C, "'X' is both"),
    ("dsep.check_do_calculus_step",
     lambda: dsep.check_do_calculus_step(G_DS, 2.0, "Y", "X"), C, 'do-calculus has rules'),
    ("dsep.check_markov_equivalent",
     lambda: dsep.check_markov_equivalent(G_DS, CYC_DS, my_answer=True), C, 'the second graph'),
    ("dsep.cpdag", lambda: dsep.cpdag(CYC_DS), C, 'the graph has'),
    ("dsep.cpdag_causallearn", lambda: dsep.cpdag_causallearn(CYC_DS), C, 'the graph has'),
    ("dsep.d_separated", lambda: dsep.d_separated(G_DS, "X", "Q"), U, "node 'Q' is"),
    ("dsep.describe_path", lambda: dsep.describe_path(G_DS, ["X", "Y"]), C, "'X' and 'Y'"),
    ("dsep.do_calculus_condition",
     lambda: dsep.do_calculus_condition(G_DS, 4, "Y", "X"), C, 'do-calculus has rules'),
    ("dsep.draw_cpdag", lambda: dsep.draw_cpdag(G_DS, pos={"X": (0, 0)}), U, "nodes 'M', 'Y',"),
    ("dsep.evaluate_estimand",
     lambda: dsep.evaluate_estimand(None, pd.DataFrame(), {}), C, 'data must be'),
    ("dsep.fisher_z_pvalues",
     lambda: dsep.fisher_z_pvalues(pd.DataFrame({"X": [1.0, 2.0]}), [("X", "Q", [])]), U, "column 'Q' is"),
    ("dsep.implied_covariance",
     lambda: dsep.implied_covariance({("X", "Y"): 1.0}, ["X"]), U, 'node of the'),
    ("dsep.is_backdoor_set", lambda: dsep.is_backdoor_set(G_DS, "X", "Q"), U, "outcome 'Q' is"),
    ("dsep.linear_gaussian_scm",
     lambda: dsep.linear_gaussian_scm({("X", "Y"): 1.0}, noise_sd=-1.0), C, 'the noise standard'),
    ("dsep.markov_equivalence_class",
     lambda: dsep.markov_equivalence_class(CYC_DS), C, 'the graph has'),
    ("dsep.markov_equivalent", lambda: dsep.markov_equivalent(G_DS, CYC_DS), C, 'the second graph'),
    ("dsep.mutilate", lambda: dsep.mutilate(G_DS, remove_incoming={"Q"}), U, "node 'Q' is"),
    ("dsep.odds_ratio_interval",
     lambda: dsep.odds_ratio_interval(-1, 2, 3, 4), C, 'exposed_cases holds a'),
    ("dsep.partial_correlation",
     lambda: dsep.partial_correlation(pd.DataFrame([[1.0]], index=["X"], columns=["X"]), "X", "Q"), U, "variable 'Q' is"),
    ("dsep.path_table", lambda: dsep.path_table(G_DS, "X", "Q"), U, "node y 'Q'"),
    ("dsep.paths_between", lambda: dsep.paths_between(G_DS, "X", "Q"), U, "node y 'Q'"),
    ("dsep.random_dag", lambda: dsep.random_dag(3, 1.5, 0), C, 'edge_probability must lie'),
    ("dsep.skeleton", lambda: dsep.skeleton("G"), C, 'expected a networkx.DiGraph,'),
    ("dsep.v_structures", lambda: dsep.v_structures(CYC_DS), C, 'the graph has'),
    ("order_mcmc.interventional_evidence",
     lambda: om.interventional_evidence(FRAME_OM, ["A", "Q"]), U, "column 'Q' is"),
    ("order_mcmc.family_scores",
     lambda: om.family_scores(EV_OM, ["A", "B"], max_parents=5), C, 'max_parents must be'),
    ("order_mcmc.order_mcmc",
     lambda: om.order_mcmc(FS_OM, np.random.default_rng(0), n_steps=10, burn_in=20), C, 'burn_in must be'),
    ("order_mcmc.sample_graphs",
     lambda: om.sample_graphs(FS_OM, CH_OM, np.random.default_rng(0), per_order=0), C, 'per_order must be'),
    ("order_mcmc.linear_extensions",
     lambda: om.linear_extensions(np.ones((1, 2, 2), bool)), C, 'graph 0 has'),
    ("order_mcmc.split_rhat",
     lambda: om.split_rhat(np.array([[np.nan, 1.0, 2.0, 3.0]])), C, 'the trace holds'),
    ("order_mcmc.bge_family_terms",
     lambda: om.bge_family_terms(np.zeros(1), np.zeros((1, 2)), np.zeros((1, 2, 2)), np.zeros((1, 1)), alpha_mu=-1.0), C, 'statistics of 1'),
    ("order_mcmc.sample_mechanisms",
     lambda: om.sample_mechanisms(np.zeros((1, 3, 3), bool), EV_OM, np.random.default_rng(0)), C, 'dags must have'),
    ("order_mcmc.Experiment", lambda: om.Experiment(("Q",), np.zeros(3)), C, 'values must have'),
    ("order_mcmc.expected_information_gain",
     lambda: om.expected_information_gain(GS_OM, EV_OM, {"x": om.Experiment(("Q",), np.zeros(3))}, np.random.default_rng(0)), C, 'values must have'),
    ("order_mcmc.realised_information_gain",
     lambda: om.realised_information_gain(GS_OM, EV_OM, np.zeros((3, 5))), C, 'data must have'),
    ("llm.OpenAICompatibleAnswerer.models",
     lambda: client.OpenAICompatibleAnswerer("http://127.0.0.1:9/v1", model="m", timeout=2).models(), client.LLMError, "127.0.0.1:9/v1/models"),
    # --- ladder_model (chapter 15)
    ("ladder_model.World", lambda: lm.World(lm.chapter_world().truth, ("X", "Q")), U, "'Q'"),
    ("ladder_model.chapter_world", lambda: lm.chapter_world(columns=("M", "X", "Q")), U, "'Q'"),
    ("ladder_model.interventional_probability",
     lambda: lm.interventional_probability(lm.chapter_world().truth, {"Q": 1}), U, "'Q'"),
    ("ladder_model.counterfactual_probability",
     lambda: lm.counterfactual_probability(lm.chapter_world().truth, {"Y": 1}, {"X": 1}, {}), C, "needs an intervention"),
    ("ladder_model.training_rows", lambda: lm.training_rows(lm.chapter_world(), "D", 10, seed=0), C, "regime 'D'"),
    ("ladder_model.RowFormat", lambda: lm.RowFormat(("X", "X")), C, "distinct"),
    ("ladder_model.causal_mask", lambda: lm.causal_mask(("X", "Y")), C, "RowFormat"),
    ("ladder_model.graph_mask", lambda: lm.graph_mask(LM_G, LM_FMT, do=["W"]), U, "'W'"),
    ("ladder_model.parents_only", lambda: lm.parents_only(nx.DiGraph([("X", "M")]), LM_FMT), U, "'Y'"),
    ("ladder_model.LadderTransformer", lambda: lm.LadderTransformer(LM_FMT, [None, None], seeds=[0]), C, "one seed per member"),
    ("ladder_model.fit", lambda: lm.fit(lm.LadderTransformer(LM_FMT, [None], seeds=[0]), LM_ROWS, steps=0), C, "steps"),
    ("ladder_model.best_loss", lambda: lm.best_loss(lm.LadderTransformer(LM_FMT, [None], seeds=[0]), LM_ROWS * 2), C, "one table of rows per member"),
    ("ladder_model.probe", lambda: lm.probe(lm.LadderTransformer(LM_FMT, [None], seeds=[0]), {"Y": 2}), C, "0 or 1"),
    ("ladder_model.probe_counterfactual",
     lambda: lm.probe_counterfactual(lm.LadderTransformer(LM_FMT, [None], seeds=[0]), {"Y": 1}, {"X": 1}, {"X": 0}), C, "paired rows"),
    ("ladder_model.learned_scm", lambda: lm.learned_scm(lm.LadderTransformer(LM_FMT, [None], seeds=[0]), 0), C, "no graph"),
    ("ladder_model.chat_messages", lambda: lm.chat_messages(lm.chapter_world(), " "), C, "non-empty string"),
    ("ladder_model.parse_probability", lambda: lm.parse_probability("about a half"), C, "no 'Answer"),
    # llm: error types and unidentified probes (chapter 14)
    ("llm.unidentified_questions", lambda: benchmark.unidentified_questions(0), C, "n_per_variant"),
    ("llm.SloppyAnswerer", lambda: answerers.SloppyAnswerer(extra_edge=1.5), C, "extra_edge"),
    ("llm.accuracy_pivot", lambda: harness.accuracy_pivot(pd.DataFrame({"answerer": []}), by="rung"), U, "'rung'"),
    ("llm.error_rates", lambda: harness.error_rates(pd.DataFrame({"answerer": []})), U, "identified"),
]


# Public callables that take no input a learner could get wrong (or are protocols/records).
NO_USER_INPUT = {
    "plotting.use_style": "no arguments",
    "netguard.install": "no arguments", "netguard.uninstall": "no arguments",
    "data.data_dir": "no arguments (reads CAUSALCOURSE_DATA)",
    "discovery.load_tuebingen": "no arguments", "imageworld.causal_graph": "no arguments",
    "imageworld.owned_masks": "no arguments",
    "bandits.Policy": "a protocol", "bandits.CasinoRuns": "a record of results",
    "scb.ArmRuns": "a record of results", "sequential.Training": "a record of results",
    "rl.Agent": "a protocol", "design.DesignModel": "a protocol",
    "discovery.Edge": "a type alias", "discovery.GraphComparison": "a record of results",
    "llm.Answer": "a record of results", "llm.Answerer": "a protocol",
    "ppl.pathway_lvm": "a Pyro model run by fit_lvm (checked there)",
    "dsep.Feedback": "a record of results", "dsep.RuleCheck": "a record of results",
    "order_mcmc.FamilyScores": "a record of results (made by family_scores)",
    "order_mcmc.OrderChains": "a record of results (made by order_mcmc)",
    "order_mcmc.GraphSample": "a record of results (made by sample_graphs)",
    **{f"llm.{n}": "re-exported from causalcourse.discovery (covered there)"
       for n in ("load_tuebingen", "orient_anm", "orient_lingam", "orient_reci", "weighted_accuracy")},
}
MODULES = {
    "": "causalcourse", "scm": "causalcourse.scm", "graphs": "causalcourse.graphs",
    "counterfactuals": "causalcourse.counterfactuals", "identification": "causalcourse.identification",
    "data": "causalcourse.data", "bandits": "causalcourse.bandits", "rl": "causalcourse.rl",
    "imageworld": "causalcourse.imageworld", "crl": "causalcourse.crl", "ppl": "causalcourse.ppl",
    "plotting": "causalcourse.plotting", "netguard": "causalcourse.netguard",
    "design": "causalcourse.design", "discovery": "causalcourse.discovery",
    "llm": "causalcourse.llm", "dsep": "causalcourse.dsep", "estimation": "causalcourse.estimation",
    "interventional": "causalcourse.interventional", "uncertainty": "causalcourse.uncertainty",
    "errors": "causalcourse.errors", "order_mcmc": "causalcourse.design.order_mcmc",
    "ladder_model": "causalcourse.ladder_model",
    "scb": "causalcourse.scb", "sequential": "causalcourse.sequential",
}


@pytest.mark.parametrize("name, call, error, pattern", CASES, ids=[c[0] for c in CASES])
def test_bad_input_raises_a_course_error_naming_it(name, call, error, pattern) -> None:
    import matplotlib

    matplotlib.use("Agg")
    with pytest.raises(error) as raised:
        call()
    assert re.search(pattern, str(raised.value)), str(raised.value)
    if error is not client.LLMError:
        assert isinstance(raised.value, CourseError)


def test_every_public_function_has_a_bad_input_case() -> None:
    covered = {".".join(c[0].split(".")[:2]) for c in CASES} | {"set_seed"}
    missing = []
    for short, module_name in MODULES.items():
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if not callable(obj) or (inspect.isclass(obj) and issubclass(obj, BaseException)):
                continue
            key = f"{short}.{name}" if short else name
            if key not in covered and key not in NO_USER_INPUT:
                missing.append(key)
    assert not missing, f"public functions without a bad-input case: {missing}"
