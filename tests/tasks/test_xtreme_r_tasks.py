"""XTREME-R targets: registry, loaders on every language, file readers, selection, bad input."""

from __future__ import annotations

import json
import re

import pytest

from ablate import languages as L
from ablate.config import resolve
from ablate.data import lareqa, mewslix, ud_files
from ablate.data.load import load_task_split
from ablate.errors import AblateError
from ablate.tasks import TARGET_GROUPS, expand_targets, get_task

NEW = {"xcopa": L.XCOPA, "mewslix": L.MEWSLIX, "lareqa": L.LAREQA, "udpos_xr": L.UDPOS_R[len(L.UDPOS):],
       "panx_xr": L.PANX_R[len(L.PANX):], "tatoeba_xr": L.TATOEBA_R[len(L.TATOEBA):], "xquad_xr": ("ro",)}


@pytest.fixture(scope="module")
def smoke():
    return resolve("smoke")


def test_xtreme_r_group_is_the_ten_tasks():
    assert expand_targets(("xtreme-r",)) == TARGET_GROUPS["xtreme-r"]
    assert len(TARGET_GROUPS["xtreme-r"]) == 10
    assert set(TARGET_GROUPS["xtreme-r"]) & {"pawsx", "bucc2018", "udpos", "panx", "tatoeba", "xquad"} == set()
    # XTREME keeps its own sets; the `_xr` targets hold XTREME-R's
    assert get_task("udpos").languages == L.UDPOS and get_task("udpos_xr").languages == L.UDPOS_R
    assert "ro" not in get_task("xquad").languages and "ro" in get_task("xquad_xr").languages


@pytest.mark.parametrize("task", sorted(NEW))
def test_fixtures_load_for_every_added_language(task, smoke):
    spec = get_task(task)
    for split in spec.evaluation:
        for lang in NEW[task]:
            if (split, lang) in spec.unavailable:
                continue
            ds = load_task_split(spec, split, smoke, lang)
            assert len(ds) > 0 and ds[0]["id"].startswith(f"{lang}:") or task == "lareqa", (split, lang)
            assert {"id", "parallel_id"} <= set(ds.column_names)


def test_extended_tasks_share_the_xtreme_fine_tune():
    from ablate.phases_plan import training_data

    for base in ("udpos", "panx", "xquad"):
        assert training_data(base) == training_data(f"{base}_xr")


def test_xcopa_trains_siqa_then_copa_and_never_selects_on_xcopa_originals(smoke):
    spec = get_task("xcopa")
    assert spec.train_first == "siqa" and get_task("siqa").training_sources[0] in spec.training_sources
    # COPA validation/test are the English originals of XCOPA validation/test: never read for selection
    for src in spec.dev:
        assert (src.hub_id, src.split) == ("aps/super_glue", "train") and src.holdout.part == "held_out"
    train = set(load_task_split(spec, "train", smoke)["id"])
    dev = set(load_task_split(spec, "dev", smoke)["id"])
    assert train and dev and not train & dev


def test_copa_prompt_is_xtreme_r_s_wording(smoke):
    from ablate.tasks import multiple_choice

    ds = load_task_split(get_task("xcopa"), "test", smoke, "qu")
    prompt = multiple_choice.prompts(ds)[0]
    assert prompt == f"{ds[0]['context']} What was the {ds[0]['copa_question']}?"
    assert ds[0]["copa_question"] in ("cause", "effect")


# --- file readers -------------------------------------------------------------------------------

