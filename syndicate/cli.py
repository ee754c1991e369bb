"""The command line: thin click commands over the library API.

Every command turns its arguments into one library call and its result or
error into output and an exit code (DESIGN.md section 3): ``0`` done, ``1``
an input rejected, ``2`` bad usage or nothing could be done, ``130``
interrupted (Ctrl-C). Errors are one line naming the file and the problem;
``--debug``, before or after the command name, shows the traceback. Every
line written to stderr goes through :func:`~syndicate.errors.printable`, so
nothing from the input can drive the operator's terminal.
"""

from __future__ import annotations

import atexit
import gc
import os
import signal
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from . import __version__
from .errors import ConfigError, InputError, LockError, OutputError, SyndicateError, printable
from .exporters import FORMATS, export
from .model import Story
from .readers import read

if TYPE_CHECKING:
    from .config import BuildSettings

F = TypeVar("F", bound=Callable[..., Any])

#: exit codes of the contract; 130 is the shell's own code for a command ended by SIGINT (128 + 2)
EXIT_OK, EXIT_REJECTED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

#: where ``--debug`` is remembered: ``ctx.meta`` is shared by a command and its subcommand
DEBUG_KEY = "syndicate.debug"


def debugging() -> bool:
    """True when ``--debug`` was given, before or after the command name."""
    ctx = click.get_current_context(silent=True)
    return bool(ctx is not None and ctx.meta.get(DEBUG_KEY))


def say(kind: str, text: str) -> None:
    """Print one ``syndicate: <kind>: <text>`` line on stderr, escaped for the terminal."""
    click.echo(f"syndicate: {kind}: {printable(text)}", err=True)


def fail(error: BaseException, code: int) -> NoReturn:
    """Print one line for ``error`` on stderr and exit with ``code`` (the traceback too under --debug)."""
    if debugging():
        raise error
    say("error", str(error))
    sys.exit(code)


def exit_code_for(error: SyndicateError) -> int:
    """Configuration and lock problems mean nothing could be done (2); anything else is a rejected input (1)."""
    return EXIT_USAGE if isinstance(error, (ConfigError, LockError)) else EXIT_REJECTED


