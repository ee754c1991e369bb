"""Start-up loads only what the command needs (issue 15): checked on real processes, by what they import.

Each command runs in a fresh interpreter, as ``python -m syndicate`` runs it (:mod:`runpy`), which writes
the names of every module it loaded (``sys.modules``) to a file as it exits; a heavy library among them
fails the test. No timing here: the figures are ``benchmarks/bench_startup.py``'s.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SAMPLE

#: What no command that does not need it may load: imaging, YAML, XML, feeds, processes, the network,
#: date guessing, the HTML sanitiser, OpenSSL, and the build pipeline with its parts.
HEAVY = ("PIL", "yaml", "lxml", "feedgen", "multiprocessing", "concurrent.futures", "http.client", "ssl",
         "dateutil", "nh3", "_hashlib", "syndicate.build", "syndicate.pipeline", "syndicate.config",
         "syndicate.images", "syndicate.tasks", "syndicate.pool", "syndicate.fetch")


#: ``python -m syndicate ARGS`` (or ``python -c CODE``), noting ``sys.modules`` in the file named by argv[1] at exit.
RUNNER = """
import atexit, json, runpy, sys
noted, mode, *args = sys.argv[1:]
atexit.register(lambda: open(noted, "w", encoding="utf-8").write(json.dumps(sorted(sys.modules))))
if mode == "-m":
    sys.argv = ["syndicate", *args]
    runpy.run_module("syndicate", run_name="__main__", alter_sys=True)
else:
    exec(args[0])
