"""What a run leaves the operator to look at. out/report.html: built from the artifacts only, its
numbers equal theirs, and it renders in a real headless browser (Debian `chromium`) with no
console message; a screenshot is kept. The closing summary of `full_export`: what ran, what the
artifacts say, and the next command."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from fixtures.demo import build_demo
from osddl.layout import path
from osddl.report import build_report
from osddl.summary import NEXT_ON_FAILURE, closing_summary
from tests.doit_runs import ROOT, copy_project, doit

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# CI installs chromium: there a missing browser is a failure, not a skip.
needs_browser = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"), reason="no chromium on this machine"
)
SCREENSHOTS = Path(os.environ.get("OSDDL_TEST_ARTIFACTS", ROOT / "build" / "test-artifacts"))


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    work = tmp_path_factory.mktemp("report")
    build_demo(work)
    result = doit(work, "full_export")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "report: out/report.html" in result.stdout
    return work, result.stdout


@pytest.fixture(scope="module")
def exported(first_run: tuple[Path, str]) -> Path:
    return first_run[0]


def test_full_export_closes_with_a_summary_of_the_artifacts(first_run: tuple[Path, str]) -> None:
    work, stdout = first_run
    out = work / "out"
    counts = _json(out, "manifest")["counts"]
    assert isinstance(counts, dict)
    ran = [line[3:] for line in stdout.splitlines() if line.startswith(".  ")]
    summary = stdout[stdout.index("summary: ") :].splitlines()
    assert summary[0] == f"summary: {len(ran)} task(s) ran, 0 up to date"
    assert summary[1] == (
        f"summary: {counts['tables']} tables, {counts['rows']} rows exported; "
        f"{counts['columnsTightened']} columns tightened, "
        f"{counts['foreignKeysCreated']} foreign keys created"
    )
    assert "summary: report: out/report.html" in summary
    assert summary[-2].startswith("next: open out/report.html; `osddl verify`")


def test_a_failed_proof_changes_the_summary_and_the_next_step(
    exported: Path, tmp_path: Path
) -> None:
    out = copy_project(exported, tmp_path / "w") / "out"
    proof = out / path("fit_verification")
    proof.write_text(proof.read_text(encoding="utf-8").replace('"pass"', '"fail"'), "utf-8")
    lines = closing_summary(out, ["verify:fit"], 3, [], uat_users=True)
    assert lines[0] == "summary: 1 task(s) ran, 3 up to date"
    assert any(line.startswith("summary: proofs: ") and "not passing: value fit" in line
               for line in lines)  # fmt: skip
    assert lines[-1] == NEXT_ON_FAILURE


class _Marked(HTMLParser):
    """Every `data-count` and `data-status` value on the page, with the element's text."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: dict[str, str] = {}
        self.statuses: dict[str, str] = {}
        self._open: str | None = None
        self._proof: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("data-proof"):
            self._proof = found["data-proof"]
        if found.get("data-status") and self._proof:
            self.statuses[self._proof] = str(found["data-status"])
        self._open = found.get("data-count")

    def handle_data(self, data: str) -> None:
        if self._open and data.strip():
            self.counts[self._open] = data.strip()
            self._open = None


def _marked(html: str) -> _Marked:
    parser = _Marked()
    parser.feed(html)
    return parser


