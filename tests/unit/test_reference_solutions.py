"""The reference solutions of coding questions run and do what their model answers say.

Each test executes a question's `reference_solution` from content/ (as shipped) and checks it
on small cases, including the edge cases the model answer promises to handle.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import pytest

from bot.config import PROJECT_ROOT
from bot.content.loader import load_packs


@cache
def _solutions() -> dict[str, str]:
    bank = load_packs(PROJECT_ROOT / "content").questions
    return {q.id: q.reference_solution for q in bank if q.reference_solution}


def solution(question_id: str, name: str) -> Callable[..., Any]:
    namespace: dict[str, Any] = {}
    exec(_solutions()[question_id], namespace)  # shipped content, not user input
    return namespace[name]


def test_top_k_sample_at_temperature_zero_is_greedy() -> None:
    top_k_sample = solution("coding-top-k-sampling", "top_k_sample")
    logits = [2.0, 1.0, 0.1, 3.0]
    for k in (1, 2, 4, 10):
        assert top_k_sample(logits, k, temperature=0.0) == 3
    with pytest.raises(ValueError):
        top_k_sample(logits, 2, temperature=-1.0)


def test_top_k_sample_draws_only_from_the_k_best() -> None:
    top_k_sample = solution("coding-top-k-sampling", "top_k_sample")
    rng = np.random.default_rng(0)
    drawn = {top_k_sample([2.0, 1.0, 0.1, 3.0], 2, 0.7, rng) for _ in range(200)}
    assert drawn == {0, 3}


def test_kv_cache_capacity() -> None:
    capacity = solution("inference-kv-cache-size-function", "max_concurrent_sequences")
    assert capacity(40 * 2**30, 8192, 32, 8, 128, 2) == 40
    assert capacity(40 * 2**30, 8193, 32, 8, 128, 2, block_size=16) == 39
    with pytest.raises(ValueError):
        capacity(1, 0, 1, 1, 1, 1)


def test_semantic_cache_is_per_tenant_thresholded_and_expires() -> None:
    now = [0.0]
    cache_cls = solution("inference-semantic-cache-lookup", "SemanticCache")
    semantic = cache_cls(threshold=0.9, ttl_seconds=10, clock=lambda: now[0])
    semantic.put("acme", [1, 0], "reset link sent")
    assert semantic.get("acme", [0.99, 0.05]) == "reset link sent"
    assert semantic.get("acme", [0, 1]) is None
    assert semantic.get("globex", [1, 0]) is None
    now[0] = 11
    assert semantic.get("acme", [1, 0]) is None
    with pytest.raises(ValueError):
        semantic.put("acme", [0, 0], "x")


def test_mxfp4_round_trip() -> None:
    roundtrip = solution("quantization-mxfp4-block-quantize", "mxfp4_roundtrip")
    assert np.allclose(roundtrip([6.0, 1.2, -2.6]), [6.0, 1.0, -3.0])
    assert np.allclose(roundtrip([7.9]), [6.0])  # saturates at the top of the E2M1 grid
    assert np.allclose(roundtrip(np.zeros(40)), 0.0)
    x = np.random.default_rng(0).normal(size=100)
    assert roundtrip(x).shape == x.shape


def test_top_k_router_and_balance_loss() -> None:
    route = solution("mixture-of-experts-router-aux-loss-code", "route_top_k")
    rng = np.random.default_rng(1)
    x, w = rng.normal(size=(6, 8)), rng.normal(size=(8, 4))
    top, gates, _ = route(x, w, k=2)
    logits = x @ w
    assert top.shape == (6, 2) and np.allclose(gates.sum(axis=1), 1.0)
    assert set(top[0]) == set(np.argsort(-logits[0])[:2])
    assert math.isclose(route(np.zeros((8, 3)), np.zeros((3, 4)), k=2)[2], 1.0)
    assert route(np.ones((5, 1)), np.array([[5.0, 4.0, 0.0, 0.0]]), k=2)[2] > 1.5


def test_dpo_and_simpo_losses() -> None:
    dpo = solution("preference-optimization-simpo-loss-code", "dpo_loss")
    simpo = solution("preference-optimization-simpo-loss-code", "simpo_loss")
    assert math.isclose(
        dpo([-10], [-12], [-11], [-11], beta=0.1), -math.log(1 / (1 + math.exp(-0.2)))
    )
    assert math.isclose(
        simpo([-20], [-40], [10], [10], beta=2.0, gamma=1.0), math.log1p(math.exp(-3))
    )
    assert dpo([0], [-1e6], [0], [0], beta=1.0) == 0.0
    assert math.isfinite(dpo([-1e6], [0], [0], [0], beta=1.0))
    with pytest.raises(ValueError):
        simpo([1], [1], [0], [1])


def test_group_advantages() -> None:
    advantages = solution("reasoning-models-group-advantages-code", "group_advantages")
    rewards = [1, 0, 1, 0, 1, 1, 1, 1]
    assert np.allclose(advantages(rewards, 4), [1, -1, 1, -1, 0, 0, 0, 0], atol=1e-3)
    assert np.allclose(advantages(rewards, 4, "none"), [0.5, -0.5, 0.5, -0.5, 0, 0, 0, 0])
    with pytest.raises(ValueError):
        advantages([1, 2, 3], 2)
    with pytest.raises(ValueError):
        advantages([1, 2], 2, "median")


def test_retrieval_metrics() -> None:
    recall = solution("rag-evaluation-recall-mrr-code", "recall_at_k")
    mrr = solution("rag-evaluation-recall-mrr-code", "mean_reciprocal_rank")
    assert recall(["d3", "d1", "d9"], {"d1", "d7"}, 2) == 0.5
    assert mrr([(["a", "b"], {"b"}), (["c"], {"x"})]) == 0.25
    with pytest.raises(ValueError):
        recall(["a"], set(), 1)


def test_tool_call_authorisation() -> None:
    authorize = solution("llm-security-tool-call-guard", "authorize")
    policy = {
        "refund": {"roles": {"agent"}, "args": {"amount": lambda a: 0 < a <= 100}, "confirm": True},
        "lookup": {"roles": {"agent", "viewer"}, "args": {"id": lambda s: s.isdigit()}},
    }
    assert authorize({"tool": "refund", "args": {"amount": 50}}, "agent", policy) == "confirm"
    assert authorize({"tool": "lookup", "args": {"id": "12"}}, "viewer", policy) == "allow"
    for call, role in [
        ({"tool": "refund", "args": {"amount": 500}}, "agent"),
        ({"tool": "refund", "args": {"amount": 5, "to": "x"}}, "agent"),
        ({"tool": "refund", "args": {"amount": 5}}, "viewer"),
        ({"tool": "rm", "args": {}}, "agent"),
        ({"tool": "lookup", "args": {"id": 12}}, "viewer"),  # the validator raises
    ]:
        assert authorize(call, role, policy) == "deny", call


def test_agent_loop_guards() -> None:
    run = solution("agents-loop-guard-code", "run_agent")
    assert (
        run(lambda m: {"tool": "lookup", "args": {"id": 1}}, {"lookup": lambda id: 1}, "t")[0]
        == "loop"
    )
    assert run(lambda m: {"tool": "nope", "args": {"n": len(m)}}, {}, "t")[0] == "unknown_tool"
    moves = iter([{"tool": "div", "args": {"a": 1, "b": 0}}, {"final": "done"}])
    status, answer, messages = run(lambda m: next(moves), {"div": lambda a, b: a / b}, "t")
    assert (status, answer) == ("done", "done")
    assert "ZeroDivisionError" in messages[2]["content"]
    assert run(lambda m: {"tool": "t", "args": {"i": len(m)}}, {"t": lambda i: i}, "x", 3)[0] == (
        "max_steps"
    )


def test_selective_scan() -> None:
    scan = solution("architectures-beyond-transformers-selective-scan-code", "selective_scan")
    y, _ = scan([1, 1], [1, 1], [-1.0], [[1], [1]], [[1], [1]])
    assert np.allclose(y, [1, 1 + math.exp(-1)])
    with pytest.raises(ValueError):
        scan([1], [0], [-1.0], [[1]], [[1]])


def test_clip_loss() -> None:
    clip_loss = solution("vision-language-clip-loss-code", "clip_loss")
    eye = np.eye(4)
    assert clip_loss(eye, eye) < 1e-3
    assert clip_loss(eye, eye[[1, 0, 3, 2]]) > 5


def test_ngram_decontamination() -> None:
    contaminated = solution("synthetic-data-ngram-decontamination-code", "contaminated")
    assert contaminated(["The cat sat, on the mat!"], ["the cat sat on"], n=3) == [0]
    assert contaminated(["dog ran", "x y z w"], ["x y z"], n=3) == [1]


def test_slerp() -> None:
    slerp = solution("model-merging-slerp-code", "slerp")
    assert np.allclose(slerp([1, 0], [0, 1], 0.5), [2**-0.5, 2**-0.5])
    assert np.allclose(slerp([[1, 2], [3, 4]], [[1, 2], [3, 4]], 0.3), [[1, 2], [3, 4]])
    assert np.allclose(slerp([1, 0], [0, 1], 1.0), [0, 1])
    with pytest.raises(ValueError):
        slerp([1], [1, 2], 0.5)


def test_pack_context() -> None:
    pack = solution("context-engineering-pack-context-code", "pack_context")
    chunks = [
        {"id": "a", "text": "one two three four", "score": 0.9, "position": 5},
        {"id": "b", "text": "five six seven", "score": 0.8, "position": 1},
        {"id": "c", "text": "eight", "score": 0.5, "position": 3},
        {"id": "d", "text": "eight", "score": 0.4, "position": 0},
    ]
    assert [c["id"] for c in pack(chunks, 5, lambda t: len(t.split()))] == ["c", "a"]


def test_latency_report() -> None:
    report = solution("llm-observability-latency-report-code", "latency_report")
    prices = {"m": {"input": 1.0, "output": 4.0}}
    fast = {"latency_ms": 100, "input_tokens": 1000, "output_tokens": 500, "model": "m"}
    slow = {"latency_ms": 900, "input_tokens": 0, "output_tokens": 0, "model": "m"}
    result = report([fast] * 18 + [slow] * 2, 500, prices)
    assert (result["p50_ms"], result["p95_ms"], result["slo_breached"]) == (100, 900, True)
    assert math.isclose(result["total_cost"], 18 * (1000 + 500 * 4) / 1e6)
    with pytest.raises(KeyError):
        report([{**fast, "model": "x"}], 1, prices)