"""


def imported_by(args: list[str], cwd: Path) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    """The modules a ``python ARGS`` process (``-m syndicate …`` or ``-c CODE``) had loaded when it exited, and
    the finished process."""
    noted = cwd / "modules.json"
    done = subprocess.run([sys.executable, "-c", RUNNER, str(noted), *args], cwd=cwd, capture_output=True,
                          text=True, check=False, timeout=120)
    modules = set(json.loads(noted.read_text("utf-8")))
    noted.unlink()
    return modules, done


def heavy_among(modules: set[str], allowed: tuple[str, ...] = ()) -> list[str]:
    """The :data:`HEAVY` modules (or their submodules) in ``modules``, but for ``allowed``."""
    return sorted(m for m in modules for heavy in HEAVY
                  if heavy not in allowed and (m == heavy or m.startswith(heavy + ".")))


def test_import_syndicate_loads_only_the_api_surface(tmp_path: Path) -> None:
    modules, done = imported_by(["-c", "import syndicate; syndicate.read, syndicate.export, syndicate.build"],
                                tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert heavy_among(modules) == []
    # the registries, not the readers and exporters they name
    assert {"syndicate.errors", "syndicate.model", "syndicate.readers", "syndicate.exporters"} <= modules
    assert not {"syndicate.readers.text", "syndicate.readers.metadata", "syndicate.exporters.epub"} & modules


def test_version_loads_click_and_the_package_only(tmp_path: Path) -> None:
    modules, done = imported_by(["-m", "--version"], tmp_path)
    assert (done.returncode, done.stdout) == (0, "syndicate, version 0.1.0\n")
    assert heavy_among(modules) == []
    assert "click" in modules and not any(m.startswith("syndicate.readers.") for m in modules)


def test_parse_of_a_text_story_loads_the_text_reader_only(tmp_path: Path) -> None:
    """The sample scrape, with a config file as in the repository (so the config is read): no sidecar, so no
    YAML; no date given as text, so no dateutil; nothing of HTML, NewsML, images, feeds or the build."""
    story = tmp_path / SAMPLE.name
    shutil.copyfile(SAMPLE, story)
    (tmp_path / "syndicate.toml").write_text('base_url = "https://news.example.com/"\n', encoding="utf-8")
    modules, done = imported_by(["-m", "parse", story.name], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["id"] == "tag:news.example.com,2026:aleppo-evacuation"
    assert heavy_among(modules, allowed=("syndicate.config",)) == []
    assert "syndicate.readers.text" in modules
    assert not {"syndicate.readers.html", "syndicate.readers.newsml", "syndicate.readers.xhtml"} & modules
    # an ASCII file name needs no Unicode folding for its slug, and one story no keeping of the newest few
    assert not {"unicodedata", "heapq"} & modules


def test_a_sidecar_still_loads_yaml_when_it_is_needed(tmp_path: Path) -> None:
    """Loading on first use, not never: a story with a YAML sidecar and a date written as text gets both read."""
    (tmp_path / "ferry.txt").write_text("Ferry returns\n\nThe ferry sailed again on Monday after the storm.\n",
                                        encoding="utf-8")
    (tmp_path / "ferry.yaml").write_text("headline: The ferry is back\npublished: 3 March 2024 09:30 +01:00\n",
                                         encoding="utf-8")
    modules, done = imported_by(["-m", "parse", "ferry.txt"], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    story = json.loads(done.stdout)
    assert (story["headline"], story["published"]) == ("The ferry is back", "2024-03-03T09:30:00+01:00")
    assert {"yaml", "dateutil"} <= modules


def test_a_build_with_nothing_to_do_loads_neither_the_pipeline_nor_a_toml_parser(tmp_path: Path) -> None:
    """The cron job's usual run: no config file here (so no TOML to parse) and nothing changed since the last
    build (so the snapshot answers, and the pipeline, the readers and the exporters are never loaded)."""
    (tmp_path / "input").mkdir()
    shutil.copyfile(SAMPLE, tmp_path / "input" / SAMPLE.name)
    args = ["-m", "build", "input", "output", "--jobs", "1", "--formats", "ninjs"]
    first, done = imported_by(args, tmp_path)
    assert done.returncode == 0 and (tmp_path / "output" / "ninjs" / "aleppo-evacuation.json").is_file()
    assert "syndicate.pipeline" in first  # the first build did the work
    modules, done = imported_by(args, tmp_path)
    assert done.returncode == 0 and "nothing to do" in done.stderr, done.stderr[-2000:]
    assert not {"tomllib", "syndicate.pipeline", "syndicate.readers.text"} & modules
    assert heavy_among(modules, allowed=("syndicate.build", "syndicate.config", "_hashlib")) == []


#: The command line as the ``syndicate`` script runs it, after the same command run in-process as a test would.
FREEZE = """
import atexit, gc, sys
from click.testing import CliRunner
from syndicate.cli import main
assert CliRunner().invoke(main, ["--version"]).exit_code == 0
in_process = gc.get_freeze_count()
atexit.register(lambda: print("frozen", in_process, gc.get_freeze_count()))  # runs after the command's own
sys.argv = ["syndicate", "--version"]
main()
"""


def test_only_the_command_line_freezes_what_it_has_loaded(tmp_path: Path) -> None:
    """The process's own command line moves what it has loaded out of the collector's sight (issue 15's
    start-up), and an exit handler registered before it still runs; a caller's in-process ``CliRunner`` is
    left alone (its objects stay collectable)."""
    done = subprocess.run([sys.executable, "-c", FREEZE], cwd=tmp_path, capture_output=True, text=True,
                          check=False, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    version, frozen = done.stdout.splitlines()
    _, in_process, at_exit = frozen.split()
    assert version == "syndicate, version 0.1.0"
    assert int(in_process) == 0 and int(at_exit) > 1000


#: Run in a fresh interpreter: the pipeline is loaded by the call, not by the import, and the package's
#: ``build`` stays the documented function once the submodule of that name is loaded.
BUILD_CALL = """
import json, sys
import syndicate
assert "syndicate.build" not in sys.modules and callable(syndicate.build)
report = syndicate.build("input", "output", config=False, jobs=1, formats=["ninjs"])
from syndicate.build import run_build
import syndicate.build
print(json.dumps({
    "built": report.built, "exit": report.exit_code, "report": type(report).__name__,
    "is_report": isinstance(report, syndicate.BuildReport),
    "function": syndicate.build.__module__ + "." + syndicate.build.__name__,
    "submodule": type(sys.modules["syndicate.build"]).__name__, "run_build": run_build.__name__,
}))
"""


def test_syndicate_build_is_the_documented_function_and_runs_the_pipeline(tmp_path: Path) -> None:
    (tmp_path / "input").mkdir()
    shutil.copyfile(SAMPLE, tmp_path / "input" / SAMPLE.name)
    done = subprocess.run([sys.executable, "-c", BUILD_CALL], cwd=tmp_path, capture_output=True, text=True,
                          check=False, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result == {"built": [SAMPLE.name], "exit": 0, "report": "BuildReport", "is_report": True,
                      "function": "syndicate.build", "submodule": "module", "run_build": "run_build"}
    ninjs = json.loads((tmp_path / "output" / "ninjs" / "aleppo-evacuation.json").read_text("utf-8"))
    assert ninjs["uri"].endswith(":aleppo-evacuation") and ninjs["headlines"] and ninjs["bodies"]


@pytest.mark.parametrize("name", ["BuildReport"])
def test_the_lazy_names_are_in_all_and_resolve(name: str) -> None:
    import syndicate

    assert name in syndicate.__all__ and getattr(syndicate, name).__name__ == name
    with pytest.raises(AttributeError):
        syndicate.NoSuchThing  # noqa: B018  # an unknown name is still an AttributeError
