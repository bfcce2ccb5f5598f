"""The ``tqopt`` command installed with the package: the Rust command line, run in-process."""

import sys

from . import _tqopt


def main() -> None:
    """Runs ``tqopt`` with the process's arguments and exits with its code."""
    sys.stdout.flush()
    sys.stderr.flush()
    sys.exit(_tqopt.cli_main(sys.argv[1:]))


if __name__ == "__main__":
    main()
