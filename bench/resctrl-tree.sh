# shellcheck shell=bash
# bench_resctrl_tree DIR: lays out in DIR (a tmpfs) the files of a resctrl
# mount that the readers under test touch: info/L3_MON with the three L3
# events and 4096 RMIDs, the root's tasks, and two L3 domains, cache ids 0
# and 1, each value file reading 0. Shared by run-bench.sh and
# peer-libvirt.sh, so both time reads of the same tree.
bench_resctrl_tree() {
	local dir=$1 c f
	local features="llc_occupancy mbm_total_bytes mbm_local_bytes"
	mkdir -p "$dir/info/L3_MON" "$dir/mon_groups"
	# shellcheck disable=SC2086 # one feature per line
	printf '%s\n' $features >"$dir/info/L3_MON/mon_features"
	echo 4096 >"$dir/info/L3_MON/num_rmids"
	echo ok >"$dir/info/last_cmd_status"
	echo 1 >"$dir/tasks"
	for c in 00 01; do
		mkdir -p "$dir/mon_data/mon_L3_$c"
		for f in $features; do echo 0 >"$dir/mon_data/mon_L3_$c/$f"; done
	done
}
