"""Shared pieces of the tools' test scripts (test_*.py)."""
import contextlib
import io


def assert_usage_error(main, argv, fragment):
    """`main(argv)` must stop as argparse does on bad usage (exit status 2) with `fragment` in its
    message on stderr."""
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):
            main(argv)
    except SystemExit as exit_:
        assert exit_.code == 2 and fragment in stderr.getvalue(), (exit_.code, stderr.getvalue())
    else:
        raise AssertionError(f"{argv} accepted; expected an error with '{fragment}'")
    print(f"ok: refused ({fragment})")
