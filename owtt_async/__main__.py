"""``python -m owtt_async``: the same command line as the ``owtt-async`` script."""

from owtt_async.cli import main

if __name__ == "__main__":
    main()
