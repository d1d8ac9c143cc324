"""train_mixture: one objective per optimizer step; only its head and the encoder learn from it."""

from __future__ import annotations

from dataclasses import asdict, replace

import pytest
import torch

from ablate.mixing.objective import Objective, head_parameters, unique_parameters

TASKS = ("mnli", "squad", "hellaswag")  # three formats: classification, span QA, multiple choice


@pytest.fixture(scope="module")
def built():
    from ablate.config import resolve
    from ablate.mixing.phase import build
    from ablate.models import resolve_model

    cfg = resolve("smoke", None, {"recipe": "stilts"})
    per_task = {t: asdict(cfg.intermediate_settings(t)) for t in TASKS}
    return cfg, build(cfg, TASKS, per_task, 5, resolve_model(cfg.model), None)


def test_task_objectives_implement_the_protocol_on_one_encoder(built):
    _, (_, encoder, objectives, _) = built
    assert [o.name for o in objectives] == list(TASKS)
    shared = {id(p) for p in encoder.parameters()}
    for o in objectives:
        assert isinstance(o, Objective)
        assert o.head.base_model.encoder is encoder.encoder and o.head.base_model.embeddings is encoder.embeddings
        own = head_parameters(o, encoder)
        assert own and not any(id(p) in shared for p in own)
    # the heads share nothing with each other
    ids = [{id(p) for p in head_parameters(o, encoder)} for o in objectives]
    assert not (ids[0] & ids[1]) and not (ids[1] & ids[2]) and not (ids[0] & ids[2])


@pytest.mark.parametrize("sampled", TASKS)
def test_a_step_gives_gradients_to_the_sampled_head_and_the_encoder_only(built, sampled):
    from ablate.mixing.loop import accumulate

    _, (_, encoder, objectives, _) = built
    for p in unique_parameters([encoder, *(o.head for o in objectives)]):
        p.grad = None
    objective = next(o for o in objectives if o.name == sampled)
    loss = accumulate(objective, objective.batches(0), encoder, torch.device("cpu"))
    assert loss > 0
    encoder_grads = [p.grad for p in encoder.encoder.parameters()]
    assert all(g is not None for g in encoder_grads) and any(g.abs().sum() > 0 for g in encoder_grads)
    assert all(p.grad is not None for p in head_parameters(objective, encoder))
    for other in objectives:
        if other is not objective:
            assert all(p.grad is None for p in head_parameters(other, encoder)), other.name


def test_the_loop_follows_the_schedule_and_restores_the_selected_state(built):
    from ablate.mixing.loop import train_mixture
    from ablate.mixing.sampler import TaskSampler

    cfg, (_, encoder, objectives, _) = built
    sampler = TaskSampler({o.name: o.size for o in objectives}, "uniform", seed=11)
    settings = replace(cfg.intermediate_settings("*"), eval_every=2, patience=100)
    logged: list[tuple[dict, int]] = []
    snapshots: dict[int, list] = {}
    params = unique_parameters([encoder, *(o.head for o in objectives)])
    scores = iter([10.0, 30.0, 20.0, 5.0])  # the mean peaks at the 2nd evaluation (step 4)

    class Probe:  # a fourth objective that only scores, to fix the selection's outcome
        name, size, grad_accum, metric = "probe", 1, 1, "score"
        head = torch.nn.Linear(1, 1)

        def batches(self, seed):
            while True:
                yield {"x": torch.ones(1, 1)}

        def loss(self, encoder, batch):
            return self.head(batch["x"]).sum()

        def dev_score(self):
            value = next(scores)
            snapshots[len(snapshots) + 1] = [p.detach().clone() for p in params]
            return value * 100  # dominates the mean

    probe = Probe()
    sampler = TaskSampler({**{o.name: o.size for o in objectives}, "probe": 1}, "uniform", seed=11)
    result = train_mixture(encoder, [*objectives, probe], sampler, settings, 8, seed=1,
                           log=lambda m, s: logged.append((m, s)))
    schedule = sampler.draw(8)
    assert result.steps == 8 and result.evaluations == 4
    assert result.task_steps == {n: schedule.count(n) for n in [*TASKS, "probe"]}
    assert result.best_step == 4
    for p, saved in zip(params, snapshots[2]):
        torch.testing.assert_close(p.detach(), saved, rtol=0, atol=0)
    assert any("curve.dev.mnli.accuracy" in m for m, _ in logged)
    assert any("curve.dev.mean" in m for m, _ in logged)


def test_patience_stops_training(built):
    from ablate.mixing.loop import train_mixture
    from ablate.mixing.sampler import TaskSampler

    cfg, (_, encoder, objectives, _) = built
    mnli = objectives[0]
    flat = iter([50.0] * 100)
    mnli_score = mnli.dev_score
    try:
        mnli.dev_score = lambda: next(flat)  # never improves after the first evaluation
        settings = replace(cfg.intermediate_settings("*"), eval_every=1, patience=2)
        result = train_mixture(encoder, [mnli], TaskSampler({"mnli": mnli.size}), settings, 20, seed=1)
    finally:
        del mnli.dev_score
    assert mnli.dev_score == mnli_score
    assert result.steps == 3 and result.best_step == 1 and result.evaluations == 3
