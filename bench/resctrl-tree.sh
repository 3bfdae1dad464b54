# SPDX-License-Identifier: MIT
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

# bench_resctrl_tree_all DIR: the tree of bench_resctrl_tree with every
# monitoring the plugin reads beyond it: Sub-NUMA Clustering with
# two nodes per L3 (Linux 6.11+, mkdir_mondata_subdir: mon_sub_L3_YY below
# each mon_L3_XX, node ids numbered across the L3s in cache id order, each
# holding the L3 events) and PERF_PKG telemetry on packages 0 and 1 (Linux
# 7.0: info/PERF_PKG_MON and mon_PERF_PKG_YY with core_energy and
# activity). num_rmids stays 4096 per resource: the bench opens groups
# without the engine's RMID limit.
bench_resctrl_tree_all() {
	local dir=$1 c f p node=0
	local features="llc_occupancy mbm_total_bytes mbm_local_bytes"
	bench_resctrl_tree "$dir"
	mkdir -p "$dir/info/PERF_PKG_MON"
	printf '%s\n' core_energy activity >"$dir/info/PERF_PKG_MON/mon_features"
	echo 4096 >"$dir/info/PERF_PKG_MON/num_rmids"
	for c in 00 01; do
		for _ in 1 2; do
			mkdir -p "$dir/mon_data/mon_L3_$c/mon_sub_L3_$(printf '%02d' "$node")"
			# shellcheck disable=SC2086 # one feature per file
			for f in $features; do
				echo 0 >"$dir/mon_data/mon_L3_$c/mon_sub_L3_$(printf '%02d' "$node")/$f"
			done
			node=$((node + 1))
		done
	done
	for p in 00 01; do
		mkdir -p "$dir/mon_data/mon_PERF_PKG_$p"
		for f in core_energy activity; do echo 0.000000 >"$dir/mon_data/mon_PERF_PKG_$p/$f"; done
	done
}
