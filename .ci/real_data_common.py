"""What check_real_data.py and check_official_data.py share: one line per check, the saved
files read whether gzipped or not, and one closing line with the exit status."""
import gzip
import sys

failures = []


def check(ok, message):
    print(("ok   " if ok else "FAIL ") + message)
    if not ok:
        failures.append(message)


def read(path):
    """A saved file's bytes, gunzipped when it ends in .gz."""
    return gzip.open(path).read() if path.suffix == ".gz" else path.read_bytes()


def finish(name):
    """Prints the closing line and exits non-zero when any check failed."""
    if failures:
        print(f"{name}: {len(failures)} checks failed")
        sys.exit(1)
    print(f"{name}: all checks passed")
