"""Phase 2 -> phase 3: the encoder is handed over exactly, under a freshly initialised head."""

from __future__ import annotations

import torch


def test_encoder_weights_carry_over_and_the_head_is_new(tmp_path, monkeypatch):
    import ablate.phases.train as train
    from ablate.config import resolve
    from ablate.execute import execute
    from ablate.progress import Progress
    from ablate.recipes import load
    from ablate.tracking import Tracker

    seen: dict[str, dict] = {}
    real_save, real_load = train.save_encoder, train.load_with_head

    def save_encoder(model, tokenizer, out_dir):  # end of phase 2
        seen["end_of_phase2"] = {k: v.detach().clone() for k, v in model.state_dict().items()}
        return real_save(model, tokenizer, out_dir)

    def load_with_head(path, head, **kw):  # start of phase 3 (and of phase 2, from the pretrained model)
        model = real_load(path, head, **kw)
        seen.setdefault("starts", []).append((path, {k: v.detach().clone() for k, v in model.state_dict().items()}))
        return model

    monkeypatch.setattr(train, "save_encoder", save_encoder)
    monkeypatch.setattr(train, "load_with_head", load_with_head)
    cfg = resolve("smoke", None, {"recipe": "stilts", "task": "mnli", "targets": "xnli", "seeds": "3",
                                  "output_dir": str(tmp_path), "eval_splits": "test", "max_eval_examples": 4})
    execute(load("stilts").plan(cfg), cfg, Tracker(cfg.store_uri, "handover"), Progress(enabled=False))

    (_, phase2_start), (phase3_path, phase3_start) = seen["starts"]
    assert phase3_path.endswith("encoder")
    end2 = seen["end_of_phase2"]
    encoder_keys = [k for k in phase3_start if k.startswith("roberta.")]
    assert encoder_keys and all(k in end2 for k in encoder_keys)
    for k in encoder_keys:
        torch.testing.assert_close(phase3_start[k], end2[k], rtol=0, atol=0)
    # phase 2 really trained the encoder (otherwise equality above proves nothing)
    changed = [k for k in encoder_keys if not torch.equal(phase2_start[k], end2[k])]
    assert changed
    # the head is new: not phase 2's trained head (same shape: 3 NLI labels on both sides) ...
    head = [k for k in phase3_start if k.startswith("classifier.")]
    assert head and all(not torch.equal(phase3_start[k], end2[k]) for k in head if k.endswith("weight"))
    # ... and nothing of it was saved with the encoder
    from safetensors.torch import load_file

    saved = load_file(f"{phase3_path}/model.safetensors")
    assert not any("classifier" in k for k in saved)


def test_saved_encoder_config_forgets_the_intermediate_label_set(tmp_path):
    """A CCG-style head (426 labels) must not size the next head (QA loads without labels)."""
    import json

    from ablate.models import build_tiny, load_tokenizer, load_with_head, save_encoder

    path = str(build_tiny("tiny-xlmr"))
    tagger = load_with_head(path, "token_classification", seed=0, num_labels=426)
    save_encoder(tagger, load_tokenizer(path), tmp_path / "encoder")
    assert tagger.config.num_labels == 426  # the live model is untouched
    saved = json.loads((tmp_path / "encoder" / "config.json").read_text())
    assert len(saved.get("id2label", {0: 0, 1: 1})) == 2  # transformers omits the default labels
    qa = load_with_head(str(tmp_path / "encoder"), "question_answering", seed=0, num_labels=2)
    assert qa.qa_outputs.out_features == 2