def test_conllu_reader_skips_multiword_ranges_empty_nodes_and_blank_sentences(tmp_path):
    folder = tmp_path / ud_files.FOLDER / "UD_Polish-Test"
    folder.mkdir(parents=True)
    rows = ["# sent_id = 1", "1-2\tdomu\t_\t_\t_\t_\t_\t_\t_\t_", "1\tdo\tdo\tADP\t_\t_\t2\t_\t_\t_",
            "2\tmu\ton\tPRON\t_\t_\t0\t_\t_\t_", "2.1\tx\tx\tNOUN\t_\t_\t_\t_\t_\t_", "3\t.\t.\tPUNCT\t_\t_\t2\t_\t_\t_",
            "", "1\t_\t_\tNOUN\t_\t_\t0\t_\t_\t_", "2\t_\t_\tVERB\t_\t_\t1\t_\t_\t_", ""]
    (folder / "pl_test-ud-test.conllu").write_text("\n".join(rows), encoding="utf-8")
    cfg = resolve("paper", None, {"data_dir": str(tmp_path)})
    ds = ud_files.read_split(get_task("udpos_xr").evaluation["test"].for_lang("pl"), cfg)
    assert ds["tokens"] == [["do", "mu", "."]]
    names = ds.features["pos_tags"].feature.names
    assert [names[i] for i in ds["pos_tags"][0]] == ["ADP", "PRON", "PUNCT"]


def _xtreme_preprocess_mention(text, sentence_spans, start, end, mention):
    """XTREME-R utils_mewslix.preprocess_mention, restated: truncate to the mention's sentence,
    escape braces, mark the span, prepend the mention, normalise."""
    focus = [s for s in sentence_spans if s[0] <= start < s[1] and s[0] < end <= s[1]][0]
    sentence = text[focus[0]:focus[1]]
    left, right = sentence[:start - focus[0]], sentence[end - focus[0]:]
    regex = re.compile(r"\{(.*?)\}")
    left, right = regex.sub(r"(\1)", left), regex.sub(r"(\1)", right)
    query = f"{mention}: {left} {{ {mention} }} {right}"
    return " ".join(query.splitlines()).replace("  ", " ").strip()


@pytest.mark.parametrize("text,spans,start,mention", [
    ("First one. The {verdict} came for Smith, who  left.", [(0, 10), (11, 51)], 34, "Smith"),
    ("Smith won.\nThen more.", [(0, 10), (11, 21)], 0, "Smith"),
    ("A {b} c Mary {d}", [(0, 16)], 8, "Mary"),
])
def test_mewslix_query_matches_xtreme_r_preprocessing(text, spans, start, mention):
    end = start + len(mention)
    assert text[start:end] == mention
    assert mewslix.mention_query(text, spans, start, end, mention) == \
        _xtreme_preprocess_mention(text, spans, start, end, mention)


def test_lareqa_pool_follows_xtreme_r_rules(smoke, tmp_path):
    pool = lareqa.read_pool(smoke, L.LAREQA)
    assert len(pool.questions) == 16 * len(L.LAREQA) and pool.skipped == 0
    # every question's relevant set: its answer sentence in each of the 11 languages
    assert all(sorted(c.split("_")[0] for c in pool.answers[x]) == sorted(L.LAREQA) for x in pool.xling_ids)
    first = pool.candidate_ids.index(pool.answers[pool.xling_ids[0]][0])
    assert pool.candidate_texts[first].startswith(pool.candidate_sentences[first])
    # an answer start outside every sentence break is skipped, as XTREME-R does
    data = json.loads(lareqa.path(smoke, "en").read_text(encoding="utf-8"))
    data["data"][0]["paragraphs"][0]["sentence_breaks"] = [[0, 1]]
    (tmp_path / "lareqa" / "xquad-r").mkdir(parents=True)
    (tmp_path / "lareqa" / "xquad-r" / "en.json").write_text(json.dumps(data), encoding="utf-8")
    cfg = resolve("paper", None, {"data_dir": str(tmp_path)})
    assert lareqa.read_pool(cfg, ["en"]).skipped >= 1


# --- bad input ----------------------------------------------------------------------------------

