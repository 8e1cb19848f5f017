"""`python -m generator.links ...` runs `roadmap check-links ...` (handy before the CLI is wired)."""

import argparse
import sys

from .command import configure, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="roadmap check-links")
    configure(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
