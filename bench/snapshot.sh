#!/bin/sh
# bench/snapshot.sh [MIB...]: how fast `chainbox snapshot save` and
# `restore` are on a running four-validator network, beside cp -a and
# tar | tar of the same files, and whether the network keeps committing
# while a save runs.  It prints figures; it passes or fails nothing.  Run
# it from the build directory, as root (the sandbox needs namespaces).
#
# The network is bft4 at 100 ms blocks with a gas limit of 170 M and no
# base fee, so that a block can carry about 10 MiB of calldata.  It is
# grown in steps to each MIB (default: 0 64 512 2048), the size of the four
# nodes' chain.mdb together (a quarter of it each), by bench/chainload fill:
# transactions with 100 KiB of non-zero calldata from the 10 dev accounts,
# spread over the nodes.  At each size, with R runs (7 up to 64 MiB, 5 up to
# 512 MiB, 3 above), medians of:
#   - save --json through io_uring and through read/write
#     (CHAINBOX_NO_URING=1), alternating, each snapshot removed with
#     `snapshot rm` before the next: the command's wall time, its total_ms,
#     copy_ms and pin_ms, and bytes over copy_ms;
#   - cp -a, cp -a then sync(1) of the copies (a save fsyncs what it
#     writes; cp and tar do not), and tar -cf - | tar -xf -, of the four
#     data directories (STATE/nodes/*/data), in turn with the saves;
#     save/cp and save/tar are ratios of wall times (below 1: save is
#     faster);
#   - the commits during each save: bench/chainload watch asks validator-1
#     for its height every 2 ms (the nodes do not log commits) and stamps
#     each new height.  For each save, the blocks committed between its
#     start and its end, the longest gap between commits that overlaps it,
#     the gaps longer than two block times and the intervals they missed
#     (int(gap / block time) - 1 each); the same during cp -a then sync and
#     tar | tar, and over 2 s without a copy, for scale;
#   - restore --json through each path, alternating, of one snapshot saved
#     at that size: copy_ms, the nodes' downtime (stop_ms + swap_ms +
#     start_ms), commit_ms (from the start of the nodes to a block past the
#     snapshot's) and total_ms (from the command to that block).
# The files are in the page cache throughout (they were just written), and
# the disk is shared by the nodes, which go on committing.
# shellcheck disable=SC2046 # lists of nodes and files split into words
set -eu

chainbox=${CHAINBOX:-./chainbox}
[ -x "$chainbox" ] && [ -x bench/chainload ] ||
	{ echo "bench/snapshot.sh: run it from the build directory" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "bench/snapshot.sh: run it as root" >&2; exit 2; }