def remember_debug(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """Note ``--debug`` where every command of this run can see it (see :func:`debugging`)."""
    if value:
        ctx.meta[DEBUG_KEY] = True


#: ``--debug`` on the group and on every command, so ``syndicate parse X --debug`` works as well
DEBUG_OPTION = click.option("--debug", is_flag=True, expose_value=False, callback=remember_debug,
                            help="Show tracebacks instead of one-line errors.")


def absolute_http_url(_ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Accept only an absolute http(s) URL: a bare host such as ``news.example.com`` would give feeds
    whose every link is relative, which feed readers and validators reject."""
    from .html import is_web_url

    if value is not None and not is_web_url(value):
        raise click.BadParameter(f"{printable(value)} is not an absolute http(s) URL "
                                 "(e.g. https://news.example.com/)", param=param)
    return value


class SyndicateGroup(click.Group):
    """The command group: maps Ctrl-C to one line and exit 130 (click's own handling says "Aborted!"
    and exits 1, which the contract reserves for rejected input)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run as the process's own command line (the ``syndicate`` script, ``python -m syndicate``; a test's
        ``CliRunner`` calls :meth:`main` and is left alone)."""
        # Everything loaded by now lives as long as the process. Frozen, the collector stops traversing it, both in
        # the collections the command's own work sets off and in the interpreter's on the way out; what is still
        # alive at exit is frozen too (after the exit handlers registered later than this one, which run first).
        # About 6 ms of a 70 ms ``syndicate parse`` (benchmarks/bench_startup.py).
        gc.freeze()
        atexit.register(gc.freeze)
        return super().__call__(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            interrupted()


def interrupted() -> NoReturn:
    """Report an interrupted command and exit 130; a second Ctrl-C while exiting changes nothing."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # first: signal is loaded already, so nothing delays this
    if debugging():
        import traceback  # only on the way out: a command that runs to its end never needs it

        traceback.print_exc()
    else:
        # work cut short (a half-written book, a fetch) may complain as it is finalised on the way out:
        # the operator asked to stop and is told so, once
        sys.unraisablehook = lambda _unraisable: None
    say("error", "interrupted")
    sys.exit(EXIT_INTERRUPTED)


def export_options(f: F) -> F:
    """The feed/export settings shared by ``convert`` and ``build``."""
    options = [
        click.option("--base-url", callback=absolute_http_url,
                     help="Where the output is published (an absolute http(s) URL); links and images become "
                          "absolute against it."),
        click.option("--feed-url", callback=absolute_http_url,
                     help="The RSS feed's own URL (its atom:link rel=self); the other feeds' come from --base-url."),
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


@click.group(cls=SyndicateGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="syndicate")
@DEBUG_OPTION
def main() -> None:
    """Turn news stories into RSS, Atom, JSON Feed, NewsML-G2, ninjs and EPUB 3."""


CONFIG_OPTION = click.option(
    "--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
    help="Config file (default: ./syndicate.toml, else [tool.syndicate] in ./pyproject.toml).")


def load_settings(config_file: Path | None, overrides: dict[str, Any] | None = None,
                  **folders: Path | None) -> BuildSettings:
    """The settings from the config file and the command line; a bad config exits 2 with one line."""
    from .config import BuildSettings

    try:
        return BuildSettings.load(config_file, overrides=overrides, **folders)
    except SyndicateError as error:
        fail(error, EXIT_USAGE)


ID_PREFIX_OPTION = click.option(
    "--id-prefix", help="Id authority, a tag: or urn: URI (default: the config's, else derived from the base URL).")

ROOT_OPTION = click.option(
    "--root", type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The input folder ids, slugs and image paths are relative to, as in a build (default: the file's folder).")


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@DEBUG_OPTION
@click.option("--explain", is_flag=True, help="Print every inferred value and why, for people, instead of JSON.")
@ROOT_OPTION
@CONFIG_OPTION
@ID_PREFIX_OPTION
def parse(file: Path, explain: bool, root: Path | None, config_file: Path | None, id_prefix: str | None) -> None:
    """Read FILE and print the normalised story as JSON (its id minted with the config's id authority)."""
    story = read_story(file, root, load_settings(config_file, {"id_prefix": id_prefix}).ids)
    if not explain:
        click.echo(story.to_json(), nl=False)
        return
    # for people, on a terminal: every input-controlled value is escaped (the JSON above escapes its own)
    click.echo(f"{printable(str(file))}: {printable(story.headline)}")
    if not story.inferred:
        click.echo("Nothing was inferred: every value came from the input or its metadata.")
    for item in story.inferred:
        click.echo(f"- {printable(item.field)} = {printable(str(item.value))}\n    because {printable(item.reason)}")


def read_story(file: Path, root: Path | None, id_prefix: str | None) -> Story:
    """Read one story for ``parse`` or ``convert`` as a build would (same root, same id authority);
    a refused or unreadable file exits 1 with one line."""
    try:
        return read(file, root=root, id_prefix=id_prefix)
    except SyndicateError as error:
        fail(error, exit_code_for(error))
    except OSError as error:  # vanished or unreadable between click's check and the read
        fail(InputError(f"cannot read: {error.strerror or error}", file), EXIT_REJECTED)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@DEBUG_OPTION
@click.option("--to", "fmt", required=True, type=click.Choice(list(FORMATS)), help="Output format.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
              help="File to write ('-' for stdout); a symlink's target is updated, a FIFO or device is streamed to.")
@ROOT_OPTION
@CONFIG_OPTION
@ID_PREFIX_OPTION
@export_options
def convert(file: Path, fmt: str, output: Path, root: Path | None, config_file: Path | None, offline: bool | None,
            **settings: Any) -> None:
    """Convert one story FILE to FORMAT and write it to OUTPUT (feed settings also come from the config file)."""
    from .images import ImageResolver
    from .tasks import missing_images

    config = load_settings(config_file, {**given(settings), "offline": offline})
    story = read_story(file, root, config.ids)
    images = ImageResolver(story.root or root or file.parent, offline=config.offline,
                           max_size=config.export.image_max_size, allow_local_hosts=config.allow_local_hosts)
    warnings: list[str] = []
    try:
        data = export([story], fmt, config.export.for_file(None, warnings), images)
    except SyndicateError as error:
        fail(error, exit_code_for(error))
    # a photo the story names but the output lacks is never silent (the build reports the same lines)
    problems = [reason for _, reason in missing_images(story)] + images.problems  # each reason names its photo
    for problem in dict.fromkeys(problems):
        say("warning", f"{file}: {problem}")
    for warning in warnings:
        say("warning", warning)
    try:
        write_output(output, data)
    except OSError as error:
        fail(OutputError(f"cannot write: {error.strerror or error}", output), EXIT_USAGE)


def write_output(output: Path, data: bytes) -> None:
    """Write ``data`` where ``-o`` points, as a user expects of each kind of target.

    ``-`` is stdout. A FIFO, a terminal or another device (``/dev/null``, ``/dev/stdout`` onto a pipe) is
    opened and written as a stream, never replaced. A regular file, or a new one, is written atomically
    (a temporary file beside it, then a rename); through a symlink, the link's target is, so the link stays.
    """
    if str(output) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        mode = os.stat(output).st_mode  # follows links, /proc/self/fd ones included
    except FileNotFoundError:
        mode = None  # a new file (or a dangling link, whose target is created)
    if mode is not None and not stat.S_ISREG(mode):
        write_stream(output, data, append=False)
        return
    if through_a_descriptor(output):
        # /dev/stdout onto a file the shell opened for us (`-o /dev/stdout > f`): a rename would swap the
        # file from under the shell; append, as its other writers do
        write_stream(output, data, append=True)
        return
    from .atomic import atomic_write

    atomic_write(Path(os.path.realpath(output)), data)


def through_a_descriptor(path: Path) -> bool:
    """True when ``path`` reaches its file through an open descriptor (``/dev/stdout``, ``/dev/fd/N``,
    ``/proc/self/fd/N``): a file someone else opened, which is written to, never replaced."""
    current = os.path.abspath(path)
    for _ in range(40):  # the kernel's own limit on a chain of links
        if current.startswith(("/proc/", "/dev/fd/")):
            return True
        if not os.path.islink(current):
            return False
        current = os.path.normpath(os.path.join(os.path.dirname(current), os.readlink(current)))
    return False


def write_stream(path: Path, data: bytes, *, append: bool) -> None:
    """Write ``data`` to an existing FIFO, device or descriptor link; never create, truncate or replace it."""
    flags = os.O_WRONLY | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0) | (os.O_APPEND if append else 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "wb") as stream:
        stream.write(data)


@main.command()
@click.argument("input_dir", required=False, type=click.Path(path_type=Path))
@click.argument("output_dir", required=False, type=click.Path(path_type=Path))
@CONFIG_OPTION
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Worker processes (default: the machine's cores).")
@click.option("--formats", help="Comma-separated formats to build (default: all).")
@click.option("--wait", type=click.FloatRange(min=0), help="Seconds to wait for another build's lock (default 0).")
@click.option("--quiet", "-q", is_flag=True, default=None, help="Print nothing but errors (for cron).")
@click.option("--state-dir", help="Folder for the lock, manifest and caches (default: .syndicate/ beside the config).")
@click.option("--id-prefix", help="Id authority, a tag: or urn: URI (default: derived from --base-url).")
@click.option("--scheduler", help="Run the stories on this Dask scheduler (tcp://HOST:8786; needs syndicate[dask]).")
@click.option("--verify", is_flag=True, default=None,
              help="Check every output file, not only the output folders (finds a file damaged in place).")
@DEBUG_OPTION
@export_options
def build(input_dir: Path | None, output_dir: Path | None, config_file: Path | None, **settings: Any) -> None:
    """Build every story under INPUT_DIR (default input/) into OUTPUT_DIR (default output/)."""
    from .build import run_build

    try:
        # a comma-separated --formats is split by the settings, as the config file's is
        config = load_settings(config_file, given(settings), input_dir=input_dir, output_dir=output_dir)
        report = run_build(config.input_dir, config.output_dir, settings=config, progress=sys.stderr.isatty())
    except SyndicateError as error:
        fail(error, EXIT_USAGE)
    except OSError as error:  # the output folder itself failed us (disk full, permissions): nothing could be done
        fail(OutputError(f"cannot write the output: {error.strerror or error}", error.filename), EXIT_USAGE)
    for path, reason in report.rejected:
        say("error", f"{path}: {reason}")
    if not config.quiet:
        for warning in report.warnings:
            say("warning", warning)
        click.echo(printable(report.summary()), err=True)
    sys.exit(report.exit_code)


if __name__ == "__main__":  # pragma: no cover
    main()
