#!/bin/sh
# ci/run-suite.sh SUITE... [chainbox test options]: the shell steps of a CI
# job that runs contract test suites with `chainbox test`.  The workflows
# ci/github-actions.yml and ci/gitlab-ci.yml call it, and it runs the same
# on any machine, so a CI failure can be reproduced here.
#
#   1. chainbox test SUITE... --junit $JUNIT --keep: TAP on standard output,
#      progress on standard error, JUnit XML in $JUNIT.  With --keep every
#      suite's network stays up, and chainbox test says where on standard
#      error: "chainbox test: suite NAME: network kept in DIR".
#   2. When a test failed: chainbox logs --bundle for each DIR, into
#      $BUNDLE (logs.tar.gz), a second network's into logs-2.tar.gz, and so
#      on: every node's log, network.json, the status, spec.yaml,
#      genesis.json and supervisor.log (see chainbox(1)).
#   3. chainbox down --purge for each DIR, and its temporary directory goes.
#   4. Exits with chainbox test's status: 0 all passed, 1 a failure, 2 wrong
#      usage.
# Networks are taken down also when the script is interrupted.
#
# Environment:
#   CHAINBOX  the chainbox binary (default: chainbox on the PATH; it finds
#             chainbox-node beside itself)
#   JUNIT     the JUnit XML file (default: report.xml)
#   BUNDLE    the first log bundle (default: logs.tar.gz)
set -u

CHAINBOX=${CHAINBOX:-chainbox}
JUNIT=${JUNIT:-report.xml}
BUNDLE=${BUNDLE:-logs.tar.gz}

say() { printf 'run-suite: %s\n' "$*" >&2; }

if [ $# -eq 0 ]; then
	echo "usage: ci/run-suite.sh SUITE... [chainbox test options]" >&2
	exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/run-suite.XXXXXX") || exit 1
# The networks chainbox test kept, from what it said on standard error.
kept() {
	sed -n 's/^chainbox test: suite .*: network kept in //p' "$work/stderr" 2>/dev/null
}
# down_all: takes every kept network down and removes its directories.
down_all() {
	for dir in $(kept); do
		"$CHAINBOX" down --purge --state-dir "$dir" >/dev/null 2>&1 ||
			say "cannot take down the network in $dir"
		# chainbox test makes DIR as /tmp/chainbox-test-XXXXXX/net.
		case $(dirname "$dir") in
		*/chainbox-test-*) rm -rf "$(dirname "$dir")" ;;
		esac
	done
}
trap 'down_all; rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# chainbox test's standard error goes both to ours and to a file, and its
# exit status through another file (a pipeline's status is tee's).
{
	{
		"$CHAINBOX" test --junit "$JUNIT" --keep "$@" 2>&1 1>&3 3>&-
		echo $? >"$work/status"
	} | tee "$work/stderr" >&2
} 3>&1
status=$(cat "$work/status" 2>/dev/null || echo 1)

if [ "$status" -ne 0 ]; then
	case $BUNDLE in
	*.tar.gz) base=${BUNDLE%.tar.gz} ext=.tar.gz ;;
	*.tgz) base=${BUNDLE%.tgz} ext=.tgz ;;
	*.tar) base=${BUNDLE%.tar} ext=.tar ;;
	*) base=$BUNDLE ext= ;;
	esac
	n=0
	for dir in $(kept); do
		n=$((n + 1))
		if [ $n -eq 1 ]; then file=$BUNDLE; else file=$base-$n$ext; fi
		"$CHAINBOX" logs --bundle "$file" --state-dir "$dir" >&2 ||
			say "no log bundle of the network in $dir"
	done
	[ $n -eq 0 ] && say "chainbox test kept no network: no logs to bundle"
fi
exit "$status"
