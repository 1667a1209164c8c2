# Shared helpers for the integration tests: a scratch directory removed on
# exit, and assertions that count into the closing "N passed, M failed".
set -u
: "${CHAINBOX:?run through make check, which sets CHAINBOX}"
: "${TOP_SRCDIR:?run through make check, which sets TOP_SRCDIR}"
export NO_COLOR=1

passed=0
failed=0
scratch=$(mktemp -d "${TMPDIR:-/tmp}/chainbox-it.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

ok() { passed=$((passed + 1)); printf 'ok - %s\n' "$1"; }
not_ok() { failed=$((failed + 1)); printf 'not ok - %s\n' "$1"; }

# run NAME EXPECTED_STATUS CMD...: runs CMD with output in $scratch/out and
# $scratch/err, and checks its exit status.
run() {
	name=$1 want=$2
	shift 2
	"$@" >"$scratch/out" 2>"$scratch/err"
	got=$?
	if [ "$got" -eq "$want" ]; then
		ok "$name"
	else
		not_ok "$name (exit $got, wanted $want)"
		sed 's/^/#   /' "$scratch/err" | head -20
	fi
}

# expect NAME FILE TEXT: checks that FILE contains the fixed string TEXT.
expect() {
	if grep -qF -- "$3" "$2"; then
		ok "$1"
	else
		not_ok "$1: '$3' not in $(basename "$2")"
		sed 's/^/#   /' "$2" | head -20
	fi
}

finish() {
	printf '\n%d passed, %d failed\n' "$passed" "$failed"
	[ "$failed" -eq 0 ]
}