def test_mixed_language_sets_are_refused_unless_asked(cli, tmp_path):
    r = cli("plan", "baseline", "--targets", "xtreme,xtreme-r", "--preset", "smoke", "-o", str(tmp_path))
    assert r.code == 2 and "udpos + udpos_xr" in r.err and "--mix-language-sets" in r.err
    assert "Traceback" not in r.err
    r = cli("plan", "baseline", "--targets", "udpos,udpos_xr", "--mix-language-sets", "--preset", "smoke",
            "-o", str(tmp_path))
    assert r.code == 0, r.err
    assert "evaluate:udpos_xr" in r.out and "evaluate:udpos" in r.out


def test_language_outside_a_task_s_set_gets_did_you_mean(cli, tmp_path):
    r = cli("plan", "baseline", "--targets", "xcopa", "--set", "target_languages.xcopa=htt", "--preset", "smoke",
            "-o", str(tmp_path))
    assert r.code == 2 and "Did you mean 'ht'" in r.err
    r = cli("plan", "baseline", "--targets", "udpos", "--set", "target_languages.udpos=ro", "--preset", "smoke",
            "-o", str(tmp_path))
    assert r.code == 2 and "udpos_xr" in r.err  # ro is XTREME-R's: pointed to the task that has it
    with pytest.raises(AblateError, match="Did you mean 'xcopa'"):
        resolve("smoke", None, {"targets": "xcopa", "target_languages": {"xcopaa": "ht"}})


def test_lareqa_pool_cannot_be_cut_to_a_language_subset(cli, tmp_path):
    # a smaller pool would log lareqa_untuned.de.map20 from a different task under the same name
    r = cli("plan", "baseline", "--targets", "lareqa", "--set", "target_languages.lareqa=de,en", "--preset", "smoke",
            "-o", str(tmp_path))
    assert r.code == 2 and "one pool of all 11 languages" in r.err and "Traceback" not in r.err
    cfg = resolve("smoke", None, {"targets": "lareqa", "target_languages": {"lareqa": ",".join(reversed(L.LAREQA))}})
    assert set(cfg.target_languages["lareqa"]) == set(L.LAREQA)  # all of them, in any order: accepted


def test_target_languages_restrict_what_is_evaluated():
    from recipes import baseline

    cfg = resolve("smoke", None, {"targets": "xcopa,lareqa", "target_languages": {"xcopa": "ht,qu"}})
    phases = {p.name: p for p in baseline.plan(cfg).phases}
    assert phases["evaluate:xcopa"].settings["languages"] == ["ht", "qu"]
    assert phases["retrieve:lareqa"].settings["languages"] == list(L.LAREQA)


@pytest.mark.parametrize("target,named", [
    ("lareqa", ["lareqa/xquad-r/ar.json", "github.com/google-research-datasets/lareqa"]),
    ("mewslix", ["mewslix/candidate_set_entities.jsonl", "get-mewsli-x.sh"]),
    ("udpos_xr", ["ud-treebanks-v2.7/UD_Lithuanian-*", "ud-treebanks-v2.7.tgz"]),
])
def test_missing_local_files_are_named_with_how_to_get_them(cli, tmp_path, target, named):
    data = tmp_path / "data"
    data.mkdir()
    r = cli("run", "baseline", "--targets", target, "--preset", "smoke", "--set", "data=hub", "--data-dir",
            str(data), "-o", str(tmp_path / "out"), "-q")
    assert r.code == 2, r.err
    message = r.err.replace("\n", " ")
    assert all(n in message for n in named), message
    assert "Traceback" not in r.err


