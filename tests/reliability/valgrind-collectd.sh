#!/bin/bash
# SPDX-License-Identifier: MIT
# valgrind (doc/design.md, "Faults and hostile input"): collectd -f with the built plugin under
# valgrind memcheck --leak-check=full for an end-to-end run: a private libvirtd with a guest with
# groups, the resctrl emulator, values read, a live metadata edit (a group added, one dropped), then
# SIGTERM. Fails on any "definitely lost" block with a frame in our code (virt_resctrl.so or a
# src/*.c file), on an invalid read/write/free or use of uninitialised memory in our code, and
# unless the run really happened (groups made and removed, values dispatched, valgrind's leak
# summary present). In the ASan build valgrind cannot run (the .so needs the ASan runtime first): it
# says so and exits 0; that build's LeakSanitizer covers leaks (soak-engine.sh runs the engine with
# it).
. "${VR_SRCDIR:?}/tests/support/chain-prologue.sh"

so=$(collectd_plugin_so)
if ldd "$so" | grep -q libasan; then
	echo "# valgrind cannot run the ASan build's plugin (libasan must come first); the ASan build's LeakSanitizer covers leaks instead (soak-engine.sh)"
	exit 0
fi
command -v valgrind >/dev/null || vr_fail "valgrind is missing (apt-get install valgrind)"
[ -x "$COLLECTD_BIN" ] || vr_fail "$COLLECTD_BIN is missing (apt-get install collectd-core)"

chain_setup
chain_emu_start 0,8 33554432,16777216
lv_define_guest vg1 2 2 "<resmon xmlns=\"$NS\"><group name=\"a\" vcpus=\"0\"/><group name=\"b\" vcpus=\"1\"/></resmon>"
lv_start_guest vg1

chain_csv_conf '  RefreshInterval 2'
vg_log=$VR_TMP/valgrind.log
vr_show_log "$cd_dir/collectd.log"
VG_PID=
valgrind --leak-check=full --show-leak-kinds=definite --num-callers=40 --error-limit=no \
	--log-file="$vg_log" "$COLLECTD_BIN" -C "$cd_dir/collectd.conf" -f >"$cd_dir/collectd.stdout" 2>&1 &
VG_PID=$!
vr_on_cleanup 'vr_stop_pid "$VG_PID" valgrind 30'
vr_wait_log "$cd_dir/collectd.log" 'Initialization complete' 90 || vr_fail "collectd under valgrind did not start within 90 s"
vr_log "collectd under valgrind (pid $VG_PID) up"

wait_group_tasks vg1 a "$(vcpu_tids vg1 0)" 30 || vr_fail "group a not made with vCPU 0's thread"
f=$(csv_file vg1:a bytes-llc-0)
until_true 30 lines_at_least "$f" 2 || vr_fail "no values of vg1:a in $f"
set_md vg1 '<resmon><group name="a" vcpus="0"/><group name="c" vcpus="1"/></resmon>'
wait_group_tasks vg1 c "$(vcpu_tids vg1 1)" 30 || vr_fail "group c not made after the metadata edit"
until_true 30 no_group vg1 b || vr_fail "group b not removed after the metadata edit"
sleep 3 # a few reads of the new set
vr_log "metadata edit applied: $(our_groups | tr '\n' ' ')"

kill -TERM "$VG_PID"
vg_gone() { ! vr_alive "$VG_PID"; }
until_true 60 vg_gone || vr_fail "collectd under valgrind did not stop within 60 s"
wait "$VG_PID" 2>/dev/null || true
VG_PID=
[ -z "$(our_groups)" ] || vr_fail "groups left after the stop: $(our_groups | tr '\n' ' ')"
grep -q 'LEAK SUMMARY\|All heap blocks were freed' "$vg_log" || vr_fail "no leak summary in $vg_log: valgrind did not finish"
grep -E 'definitely lost:|ERROR SUMMARY' "$vg_log" | sed 's/^==[0-9]*== */# valgrind: /' || true

# Records: from a "==PID== <summary line>" to the next blank "==PID== " line. A record is ours when a
# frame names virt_resctrl.so or one of our source files.
ours=$(cd "$VR_SRCDIR/src" && ls ./*.c | sed 's|^\./||' | tr '\n' '|' | sed 's/|$//; s/\./\\./g')
awk -v ours="(virt_resctrl\\.so|\\((${ours}):[0-9]+\\))" '
	{ sub(/^==[0-9]+== ?/, "") }
	/^$/ { if (rec != "" && kind != "" && rec ~ ours) { print rec; bad++ } rec = ""; kind = ""; next }
	rec == "" && (/definitely lost in loss record/ || /^Invalid (read|write|free)/ || /^Conditional jump or move depends on uninitialised/ || /^Use of uninitialised value/ || /^Syscall param .* uninitialised/) { kind = $0 }
	{ rec = rec "\n" $0 }
	END { exit bad > 0 }
' "$vg_log" >"$VR_TMP/ours" || {
	cat "$VR_TMP/ours" >&2
	vr_fail "valgrind reports errors or definite leaks in our code (above)"
}
vr_log "valgrind: no definite leak and no memory error with a frame in virt_resctrl"
