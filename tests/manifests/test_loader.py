"""Finding manifest files and turning documents into Manifest values."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.errors import ManifestError
from reconciler.manifests import discover, load_and_validate, load_paths
from reconciler.model import Manifest, SourceLocation

from .helpers import FIXTURES, parse


def test_discover_walks_directories_skipping_hidden_config_and_other_suffixes() -> None:
    files, issues = discover([FIXTURES / "valid"])
    assert issues == []
    assert [file.relative_to(FIXTURES / "valid").as_posix() for file in files] == [
        "annotations.yml",
        "cohorts.yaml",
        "dashboards.yaml",
        "flags/checkout.yaml",
    ]


def test_discover_reports_missing_paths_and_deduplicates(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("kind: Cohort\n")
    (tmp_path / "phsync.yaml").write_text("project: 1\n")
    files, issues = discover(
        [tmp_path, tmp_path / "a.yaml", tmp_path / "phsync.yaml", tmp_path / "gone"]
    )
    assert files == [tmp_path / "a.yaml"]
    assert [(issue.file, issue.message) for issue in issues] == [
        (str(tmp_path / "gone"), "no such file or directory")
    ]


def test_a_file_named_explicitly_is_read_whatever_its_suffix(tmp_path: Path) -> None:
    target = tmp_path / "flags.txt"
    target.write_text("kind: Dashboard\nname: D\n")
    manifests, issues = load_paths([target])
    assert issues == [] and [m.name for m in manifests] == ["D"]


def test_load_paths_reads_every_fixture() -> None:
    manifests, issues = load_paths([FIXTURES / "valid"])
    assert issues == []
    assert sorted(str(m.key) for m in manifests) == [
        "Annotation/growth-review",
        "Annotation/release-2-3-0",
        "Cohort/Beta testers",
        "Cohort/Conference leads",
        "Cohort/Internal users",
        "Cohort/Recently active",
        "Dashboard/Growth",
        "FeatureFlag/enterprise-sso",
        "FeatureFlag/new-checkout",
        "FeatureFlag/onboarding-v2",
    ]


def test_load_paths_refuses_binary_and_oversized_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reconciler.manifests import yamlio

    (tmp_path / "bin.yaml").write_bytes(b"\x00\x01kind")
    (tmp_path / "big.yaml").write_text("a: " + "x" * 200 + "\n")
    monkeypatch.setattr(yamlio, "MAX_FILE_BYTES", 100)
    manifests, issues = load_paths([tmp_path])
    assert manifests == []
    assert sorted(issue.message.split(" (")[0] for issue in issues) == [
        "file too large",
        "not a text file",
    ]


def test_manifest_fields() -> None:
    (manifest,), issues = parse(
        """\
        # comment
        kind: FeatureFlag
        key: new-checkout
        filters:
          groups: [{rollout_percentage: 5}]
        ignore: [active]
        """,
        "flags/a.yaml",
    )
    assert issues == []
    assert manifest == Manifest(
        kind="FeatureFlag",
        name="new-checkout",
        spec={"key": "new-checkout", "filters": {"groups": [{"rollout_percentage": 5}]}},
        location=SourceLocation("flags/a.yaml", 2, 1),
        ignore=("active",),
    )
    assert manifest.where(("filters", "groups", 0, "rollout_percentage")).line == 5
    assert manifest.where(("filters", "nothing", "here")) == SourceLocation("flags/a.yaml", 4, 1)


def test_several_documents_and_empty_ones() -> None:
    manifests, issues = parse(
        "---\n# nothing\n---\nkind: Dashboard\nname: A\n---\n---\nkind: Dashboard\nname: B\n"
    )
    assert issues == []
    assert [(m.name, m.location.line) for m in manifests] == [("A", 4), ("B", 8)]


@pytest.mark.parametrize(
    ("text", "message", "hint_part"),
    [
        ("- kind: Cohort\n", "a manifest must be a mapping of fields, got a list", "kind"),
        ("just text\n", "a manifest must be a mapping of fields, got a string", "kind"),
        ("name: x\n", "missing 'kind'", "Cohort, Action, FeatureFlag"),
        ("kind: FeatureFlg\n", "unknown kind 'FeatureFlg'; did you mean 'FeatureFlag'?", "one of"),
        ("kind: cohort\n", "unknown kind 'cohort'; did you mean 'Cohort'?", "one of"),
        ("kind: [Cohort]\n", "unknown kind 'a list'", "one of"),
        ("kind: Dashboard\nname: D\nignore: active\n", "must be a list of field paths", "ignore"),
        ("kind: Dashboard\nname: D\nignore: [1]\n", "must be a field path (a string)", None),
    ],
    ids=[
        "list-document",
        "scalar-document",
        "no-kind",
        "misspelt-kind",
        "kind-case",
        "kind-not-text",
        "ignore-not-list",
        "ignore-item-not-text",
    ],
)
def test_document_level_problems(text: str, message: str, hint_part: str | None) -> None:
    _, issues = parse(text)
    assert len(issues) == 1
    assert issues[0].message.startswith(message)
    if hint_part:
        assert hint_part in (issues[0].hint or "")


def test_manifest_without_identity_is_kept_for_the_schema_to_report() -> None:
    (manifest,), issues = parse("kind: Dashboard\ndescription: x\n")
    assert issues == [] and manifest.name == ""


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("2026-11-01T10:00:00Z", "2026-11-01T10:00:00Z"),
        ("2026-11-01T12:00:00+02:00", "2026-11-01T10:00:00Z"),
        ("'2026-11-01T12:00:00+02:00'", "2026-11-01T10:00:00Z"),
        ("'2026-11-01T10:00:00'", "2026-11-01T10:00:00Z"),
        ("2026-11-01 10:00:00.5", "2026-11-01T10:00:00.5Z"),
        ("'not a date'", "not a date"),
    ],
    ids=["utc", "offset", "quoted-offset", "quoted-naive", "space-separated", "unparseable"],
)
def test_annotation_date_marker_is_normalised_to_utc(written: str, stored: str) -> None:
    (manifest,), _ = parse(f"kind: Annotation\nname: a\ncontent: c\ndate_marker: {written}\n")
    assert manifest.spec["date_marker"] == stored


def test_load_and_validate_raises_with_every_issue_of_every_file_sorted() -> None:
    with pytest.raises(ManifestError) as caught:
        load_and_validate([FIXTURES / "invalid"])
    places = [(Path(i.file).name, i.line) for i in caught.value.issues]
    assert places == [
        ("broken.yaml", 4),
        ("flag.yaml", 3),
        ("flag.yaml", 6),
        ("flag.yaml", 9),
        ("flag.yaml", 13),
    ]
    assert str(caught.value).startswith("5 problems in manifests:")


def test_load_and_validate_without_reference_check() -> None:
    with pytest.raises(ManifestError) as caught:
        load_and_validate([FIXTURES / "invalid" / "flag.yaml"], check_refs=False)
    assert len(caught.value.issues) == 3


def test_load_and_validate_returns_valid_manifests() -> None:
    manifests = load_and_validate([FIXTURES / "valid"])
    assert len(manifests) == 10