def test_xtreme_r_names_every_missing_file_at_once_and_online_too(tmp_path):
    """All file-only datasets of the run in one error (not the first one found), each dataset's
    files listed and its guidance said once; checked with the Hub reachable as well, since these
    files are never downloaded and a run would otherwise fail in its first evaluation."""
    from ablate.preflight import preflight
    from recipes import baseline

    data = tmp_path / "data"
    (data / "mewslix").mkdir(parents=True)
    (data / "mewslix" / "wikinews_mentions-dev.jsonl").write_text("", encoding="utf-8")  # present: not named
    cfg = resolve("smoke", None, {"targets": "xtreme-r", "data": "hub", "data_dir": str(data),
                                  "output_dir": str(tmp_path / "out")})
    with pytest.raises(AblateError) as e:
        preflight(baseline.plan(cfg), cfg, offline=False)
    message = str(e.value)
    for lang in L.LAREQA:
        assert f"lareqa/xquad-r/{lang}.json" in message
    for name in L.UDPOS_NAMES_R.values():
        for split in ("dev", "test"):
            assert f"UD_{name}-*/*-ud-{split}.conllu" in message
    assert "candidate_set_entities.jsonl" in message and "wikinews_mentions-test.jsonl" in message
    assert "wikinews_mentions-dev.jsonl" not in message.split("Mewsli-X is distributed")[0]
    for how in (lareqa.GUIDANCE, mewslix.GUIDANCE, ud_files.GUIDANCE):
        assert message.count(how) == 1
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())  # nothing half-written


def test_combined_missing_files_merge_per_dataset():
    from ablate.errors import MissingFiles

    one = MissingFiles.combined([MissingFiles("UD", ["a"], "get UD."), MissingFiles("UD", ["b", "a"], "get UD.")])
    assert isinstance(one, MissingFiles) and one.paths == ["a", "b"] and str(one) == "UD file(s) missing: a, b. get UD."
    two = MissingFiles.combined([MissingFiles("UD", ["a"], "get UD."), MissingFiles("LAReQA", ["x"], "get it.")])
    assert str(two) == "UD file(s) missing: a. get UD. LAReQA file(s) missing: x. get it."


def test_missing_training_pairs_are_named_and_untuned_scoring_does_not_need_them(cli, tmp_path):
    """Mewsli-X's evaluation files present, its fine-tune's wikipedia_pairs absent: one error that
    names them, how to get them and the untuned alternative; with retrieval_finetune=false the
    run does not need them."""
    import shutil

    from ablate.fixtures import FIXTURES_DIR
    from ablate.preflight import preflight
    from recipes import baseline

    data = tmp_path / "data"
    shutil.copytree(FIXTURES_DIR / "mewslix", data / "mewslix",
                    ignore=shutil.ignore_patterns("wikipedia_pairs-*"))
    r = cli("run", "baseline", "--targets", "mewslix", "--preset", "smoke", "--set", "data=hub", "--data-dir",
            str(data), "-o", str(tmp_path / "out"), "-q")
    assert r.code == 2, r.err
    message = r.err.replace("\n", " ")
    assert message.count("error:") == 1 and "Traceback" not in r.err
    for named in ("mewslix/wikipedia_pairs-train.jsonl", "mewslix/wikipedia_pairs-dev.jsonl", "get-mewsli-x.sh",
                  "--set retrieval_finetune=false"):
        assert named in message, message
    assert "Mewsli-X file(s) missing" not in message  # the evaluation files are present: not named
    cfg = resolve("smoke", None, {"targets": "mewslix", "data": "hub", "data_dir": str(data),
                                  "retrieval_finetune": False, "output_dir": str(tmp_path / "out")})
    preflight(baseline.plan(cfg), cfg, offline=True)  # no error: untuned scoring reads no pairs


def test_mewslix_pairs_are_read_in_the_hub_copy_layout_too(tmp_path):
    """izhx/mewsli-x ships the pairs as wikipedia_pairs/{train,dev}.jsonl(.tar.gz): same rows."""
    import shutil

    from ablate.fixtures import FIXTURES_DIR

    (tmp_path / "mewslix" / "wikipedia_pairs").mkdir(parents=True)
    for split in ("train", "dev"):
        shutil.copy(FIXTURES_DIR / "mewslix" / f"wikipedia_pairs-{split}.jsonl",
                    tmp_path / "mewslix" / "wikipedia_pairs" / f"{split}.jsonl")
    hub_layout = resolve("smoke", None, {"data": "hub", "data_dir": str(tmp_path)})
    for split in mewslix.PAIRS:
        assert mewslix.read_pairs(hub_layout, split) == mewslix.read_pairs(resolve("smoke"), split)
