#!/bin/sh
# usage: tuf_conformance.sh CLIENT [pytest arguments...]
#
# Runs the public TUF conformance suite (theupdateframework/tuf-conformance) against CLIENT, an
# executable implementing the suite's client CLI (store-client's mstore-tuf-conformance).
# MS_TUF_CONFORMANCE_DIRS=SUITE:PYTHON_TUF:SECURESYSTEMSLIB names git folders (bare or not) of
# the three projects; without it the test is skipped (exit 77), as CI cannot fetch them.
# Revisions: SUITE_REV (default HEAD), TUF_REV (v5.1.0), SSLIB_REV (v1.4.0). The suite's code is
# unpacked into a temporary folder, run there, and removed; nothing of it enters the project.
# Needs Debian's python3-cryptography, python3-pytest, python3-requests and faketime, used through
# Debian's own interpreter (MS_TUF_PYTHON, default /usr/bin/python3), not whatever python3 is first
# on PATH.
set -eu
python=${MS_TUF_PYTHON:-/usr/bin/python3}
client=$(readlink -f "$1")
shift
if [ -z "${MS_TUF_CONFORMANCE_DIRS:-}" ]; then
    echo "MS_TUF_CONFORMANCE_DIRS is not set: skipping the TUF conformance suite"
    exit 77
fi
old_ifs=$IFS
IFS=:
set -- $MS_TUF_CONFORMANCE_DIRS "$@"
IFS=$old_ifs
suite=$1 tuf=$2 sslib=$3
shift 3
if ! "$python" -c 'import cryptography, pytest, requests' 2>/dev/null || ! command -v faketime >/dev/null; then
    echo "needs python3-cryptography, python3-pytest, python3-requests and faketime: skipping"
    exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/mstore-tuf-conformance.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
for spec in "conformance:$suite:${SUITE_REV:-HEAD}" "tuf:$tuf:${TUF_REV:-v5.1.0}" \
            "sslib:$sslib:${SSLIB_REV:-v1.4.0}"; do
    name=${spec%%:*} rest=${spec#*:}
    dir=${rest%:*} rev=${rest##*:}
    mkdir -p "$work/$name"
    git -C "$dir" archive "$rev" | tar -x -C "$work/$name"
done

# securesystemslib 1.x imports two type aliases that Debian's python3-cryptography (38) names
# differently; alias them before anything imports securesystemslib.
mkdir -p "$work/site"
cat > "$work/site/sitecustomize.py" <<'PY'
try:
    from cryptography.hazmat.primitives.asymmetric import types as _types
    if not hasattr(_types, "PrivateKeyTypes"):
        _types.PrivateKeyTypes = _types.PRIVATE_KEY_TYPES
        _types.PublicKeyTypes = _types.PUBLIC_KEY_TYPES
except ImportError:
    pass
PY

cd "$work/conformance"
# The suite runs some clients under faketime (LD_PRELOAD); an ASan build of the client then
# finds its runtime second in the library list, which is harmless here.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
PYTHONPATH="$work/site:$work/tuf:$work/sslib" "$python" -m pytest -q -p no:cacheprovider \
    tuf_conformance --entrypoint "$client" "$@"