sizes=${*:-0 64 512 2048}
block_ms=100
work=$(mktemp -d "${TMPDIR:-/tmp}/chainbox-bench-snapshot.XXXXXX")
net=$work/net
nodes="validator-1 validator-2 validator-3 validator-4"
watcher=
cleanup() {
	[ -n "$watcher" ] && kill "$watcher" 2>/dev/null
	"$chainbox" down --purge --state-dir "$net" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

now_us() { echo $(($(date +%s%N) / 1000)); }
# settle: what earlier runs left dirty goes to disk first, not into the next.
settle() { sync -f "$work"; sleep 0.2; }
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
max() { sort -n "$1" | tail -1; }
sum() { awk '{ s += $1 } END { print s + 0 }' "$1"; }
# field FILE KEY: a number from chainbox's --json answer.
field() { grep -o "\"$2\": [0-9.e+-]*" "$1" | head -1 | awk '{ print $2 }'; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
datadirs() { for n in $nodes; do printf '%s/data ' "$n"; done; }
# bytes: the four data directories' files, in bytes.
bytes() { (cd "$net/nodes" && du -sbc $(datadirs) | tail -1 | cut -f1); }
chain_bytes() { for n in $nodes; do stat -c %s "$net/nodes/$n/data/chain.mdb"; done | awk '{ s += $1 } END { print s }'; }

# commits FROM TO: from the watcher's stamps, the blocks committed in
# (FROM, TO] (microseconds), the longest gap between two commits that
# overlaps it (ms), the gaps longer than 2 block times and the intervals
# they missed.  A height that jumps by k gives k gaps of a k-th of the time
# (a poll held up); one that falls (a restore) starts over.
commits() {
	awk -v a="$1" -v b="$2" -v bt="$block_ms" '
	NR > 1 && $2 > ph {
		g = ($1 - pt) / ($2 - ph) / 1000
		if ($1 > a && pt < b) {
			if (g > lg) lg = g
			if (g > 2 * bt) { ng += $2 - ph; miss += ($2 - ph) * (int(g / bt) - 1) }
		}
		if ($1 > a && $1 <= b) n += $2 - ph
	}
	{ pt = $1; ph = $2 }
	END { printf "%d %.0f %d %d\n", n, lg, ng, miss }' "$work/watch"
}

# window_stats LABEL FILE: commits() over each window of FILE ("FROM TO"
# lines), summed up in two lines.
window_stats() {
	: >"$work/c.n" && : >"$work/c.gap" && : >"$work/c.ng" && : >"$work/c.miss" && : >"$work/c.hit"
	while read -r t0 t1; do
		commits "$t0" "$t1" >"$work/c.one"
		read -r n gap ng miss <"$work/c.one"
		echo "$n" >>"$work/c.n"; echo "$gap" >>"$work/c.gap"
		echo "$ng" >>"$work/c.ng"; echo "$miss" >>"$work/c.miss"
		[ "$ng" -eq 0 ] || echo 1 >>"$work/c.hit"
	done <"$2"
	printf '   %-28s blocks in it: median %s (min %s); longest gap: median %s ms, worst %s ms;\n' \
		"$1" "$(median "$work/c.n")" "$(sort -n "$work/c.n" | head -1)" \
		"$(median "$work/c.gap")" "$(max "$work/c.gap")"
	printf '   %-28s gaps > %d ms: %s, in %s of %s runs; %s intervals missed\n' "" \
		$((2 * block_ms)) "$(sum "$work/c.ng")" "$(wc -l <"$work/c.hit")" "$(wc -l <"$2")" \
		"$(sum "$work/c.miss")"
}

# save PATH RUN: one save through PATH (uring or plain), its figures
# appended to $work/s.PATH.*, then removed.
save() {
	name=s-$1-$2
	if [ "$1" = plain ]; then env=CHAINBOX_NO_URING=1; else env=CHAINBOX_NO_URING=; fi
	settle
	t0=$(now_us)
	env "$env" "$chainbox" snapshot save "$name" --json --state-dir "$net" >"$work/j" 2>"$work/err" ||
		{ echo "   save failed: $(cat "$work/err")"; return 0; }
	t1=$(now_us)
	echo "$t0 $t1" >>"$work/s.$1.window"
	echo $(((t1 - t0) / 1000)) >>"$work/s.$1.wall"
	field "$work/j" total_ms >>"$work/s.$1.total"
	field "$work/j" copy_ms >>"$work/s.$1.copy"
	field "$work/j" pin_ms >>"$work/s.$1.pin"
	field "$work/j" bytes >"$work/s.bytes"
	awk -v b="$(field "$work/j" bytes)" -v c="$(field "$work/j" copy_ms)" \
		'BEGIN { printf "%.0f\n", b / 1048576 / (c / 1000) }' >>"$work/s.$1.mibs"
	grep -o '"how": "[^"]*"' "$work/j" | cut -d'"' -f4 >"$work/s.$1.how"
	"$chainbox" snapshot rm "$name" --state-dir "$net" >/dev/null
	sleep 0.5 # the commit after the save ends its last gap
}

# peer TOOL: one copy of the four data directories by cp, cp+sync or tar.
peer() {
	dst=$work/copy
	mkdir -p "$dst"
	settle
	t0=$(now_us)
	# The nodes go on writing: a file may change as it is read, and
	# tbft.state.tmp may go between the listing and the copy.
	case $1 in
	cp) (cd "$net/nodes" && cp -a --parents $(datadirs) "$dst") 2>/dev/null || : ;;
	cp+sync) (cd "$net/nodes" && cp -a --parents $(datadirs) "$dst") 2>/dev/null || :
		sync $(for n in $nodes; do echo "$dst/$n/data"/*; done) ;;
	tar) tar -C "$net/nodes" -cf - $(datadirs) 2>/dev/null | tar -C "$dst" -xf - ;;
	esac
	t1=$(now_us)
	echo $(((t1 - t0) / 1000)) >>"$work/p.$1"
	echo "$t0 $t1" >>"$work/p.$1.window"
	rm -rf "$dst"
	sleep 0.5 # as after a save
}

# restore PATH: one restore of snapshot base through PATH.
restore() {
	if [ "$1" = plain ]; then env=CHAINBOX_NO_URING=1; else env=CHAINBOX_NO_URING=; fi
	settle
	t0=$(now_us)
	env "$env" "$chainbox" snapshot restore base --json --state-dir "$net" >"$work/j" 2>"$work/err" ||
		{ echo "   restore failed: $(cat "$work/err")"; return 0; }
	t1=$(now_us)
	echo $(((t1 - t0) / 1000)) >>"$work/r.$1.wall"
	for k in copy_ms stop_ms swap_ms start_ms commit_ms total_ms; do
		field "$work/j" $k >>"$work/r.$1.$k"
	done
	sleep 0.3
}

printf 'version: 1\nname: snapbench\nextends: bft4\n' >"$work/spec.yaml"
printf 'chain: {block_time: %dms, gas_limit: 170000000, base_fee: 0}\n' "$block_ms" >>"$work/spec.yaml"
"$chainbox" up -d --state-dir "$net" "$work/spec.yaml" >/dev/null 2>"$work/err" ||
	{ cat "$work/err" >&2; exit 1; }
urls=$(grep -o '"rpc": "http://[^"]*' "$net/network.json" | cut -d'"' -f4)
url1=$(echo "$urls" | head -1)
if [ -n "${CHAINBOX_NO_URING:-}" ]; then path=poll; else path=io_uring; fi
echo "chainbox snapshot on bft4 at ${block_ms} ms blocks ($(nproc) CPUs, $(free -g | awk '/^Mem/ { print $2 }') GiB,"\
	"supervisor io: $path; files under $work, $(df -h "$work" | awk 'NR == 2 { print $4 }') free)"

for total_mib in $sizes; do
	if [ "$total_mib" -le 64 ]; then runs=7; elif [ "$total_mib" -le 512 ]; then runs=5; else runs=3; fi
	echo
	echo "== $total_mib MiB of chains wanted ($((total_mib / 4)) MiB per node), $runs runs"
	rm -f "$work"/s.* "$work"/p.* "$work"/r.*
	# Room for the chains, a kept snapshot, a save, a restore's copies and cp's.
	free_kib=$(df -k "$work" | awk 'NR == 2 { print $4 }')
	if [ "$free_kib" -lt $((total_mib * 1024 * 5)) ]; then
		echo "   skipped: $((free_kib / 1024)) MiB free under $work, about $((total_mib * 5)) MiB needed"
		continue
	fi

	# --- fill ----------------------------------------------------------------------------
	want=$((total_mib * 1048576 / 4))
	have=$(stat -c %s "$net/nodes/validator-1/data/chain.mdb")
	if [ "$have" -lt "$want" ]; then
		# shellcheck disable=SC2086 # one URL per word
		if bench/chainload fill --window 4 --max-seconds 600 \
			--file "$net/nodes/validator-1/data/chain.mdb" --size "$want" $urls \
			>"$work/fill" 2>"$work/err"; then :; fi
		read -r _ txs _ cdata _ secs _ sz _ reached <"$work/fill" ||
			{ echo "   fill failed: $(head -3 "$work/err")"; continue; }
		awk -v t="$txs" -v c="$cdata" -v s="$secs" -v z="$sz" -v h="$have" 'BEGIN {
			printf "   filled in %.1f s: %d transactions, %.1f MiB of calldata, validator-1 grew %.1f MiB (%.1f MiB/s)\n",
				s, t, c / 1048576, (z - h) / 1048576, (z - h) / 1048576 / s }'
		e=$(head -1 "$work/err")
		[ "$reached" = 1 ] || echo "   stopped short: validator-1 has $(mib "$sz") of $(mib "$want") MiB" \
			"after $secs s${e:+: $e}"
	fi
	sleep 1
	cb=$(chain_bytes)
	db=$(bytes)
	height=$(curl -s -m 5 -H 'content-type: application/json' \
		-d '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}' "$url1" | grep -o '0x[0-9a-f]*')
	echo "   on disk at block $((height)): the four chain.mdb $(mib "$cb") MiB ($(for n in $nodes; do
		mib "$(stat -c %s "$net/nodes/$n/data/chain.mdb")"; echo; done | paste -sd/) MiB)," \
		"the four data dirs $(mib "$db") MiB"
	# The node is the sandbox init's child.
	echo "   nodes' RSS: $(for p in $(grep -o '"pid": [0-9]*' "$net/network.json" | grep -o '[0-9]*$'); do
		c=$(awk '{ print $1 }' "/proc/$p/task/$p/children" 2>/dev/null)
		awk '/^VmRSS/ { printf "%.0f\n", $2 / 1024 }' "/proc/${c:-$p}/status" 2>/dev/null
	done | paste -sd/) MiB"

	# --- saves, peers ---------------------------------------------------------------------
	bench/chainload watch "$url1" >"$work/watch" &
	watcher=$!
	settle
	b0=$(now_us)
	sleep 2
	b1=$(now_us)
	for r in $(seq "$runs"); do
		if [ $((r % 2)) -eq 1 ]; then save uring "$r" && save plain "$r"
		else save plain "$r" && save uring "$r"; fi
		for tool in cp cp+sync tar; do peer "$tool"; done
	done

	# --- restores -------------------------------------------------------------------------
	"$chainbox" snapshot save base --state-dir "$net" >/dev/null
	for r in $(seq "$runs"); do
		if [ $((r % 2)) -eq 1 ]; then restore uring && restore plain
		else restore plain && restore uring; fi
	done
	"$chainbox" snapshot rm base --state-dir "$net" >/dev/null
	sleep 0.3
	kill "$watcher"
	wait "$watcher" 2>/dev/null || :
	watcher=

	# --- figures --------------------------------------------------------------------------
	commits "$b0" "$b1" >"$work/c.one"
	read -r n gap ng miss <"$work/c.one"
	echo "   no copy, 2 s: $n blocks, longest gap $gap ms, $ng gaps > $((2 * block_ms)) ms ($miss intervals missed)"
	cp_ms=$(median "$work/p.cp")
	tar_ms=$(median "$work/p.tar")
	printf '   %-28s %8s %8s %8s %7s %8s %8s %8s\n' "save, median of $runs" wall_ms total_ms copy_ms pin_ms MiB/s save/cp save/tar
	for p in uring plain; do
		[ -s "$work/s.$p.wall" ] || continue
		w=$(median "$work/s.$p.wall")
		awk -v l="$(cat "$work/s.$p.how")" -v w="$w" -v t="$(median "$work/s.$p.total")" \
			-v c="$(median "$work/s.$p.copy")" -v pin="$(median "$work/s.$p.pin")" \
			-v m="$(median "$work/s.$p.mibs")" -v cp="$cp_ms" -v tar="$tar_ms" 'BEGIN {
			printf "   %-28s %8d %8.1f %8.1f %7.1f %8d %8.2f %8.2f\n", l, w, t, c, pin, m,
				w / (cp > 0 ? cp : 1), w / (tar > 0 ? tar : 1) }'
	done
	for tool in cp cp+sync tar; do
		case $tool in
		cp) label="cp -a" ;; cp+sync) label="cp -a, then sync the copies" ;;
		tar) label="tar -cf - | tar -xf -" ;;
		esac
		awk -v l="$label" -v w="$(median "$work/p.$tool")" -v b="$db" 'BEGIN {
			printf "   %-28s %8d %8s %8s %7s %8d\n", l, w, "", "", "", b / 1048576 / (w > 0 ? w : 1) * 1000 }'
	done
	echo "   (save/cp, save/tar: wall times, below 1 the save is faster; MiB/s: bytes over copy_ms for a" \
		"save, the data dirs over the wall time for the others)"
	echo "   commits while copying (block time $block_ms ms; wanted: blocks in every save longer than a" \
		"block time, no interval missed)"
	for p in s.uring s.plain p.cp+sync p.tar; do
		[ -s "$work/$p.window" ] || continue
		case $p in
		s.*) label="save, $(cat "$work/$p.how")" ;;
		p.cp+sync) label="cp -a, then sync" ;; p.tar) label="tar | tar" ;;
		esac
		window_stats "$label" "$work/$p.window"
	done
	printf '   %-28s %8s %8s %8s %8s %8s %9s %8s\n' "restore, median of $runs" wall_ms copy_ms stop_ms \
		swap_ms start_ms commit_ms total_ms
	for p in uring plain; do
		[ -s "$work/r.$p.wall" ] || continue
		if [ $p = uring ]; then label=io_uring; else label=read/write; fi
		awk -v l="$label" -v w="$(median "$work/r.$p.wall")" -v c="$(median "$work/r.$p.copy_ms")" \
			-v o="$(median "$work/r.$p.stop_ms")" -v sw="$(median "$work/r.$p.swap_ms")" \
			-v s="$(median "$work/r.$p.start_ms")" -v k="$(median "$work/r.$p.commit_ms")" \
			-v t="$(median "$work/r.$p.total_ms")" 'BEGIN {
			printf "   %-28s %8d %8.1f %8.1f %8.1f %8.1f %9.1f %8.1f\n", l, w, c, o, sw, s, k, t }'
	done
	echo "   (commit: from the nodes' start to a new block; total: from the command to that block;" \
		"wanted for a small state: total <= 200 ms)"
done