def _json(out: Path, key: str) -> dict[str, object]:
    return json.loads((out / path(key)).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_report_numbers_equal_the_artifacts(exported: Path) -> None:
    out = exported / "out"
    page = _marked((out / path("report")).read_text(encoding="utf-8"))
    manifest, decisions = _json(out, "manifest"), _json(out, "decisions")
    counts = manifest["counts"]
    assert isinstance(counts, dict)
    for key in ("modules", "entities", "tables", "rows", "columnsTightened", "foreignKeysCreated"):
        assert page.counts[f"manifest.{key}"] == str(counts[key]), key
    assert page.counts["artifacts"] == str(len(manifest["artifacts"]))  # type: ignore[arg-type]
    assert page.counts["requiresRemediation"] == str(
        decisions["counts"]["requiresRemediation"]  # type: ignore[index]
    )
    uat = manifest["uatUsers"]["counts"]  # type: ignore[index]
    assert {k: page.counts[f"uat.{k}"] for k in uat} == {k: str(v) for k, v in uat.items()}
    fit = _json(out, "fit_verification")
    assert page.counts["fit.failureCount"] == str(fit["failureCount"])
    assert page.statuses == {
        "topological order": _json(out, "order_proof")["verdict"],
        "order verification": _json(out, "order_verification")["verdict"],
        "value fit": fit["verdict"],
        "loadable pair": _json(out, "loadable_verification")["verdict"],
        "uat-users verification": _json(out, "uat:uat-users-verification.json")["status"],
    }


def test_report_shows_a_failed_proof_and_its_findings(exported: Path, tmp_path: Path) -> None:
    work = copy_project(exported, tmp_path / "w")
    out = work / "out"
    fit = _json(out, "fit_verification")
    finding = {"kind": "too-long", "file": "DynamicData/x.sql", "path": "batch 1 row 2 [Name]",
               "detail": "101 characters in NVARCHAR(100)"}  # fmt: skip
    fit.update(verdict="fail", failureCount=1, failures=[finding])
    (out / path("fit_verification")).write_text(json.dumps(fit), encoding="utf-8")
    html = build_report(out, uat_users=True)
    page = _marked(html)
    assert 'data-verdict="fail"' in html and "1 proof(s) failed: value fit" in html
    assert page.statuses["value fit"] == "fail"
    assert page.counts["fit.failureCount"] == "1"
    assert "101 characters in NVARCHAR(100)" in html


def test_report_escapes_what_it_shows(exported: Path, tmp_path: Path) -> None:
    work = copy_project(exported, tmp_path / "w")
    out = work / "out"
    fit = _json(out, "fit_verification")
    fit.update(failures=[{"kind": "x", "detail": "<script>alert(1)</script>"}])
    (out / path("fit_verification")).write_text(json.dumps(fit), encoding="utf-8")
    html = build_report(out, uat_users=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_report_is_rewritten_when_a_proof_changes(exported: Path, tmp_path: Path) -> None:
    work = copy_project(exported, tmp_path / "w")
    first = doit(work, "report")
    assert first.returncode == 0 and "-- report" in first.stdout, first.stdout
    proof = work / "out" / path("loadable_verification")
    proof.write_text(proof.read_text(encoding="utf-8").replace('"pass"', '"fail"'), "utf-8")
    second = doit(work, "report")
    assert ".  report" in second.stdout, second.stdout
    assert 'data-verdict="fail"' in (work / "out" / path("report")).read_text(encoding="utf-8")


def _browse(page: Path, screenshot: Path | None = None) -> tuple[str, list[str]]:
    """The DOM after the page's script ran, and every console message chromium logged."""
    assert CHROMIUM is not None, "CI must install chromium (Debian package)"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0"]
    run = subprocess.run(
        [CHROMIUM, *flags, "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
    if screenshot is not None:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [CHROMIUM, *flags[:3], "--hide-scrollbars", "--window-size=1280,2200",
             f"--screenshot={screenshot}", page.as_uri()],
            capture_output=True, timeout=120, check=True,
        )  # fmt: skip
    return run.stdout, console


@needs_browser
def test_report_renders_in_headless_chromium(exported: Path) -> None:
    shot = SCREENSHOTS / "report.png"
    shot.unlink(missing_ok=True)
    dom, console = _browse(exported / "out" / path("report"), shot)
    assert console == []
    assert 'data-ready="true"' in dom  # the page's script ran to its end
    for section in ("summary", "proofs", "decisions", "dependencies", "uat-users", "fit"):
        assert f'id="{section}"' in dom, section
    assert re.search(r'<g class="node platform"[^>]*data-table="dbo\.ossys_User"', dom)
    assert 'class="edge deferred"' in dom and 'class="node exported cycle"' in dom
    assert shot.stat().st_size > 10_000


@needs_browser
def test_the_browser_check_sees_a_script_error(tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text("<html><body><script>throw new Error('broken page');</script></body></html>")
    dom, console = _browse(page)
    assert any("broken page" in line for line in console)
    assert 'data-ready="true"' not in dom
