"""Fakes and tiny-model fixtures for the MT engine tests (no network, no GPU)."""

from __future__ import annotations

import pytest

from ablate.mt.translate import MTEngine, Settings

from .fakes import FakeBackend


@pytest.fixture
def fake_engine(tmp_path):
    """factory(mode="upper", cache=True, **settings) → MTEngine over a FakeBackend."""

    def make(mode="upper", cache=True, model_key="fake-model@main", **settings):
        return MTEngine(FakeBackend(mode, model_key), Settings(**settings),
                        cache_dir=tmp_path / "mtcache" if cache else None)

    return make


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory):
    """Session-wide directory for tiny models and their CTranslate2 conversions."""
    return tmp_path_factory.mktemp("tiny-mt")


@pytest.fixture(scope="session")
def tiny_models(tiny_dir):
    """kind → local HF directory of the tiny random models (built once per session)."""
    from ablate.mt.tiny import build

    return {kind: build(kind, tiny_dir / "hf") for kind in ("marian", "nllb", "m2m100")}