def test_multitask_hands_over_the_trained_shared_encoder_and_no_head(tmp_path, monkeypatch):
    import ablate.mixing.phase as multitask
    import ablate.phases.train as train
    from ablate.config import resolve
    from ablate.execute import execute
    from ablate.progress import Progress
    from ablate.recipes import load
    from ablate.tracking import Tracker

    seen: dict = {}
    real_build, real_save, real_load = multitask.build, multitask.save_encoder, train.load_with_head

    def state(module) -> dict:
        return {k: v.detach().clone() for k, v in module.state_dict().items()}

    def build(*args, **kw):  # start of phase 2: the pretrained encoder the heads share
        built = real_build(*args, **kw)
        seen["start"] = state(built.encoder)
        return built

    def save_encoder(encoder, tokenizer, out_dir):  # end of phase 2
        seen["end"] = state(encoder)
        return real_save(encoder, tokenizer, out_dir)

    def load_with_head(path, head, **kw):  # start of phase 3
        model = real_load(path, head, **kw)
        seen["phase3"] = (path, state(model))
        return model

    monkeypatch.setattr(multitask, "build", build)
    monkeypatch.setattr(multitask, "save_encoder", save_encoder)
    monkeypatch.setattr(train, "load_with_head", load_with_head)
    cfg = resolve("smoke", None, {"recipe": "multitask", "multitask": {"tasks": "mnli,squad"}, "targets": "xnli",
                                  "seeds": "3", "output_dir": str(tmp_path), "eval_splits": "test",
                                  "max_eval_examples": 4})
    execute(load("multitask").plan(cfg), cfg, Tracker(cfg.store_uri, "handover"), Progress(enabled=False))

    path, phase3 = seen["phase3"]
    assert path.endswith("encoder")
    shared = [k for k in seen["end"] if f"roberta.{k}" in phase3]
    assert shared and all(k.startswith(("embeddings.", "encoder.")) for k in shared)
    assert len(shared) == len([k for k in phase3 if k.startswith("roberta.")])  # the whole encoder came from phase 2
    for k in shared:
        torch.testing.assert_close(phase3[f"roberta.{k}"], seen["end"][k], rtol=0, atol=0)
    assert [k for k in shared if not torch.equal(seen["start"][k], seen["end"][k])]  # and phase 2 trained it
    from safetensors.torch import load_file

    saved = load_file(f"{path}/model.safetensors")
    assert not any(word in k for k in saved for word in ("classifier", "qa_outputs"))


def test_fine_tuned_dual_encoder_is_what_retrieval_scores_with(tmp_path, monkeypatch):
    """Mewsli-X: the encoder (its pooler included) the fine-tune ends with is, tensor for tensor,
    the one the retrieval phase encodes queries and candidates with; the metrics are `mewslix.*`."""
    import ablate.models as models
    import ablate.phases.train as train
    from ablate.config import resolve
    from ablate.dual_encoder_model import DualEncoder
    from ablate.execute import execute
    from ablate.progress import Progress
    from ablate.recipes import load
    from ablate.tracking import Tracker

    seen: dict = {}
    real_save, real_train_load, real_load = DualEncoder.save_pretrained, train.load_with_head, models.load_with_head

    def save_pretrained(self, out_dir, **kw):  # end of the fine-tune
        seen["trained"] = {k: v.detach().clone() for k, v in self.encoder.state_dict().items()}
        return real_save(self, out_dir, **kw)

    def train_load(path, head, **kw):  # start of the fine-tune
        model = real_train_load(path, head, **kw)
        seen["start"] = {k: v.detach().clone() for k, v in model.encoder.state_dict().items()}
        return model

    def retrieval_load(path, head, **kw):  # the retrieval phase
        model = real_load(path, head, **kw)
        if head == "encoder":
            seen["scored"] = (path, {k: v.detach().clone() for k, v in model.state_dict().items()})
        return model

    monkeypatch.setattr(DualEncoder, "save_pretrained", save_pretrained)
    monkeypatch.setattr(train, "load_with_head", train_load)
    monkeypatch.setattr(models, "load_with_head", retrieval_load)
    cfg = resolve("smoke", None, {"recipe": "baseline", "targets": "mewslix", "seeds": "1",
                                  "output_dir": str(tmp_path), "max_eval_examples": 4})
    execute(load("baseline").plan(cfg), cfg, Tracker(cfg.store_uri, "handover"), Progress(enabled=False))

    path, scored = seen["scored"]
    assert path.endswith("model")  # the fine-tune's output, not a pretrained encoder
    assert set(scored) == set(seen["trained"]) and any(k.startswith("pooler.") for k in scored)
    for k, v in seen["trained"].items():
        torch.testing.assert_close(scored[k], v, rtol=0, atol=0)
    assert any(not torch.equal(seen["start"][k], seen["trained"][k]) for k in scored if k.startswith("pooler."))
    from mlflow import MlflowClient

    client = MlflowClient(cfg.store_uri)
    runs = client.search_runs([client.get_experiment_by_name("handover").experiment_id])
    metrics = {k for r in runs for k in r.data.metrics}
    assert "mewslix.avg.map20" in metrics and not any(k.startswith("mewslix_untuned.") for k in metrics)
