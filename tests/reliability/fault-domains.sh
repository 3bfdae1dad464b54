#!/bin/bash
# SPDX-License-Identifier: MIT
# L3 domains go offline and come back (doc/design.md, "resctrl rules", Domains) and MBM counters
# restart (doc/design.md, "Counter resets"), under a real collectd with the built plugin, a private
# libvirtd with a QEMU guest and the resctrl emulator (cache ids 0 and 1). Must hold:
#  1. domain 1 offline (the kernel removes mon_L3_01 from every group): said once, domain 0 keeps
#     reporting, no full resync every interval, no value for domain 1 (never a zero);
#  2. domain 1 back: said once ("appeared"), reported again, and its MBM counter, restarted from
#     zero by the kernel, goes on from the total it had (B + 5000, then 300 more), one line why;
#  3. a quick offline+online between two passes (the same domains, but every fd of mon_L3_01 dead,
#     ENODEV): the group's files are opened again, the restart is carried (100 more);
#  4. AMD BMEC: "Unavailable", then a lower counter: carried (40 more), said why;
#  5. the group removed behind the plugin's back and made again (a new RMID, counters from zero):
#     carried, said why;
#  6. every memory_bandwidth value a writer got is monotonic; no occupancy value is a zero.
. "${VR_SRCDIR:?}/tests/support/fault-lib.sh"

chain_setup
fault_emu_start 0,1 33554432,33554432
lv_define_guest g1 1 1 "<resmon xmlns=\"$NS\"><group name=\"a\" vcpus=\"0\"/></resmon>"
lv_start_guest g1
fault_collectd_start 2
u1=$(dom_uuid g1)
A=mon_groups/vr_${u1}_a
wait_group_tasks g1 a "$(vcpu_tids g1 0)" 10 || vr_fail "g1/a tasks '$(group_tasks g1 a)'"
# Counters set through the control channel start far above the emulator's synthetic ones (which the
# plugin may read first), so that setting them is a rise, not a restart.
B=1000000000000
T0=$(csv_file g1:a memory_bandwidth-total-0)
T1=$(csv_file g1:a memory_bandwidth-total-1)
L1=$(csv_file g1:a bytes-llc-1)
emu_ctl "$A 0 mbm_total_bytes $((B + 1000))" "$A 1 mbm_total_bytes $((B + 5000))" \
	"$A 0 llc_occupancy 4096" "$A 1 llc_occupancy 8192"
csv_wait_value "$T1" $((B + 5000)) 10 || vr_fail "total-1 is '$(csv_last "$T1")', want B + 5000"
csv_wait_value "$T0" $((B + 1000)) 5 || vr_fail "total-0 is '$(csv_last "$T0")', want B + 1000"
vr_log "start-up: g1/a reports on domains 0 and 1"

# 1. Domain 1 offline.
emu_ctl "domain 1 offline"
vr_wait_log "$CD_LOG" 'monitoring domain mon_L3_01 \(L3 cache id 1\) went away' 10 ||
	vr_fail "the plugin did not say that domain 1 went away"
emu_ctl "$A 0 mbm_total_bytes $((B + 2000))"
csv_wait_value "$T0" $((B + 2000)) 5 || vr_fail "domain 0 stopped reporting while domain 1 is offline"
n1=$(csv_lines "$L1")
sleep 5 # two RefreshIntervals and five reads with domain 1 away
[ "$(csv_lines "$L1")" = "$n1" ] || vr_fail "values for the offline domain 1 went on ($n1 -> $(csv_lines "$L1"))"
[ "$(grep -c 'went away' "$CD_LOG")" = 1 ] || vr_fail "'went away' said $(grep -c 'went away' "$CD_LOG") times"
vr_log "domain 1 offline: said once, domain 0 reports, nothing for domain 1"

# 2. Domain 1 back: its counter reads 0 (the kernel reset it), then 300.
emu_ctl "domain 1 online" "$A 1 mbm_total_bytes 300"
vr_wait_log "$CD_LOG" 'monitoring domain mon_L3_01 \(L3 cache id 1\) appeared' 10 ||
	vr_fail "the plugin did not say that domain 1 appeared"
csv_wait_value "$T1" $((B + 5300)) 10 ||
	vr_fail "total-1 is '$(csv_last "$T1")', want B + 5300 (B + 5000 carried, + 300)"
vr_wait_log "$CD_LOG" 'mbm_total_bytes on L3 cache 1 restarted from zero \(its L3 domain came back online\)' 2 ||
	vr_fail "no line says why total-1 restarted"
vr_log "domain 1 back: reported again, the counter carried ($(csv_last "$T1"))"

# 3. Offline and online between two passes: every fd of mon_L3_01 is dead.
line=$(wc -l <"$CD_LOG")
emu_ctl "domain 1 offline" "domain 1 online" "$A 1 mbm_total_bytes 100"
csv_wait_value "$T1" $((B + 5400)) 10 || vr_fail "total-1 is '$(csv_last "$T1")', want B + 5400 (+ 100)"
vr_wait_log_after "$CD_LOG" "$line" 'restarted from zero \(its mon_data files were made again' 2 ||
	vr_fail "no line says why total-1 restarted after the quick offline/online"
vr_log "quick offline/online: files reopened, counter carried ($(csv_last "$T1"))"

# 4. BMEC: the configuration changed, the next read is Unavailable, then the counter restarts.
emu_ctl "$A 1 mbm_total_bytes Unavailable"
sleep 2
emu_ctl "$A 1 mbm_total_bytes 40"
csv_wait_value "$T1" $((B + 5440)) 10 || vr_fail "total-1 is '$(csv_last "$T1")', want B + 5440 (+ 40)"
vr_wait_log "$CD_LOG" 'restarted from zero \(it read Unavailable before' 2 ||
	vr_fail "no line says that total-1 restarted after Unavailable"

# 5. The group removed behind our back: made again, a new RMID counting from zero.
rmdir "$EMU_MNT/$A"
vr_wait_log "$CD_LOG" 'restarted from zero \(the resctrl group was made again\)' 15 ||
	vr_fail "no line says that the group was made again"
wait_group_tasks g1 a "$(vcpu_tids g1 0)" 10 || vr_fail "g1/a not made again"
sleep 2
vr_log "group made again: total-1 now $(csv_last "$T1")"

# 6. What the writer got: every counter monotonic, no occupancy zero.
for f in "$T0" "$T1" "$(csv_file g1:a memory_bandwidth-local-0)" "$(csv_file g1:a memory_bandwidth-local-1)"; do
	bad=$(cat $(csv_day_files "$f") | awk -F, '/^[0-9]/ { if (n++ && $2 + 0 < last + 0) print last " -> " $2; last = $2 }')
	[ -z "$bad" ] || vr_fail "$(basename "$f") went down: $bad"
done
[ "$(csv_last "$T1" | awk -v b=$((B + 5440)) '{ print ($1 >= b) }')" = 1 ] ||
	vr_fail "total-1 ends below B + 5440: $(csv_last "$T1")"
# every restart had a known reason here
! grep -F 'reason unknown' "$CD_LOG" || vr_fail "a restart without its reason"
zeros=$(cat $(csv_day_files "$L1") $(csv_day_files "$(csv_file g1:a bytes-llc-0)") | grep -c ',0\(\.0*\)\?$' || true)
[ "$zeros" = 0 ] || vr_fail "$zeros occupancy values of zero were written"
vr_log "the writer saw monotonic counters and no zero"

fault_clean_stop
echo "PASS: fault-domains ($(($(date +%s) - VR_T0))s)"
