#!/bin/sh
# The chainbox command line as a user meets it: templates, validate (good
# and bad specs), init, help and exit statuses.
. "$(dirname "$0")/lib.sh"

run "validate the template files" 0 "$CHAINBOX" validate "$TOP_SRCDIR"/templates/*.yaml
expect "every template is ok" "$scratch/out" "bft7.yaml: ok (7 nodes, tbft, chain id 31337)"
run "validate built-in templates by name" 0 "$CHAINBOX" validate dev bft4 bft7
run "validate the examples" 0 "$CHAINBOX" validate "$TOP_SRCDIR/examples/token-net.yaml"

# The example of a broken spec has exactly three mistakes.
run "a spec with three mistakes fails" 1 "$CHAINBOX" validate "$TOP_SRCDIR/examples/bad.yaml"
errors=$(grep -c "^chainbox: .*bad.yaml:[0-9]*:[0-9]*: " "$scratch/err")
if [ "$errors" -eq 3 ]; then ok "three FILE:LINE:COL errors"; else not_ok "three errors (got $errors)"; fi
expect "unknown key hint" "$scratch/err" "bad.yaml:10:5: unknown key 'cuont' (did you mean 'count'?)"
expect "duration hint" "$scratch/err" "bad.yaml:7:15: expected a duration like 200ms or 2s, got '2'"
expect "enum hint" "$scratch/err" "bad.yaml:11:11: unknown role 'leader': expected validator or full"

printf 'version: 1\nnodes: [{name: v, count: 2}]\nchain: {consensus: tbft}\n' > "$scratch/small.yaml"
run "a small tbft network validates" 0 "$CHAINBOX" validate "$scratch/small.yaml"
expect "with a warning" "$scratch/err" "small.yaml:2:8: warning: a tbft network of 2 validators tolerates no faulty validator"

run "a missing file fails" 1 "$CHAINBOX" validate "$scratch/nope.yaml"
expect "naming the file" "$scratch/err" "cannot read '$scratch/nope.yaml': No such file or directory"
run "an unknown template fails" 1 "$CHAINBOX" validate bft5
expect "listing the templates" "$scratch/err" "no template named 'bft5'"

run "--print shows the effective spec" 0 "$CHAINBOX" validate --print bft7
expect "with the override" "$scratch/out" "count: 7"
expect "and the inherited block time" "$scratch/out" "block_time: 1s"
cp "$scratch/out" "$scratch/printed.yaml"
run "the printed spec validates" 0 "$CHAINBOX" validate "$scratch/printed.yaml"
run "--json" 0 "$CHAINBOX" validate --json dev
expect "is JSON" "$scratch/out" '"consensus": "solo"'

run "templates lists them" 0 "$CHAINBOX" templates
expect "with the default marked" "$scratch/out" "(the default)"
run "templates --json" 0 "$CHAINBOX" templates --json

run "init writes a spec" 0 "$CHAINBOX" init --template dev "$scratch/new.yaml"
run "which validates" 0 "$CHAINBOX" validate "$scratch/new.yaml"
run "init keeps an existing file" 1 "$CHAINBOX" init "$scratch/new.yaml"
expect "and says so" "$scratch/err" "already exists (use --force to overwrite it)"
run "init --force overwrites it" 0 "$CHAINBOX" init --force --template bft4 "$scratch/new.yaml"
expect "with the new template" "$scratch/new.yaml" "name: bft4"
run "init of an unknown template" 1 "$CHAINBOX" init --template nope "$scratch/other.yaml"

# up itself is tested in up.sh, with real networks.
run "up checks the spec first" 1 "$CHAINBOX" up --state-dir "$scratch/never" "$TOP_SRCDIR/examples/bad.yaml"
expect "and reports its errors" "$scratch/err" "bad.yaml:10:5:"
[ -e "$scratch/never" ] && not_ok "and starts nothing" || ok "and starts nothing"

run "help" 0 "$CHAINBOX" help
expect "lists the commands" "$scratch/out" "validate"
run "help validate" 0 "$CHAINBOX" help validate
run "validate --help" 0 "$CHAINBOX" validate --help
expect "shows usage" "$scratch/out" "usage: chainbox validate"
run "version" 0 "$CHAINBOX" version
expect "names chainbox" "$scratch/out" "chainbox "
run "no command is a usage error" 2 "$CHAINBOX"
run "an unknown command is a usage error" 2 "$CHAINBOX" valdate x
expect "with a hint" "$scratch/err" "did you mean 'validate'?"
run "an unknown option is a usage error" 2 "$CHAINBOX" validate --frobnicate x
run "validate needs a spec" 2 "$CHAINBOX" validate
run "init --template needs a value" 2 "$CHAINBOX" init --template

# --- logs --bundle from a state directory (up.sh bundles real networks) ------
run "logs --bundle takes no NODE" 2 "$CHAINBOX" logs --bundle "$scratch/b.tar.gz" node
run "logs --bundle needs a file" 2 "$CHAINBOX" logs --bundle
run "logs --bundle of no network" 1 "$CHAINBOX" logs --bundle "$scratch/b.tar.gz" \
	--state-dir "$scratch/never"
expect "says so" "$scratch/err" "no network in '$scratch/never': No such file or directory"
mkdir -p "$scratch/notnet"
run "logs --bundle of a directory without a network" 1 "$CHAINBOX" logs \
	--bundle "$scratch/b.tar.gz" --state-dir "$scratch/notnet"
expect "says so" "$scratch/err" "holds no network"
# A network that is down: a state directory with its logs, rotated ones too.
st=$scratch/fake
mkdir -p "$st/logs"
printf 'version: 1\n' >"$st/spec.yaml"
printf '{"network": {"name": "fake"}, "nodes": [{"name": "v1", "log": "%s/logs/v1.log"}]}\n' \
	"$st" >"$st/network.json"
for f in v1.log v1.log.1 v1.log.2 v1.log.10 v2.log notes.txt .hidden.log; do
	echo "line of $f" >"$st/logs/$f"
done
if command -v tar >/dev/null 2>&1; then
	run "logs --bundle of a network that is down" 0 "$CHAINBOX" logs --bundle "$scratch/b.tar.gz" \
		--state-dir "$st"
	expect "says where" "$scratch/out" "in $scratch/b.tar.gz"
	run "tar -tzf lists the bundle" 0 tar -tzf "$scratch/b.tar.gz"
	printf '%s\n' fake-logs/logs/v1.log fake-logs/logs/v1.log.1 fake-logs/logs/v1.log.2 \
		fake-logs/logs/v1.log.10 fake-logs/logs/v2.log fake-logs/network.json \
		fake-logs/spec.yaml fake-logs/status.txt >"$scratch/want"
	if cmp -s "$scratch/want" "$scratch/out"; then
		ok "with every log, the state's files and status.txt, under fake-logs/"
	else
		not_ok "the bundle's members"
		diff "$scratch/want" "$scratch/out" | sed 's/^/#   /'
	fi
	tar -xzOf "$scratch/b.tar.gz" fake-logs/status.txt >"$scratch/status.txt" 2>&1
	expect "status.txt says no supervisor ran" "$scratch/status.txt" "no supervisor ran in $st"
	tar -xzOf "$scratch/b.tar.gz" fake-logs/logs/v1.log.10 >"$scratch/log" 2>&1
	expect "a log's content" "$scratch/log" "line of v1.log.10"
	[ -e "$scratch/b.tar.gz.partial" ] && not_ok "no .partial is left" || ok "no .partial is left"
	run "logs --bundle FILE.tar is plain tar" 0 "$CHAINBOX" logs --bundle "$scratch/b.tar" \
		--state-dir "$st"
	run "which tar -tf lists" 0 tar -tf "$scratch/b.tar"
	expect "with the logs" "$scratch/out" "fake-logs/logs/v1.log"
else
	ok "# skip listing bundles: no tar here"
fi
run "logs --bundle into a missing directory" 1 "$CHAINBOX" logs --bundle "$scratch/no/b.tar.gz" \
	--state-dir "$st"
expect "names the file" "$scratch/err" "cannot write '$scratch/no/b.tar.gz.partial': No such file"
mkdir -p "$scratch/adir"
run "logs --bundle onto a directory" 1 "$CHAINBOX" logs --bundle "$scratch/adir" --state-dir "$st"
expect "names both" "$scratch/err" "cannot rename '$scratch/adir.partial' to '$scratch/adir'"
[ -e "$scratch/adir.partial" ] && not_ok "and leaves nothing" || ok "and leaves nothing"

finish
