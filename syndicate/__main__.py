"""``python -m syndicate``: the same command line as the ``syndicate`` script."""

from .cli import main

main(prog_name="syndicate")
