"""The command line: thin click commands over the library API.

Every command turns its arguments into one library call and its result or
error into output and an exit code (DESIGN.md section 3): ``0`` done, ``1``
an input rejected, ``2`` bad usage or nothing could be done. Errors are one
line naming the file and the problem; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from . import __version__
from .errors import ConfigError, LockError, OutputError, SyndicateError
from .exporters import FORMATS, export
from .readers import read

F = TypeVar("F", bound=Callable[..., Any])

#: exit codes of the contract
EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


def fail(error: BaseException, code: int) -> NoReturn:
    """Print one line for ``error`` on stderr and exit with ``code`` (the traceback too under --debug)."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.find_root().params.get("debug"):
        raise error
    click.echo(f"syndicate: error: {error}", err=True)
    sys.exit(code)


def exit_code_for(error: SyndicateError) -> int:
    """Configuration and lock problems mean nothing could be done (2); anything else is a rejected input (1)."""
    return EXIT_USAGE if isinstance(error, (ConfigError, LockError)) else EXIT_REJECTED


def export_options(f: F) -> F:
    """The feed/export settings shared by ``convert`` and ``build``."""
    options = [
        click.option("--base-url", help="Where the output is published; links and images become absolute against it."),
        click.option("--feed-url", help="The feed's own URL (atom:link rel=self)."),
        click.option("--title", help="Feed or edition title."),
        click.option("--description", help="Feed description."),
        click.option("--language", help="Feed language (BCP 47)."),
        click.option("--author", help="Author for stories without a byline (Atom needs one)."),
        click.option("--limit", type=click.IntRange(min=1), help="Most items in a feed (default 50)."),
        click.option("--image-max-size", type=click.IntRange(min=16), help="Longest side of an image, in px (default 1600)."),
        click.option("--edition-title", help="Title of the edition book."),
        click.option("--offline", is_flag=True, default=None, help="Never fetch remote images."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def given(params: dict[str, Any]) -> dict[str, Any]:
    """Only the options the user actually gave (so config values are not overridden by defaults)."""
    return {k: v for k, v in params.items() if v is not None}


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="syndicate")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
def main(debug: bool) -> None:
    """Turn news stories into RSS, Atom, JSON Feed, NewsML-G2, ninjs and EPUB 3."""


ROOT_OPTION = click.option(
    "--root", type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The input folder ids, slugs and image paths are relative to, as in a build (default: the file's folder).")


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--explain", is_flag=True, help="Print every inferred value and why, for people, instead of JSON.")
@ROOT_OPTION
def parse(file: Path, explain: bool, root: Path | None) -> None:
    """Read FILE and print the normalised story as JSON."""
    try:
        story = read(file, root=root)
    except SyndicateError as error:
        fail(error, exit_code_for(error))
    if not explain:
        click.echo(story.to_json(), nl=False)
        return
    click.echo(f"{file}: {story.headline}")
    if not story.inferred:
        click.echo("Nothing was inferred: every value came from the input or its metadata.")
    for item in story.inferred:
        click.echo(f"- {item.field} = {item.value}\n    because {item.reason}")


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--to", "fmt", required=True, type=click.Choice(list(FORMATS)), help="Output format.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write ('-' for stdout).")
@ROOT_OPTION
@export_options
def convert(file: Path, fmt: str, output: Path, root: Path | None, offline: bool | None, **settings: Any) -> None:
    """Convert one story FILE to FORMAT and write it to OUTPUT (feed settings also come from the config file)."""
    from .atomic import atomic_write
    from .build import BuildSettings
    from .images import ImageResolver

    try:
        config = BuildSettings.load(None, overrides={**given(settings), "offline": offline})
    except SyndicateError as error:
        fail(error, EXIT_USAGE)
    try:
        story = read(file, root=root)
        images = ImageResolver(root or file.parent, offline=config.offline, max_size=config.export.image_max_size)
        data = export([story], fmt, config.export, images)
    except SyndicateError as error:
        fail(error, exit_code_for(error))
    for problem in images.problems:
        click.echo(f"syndicate: warning: {file}: {problem}", err=True)
    try:
        if str(output) == "-":
            sys.stdout.buffer.write(data)
        else:
            atomic_write(output, data)
    except OSError as error:
        fail(OutputError(f"cannot write: {error.strerror or error}", output), EXIT_USAGE)


@main.command()
@click.argument("input_dir", required=False, type=click.Path(path_type=Path))
@click.argument("output_dir", required=False, type=click.Path(path_type=Path))
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Config file (default: ./syndicate.toml, else [tool.syndicate] in ./pyproject.toml).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Worker processes (default: the machine's cores).")
@click.option("--formats", help="Comma-separated formats to build (default: all).")
@click.option("--wait", type=click.FloatRange(min=0), help="Seconds to wait for another build's lock (default 0).")
@click.option("--quiet", "-q", is_flag=True, default=None, help="Print nothing but errors (for cron).")
@export_options
def build(input_dir: Path | None, output_dir: Path | None, config_file: Path | None, **settings: Any) -> None:
    """Build every story under INPUT_DIR (default input/) into OUTPUT_DIR (default output/)."""
    from .build import BuildSettings, run_build

    try:
        settings = given(settings)
        if settings.get("formats") is not None:
            settings["formats"] = [f.strip() for f in settings["formats"].split(",") if f.strip()]
        config = BuildSettings.load(config_file, overrides=settings, input_dir=input_dir, output_dir=output_dir)
        report = run_build(config.input_dir, config.output_dir, settings=config, progress=sys.stderr.isatty())
    except SyndicateError as error:
        fail(error, EXIT_USAGE)
    except OSError as error:  # the output folder itself failed us (disk full, permissions): nothing could be done
        fail(OutputError(f"cannot write the output: {error.strerror or error}", error.filename), EXIT_USAGE)
    for path, reason in report.rejected:
        click.echo(f"syndicate: error: {path}: {reason}", err=True)
    for warning in report.warnings:
        if not config.quiet:
            click.echo(f"syndicate: warning: {warning}", err=True)
    if not config.quiet:
        click.echo(report.summary(), err=True)
    sys.exit(report.exit_code)


if __name__ == "__main__":  # pragma: no cover
    main()
