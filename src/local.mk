# SPDX-License-Identifier: MIT
# The plugin: collectd glue plus one convenience library of modules
# (libvrcore), which the tests, the benches and contrib/virt-resmon link
# too. Every module's .c/.h is in this one list; doc/design.md, "Module map"
# says what each is.
noinst_LTLIBRARIES += src/libvrcore.la
src_libvrcore_la_SOURCES = \
	src/read/counter_carry.c src/read/counter_carry.h \
	src/read/bounds_note.c src/read/bounds_note.h \
	src/base/cpuset.c src/base/cpuset.h \
	src/plan/desired.c src/plan/desired.h \
	src/read/dispatch.c src/read/dispatch.h src/read/dispatch_block.h \
	src/read/dispatch_build.c \
	src/virt/domain_filter.c src/virt/domain_filter.h \
	src/virt/domain_model.c src/virt/domain_model.h \
	src/plan/domstats.c src/plan/domstats.h \
	src/engine/engine.c src/engine/engine.h src/engine/engine_private.h \
	src/engine/engine_abmc.c src/engine/engine_abmc.h \
	src/engine/engine_domains.c src/engine/engine_domains.h \
	src/engine/engine_health.c src/engine/engine_health.h \
	src/engine/engine_live.c src/engine/engine_live.h \
	src/engine/engine_names.c src/engine/engine_names.h \
	src/engine/engine_mon_domains.c src/engine/engine_mon_domains.h \
	src/engine/engine_plan.c src/engine/engine_plan.h \
	src/engine/engine_scope.c src/engine/engine_scope.h \
	src/engine/engine_sync.c src/engine/engine_sync.h \
	src/engine/engine_threads.c src/engine/engine_threads.h \
	src/plan/group_health.c src/plan/group_health.h \
	src/plan/group_list.c src/plan/group_list.h \
	src/plan/group_spec.c src/plan/group_spec.h \
	src/plan/problems.c src/plan/problems.h \
	src/resctrl/libvirt_groups.c src/resctrl/libvirt_groups.h \
	src/plan/libvirt_monitors.c src/plan/libvirt_monitors.h \
	src/read/host_context.c src/read/host_context.h \
	src/read/host_sum.c src/read/host_sum.h \
	src/read/live_group.c src/read/live_group.h \
	src/read/live_set.c src/read/live_set.h \
	src/plan/mbm_assign.c src/plan/mbm_assign.h \
	src/resctrl/metric_table.c src/resctrl/metric_table.h \
	src/read/readable_group.h \
	src/plan/reconcile.c src/plan/reconcile.h \
	src/plan/rmid_share.c src/plan/rmid_share.h \
	src/plan/thread_watch.c src/plan/thread_watch.h \
	src/plan/written_tids.c src/plan/written_tids.h \
	src/resctrl/abmc_text.c src/resctrl/abmc_text.h \
	src/resctrl/discover.c src/resctrl/discover.h \
	src/resctrl/resctrl.c src/resctrl/resctrl.h \
	src/resctrl/resctrl_abmc.c src/resctrl/resctrl_abmc.h \
	src/resctrl/resctrl_groups.c src/resctrl/resctrl_groups.h \
	src/resctrl/resctrl_io.c src/resctrl/resctrl_io.h \
	src/resctrl/resctrl_model.h \
	src/resctrl/resctrl_name.c src/resctrl/resctrl_name.h \
	src/resctrl/resctrl_parse.c src/resctrl/resctrl_parse.h \
	src/resctrl/resctrl_state.c src/resctrl/resctrl_state.h \
	src/resctrl/resctrl_values.c src/resctrl/resctrl_values.h \
	src/read/series.c src/read/series.h \
	src/read/name_format.c src/read/name_format.h \
	src/base/small_file.c src/base/small_file.h \
	src/base/text.c src/base/text.h \
	src/base/vocabulary.c src/base/vocabulary.h \
	src/resctrl/thread_view.c src/resctrl/thread_view.h \
	src/virt/vcpu_threads.c src/virt/vcpu_threads.h \
	src/virt/qemu_pid.c src/virt/qemu_pid.h \
	src/engine/vr_config.c src/engine/vr_config.h \
	src/base/vr_defaults.h \
	src/virt/vr_libvirt.c src/virt/vr_libvirt.h \
	src/virt/vr_libvirt_domains.c src/virt/vr_libvirt_domains.h \
	src/virt/name_metadata.c src/virt/name_metadata.h \
	src/virt/vr_libvirt_private.h \
	src/base/vr_lock.c src/base/vr_lock.h \
	src/base/vr_log.h
src_libvrcore_la_CPPFLAGS = $(AM_CPPFLAGS) $(COLLECTD_CPPFLAGS) $(LIBVIRT_CFLAGS) $(LIBXML_CFLAGS)
src_libvrcore_la_LIBADD = $(LIBVIRT_LIBS) $(LIBXML_LIBS) -lpthread

collectd_plugin_LTLIBRARIES += src/virt_resctrl.la
src_virt_resctrl_la_SOURCES = src/virt_resctrl.c
src_virt_resctrl_la_CPPFLAGS = $(AM_CPPFLAGS) $(COLLECTD_CPPFLAGS) $(LIBVIRT_CFLAGS) $(LIBXML_CFLAGS)
# collectd looks up module_register only; nothing else leaves the .so.
src_virt_resctrl_la_LDFLAGS = -module -avoid-version -shared \
	-export-symbols-regex '^module_register$$'
src_virt_resctrl_la_LIBADD = src/libvrcore.la

# collectd loads the .so alone; libtool's .la beside it is of no use there.
# A data hook: automake installs collectd_plugindir (no "exec" in its name)
# with install-data, so an exec hook ran before the .la was there.
install-data-hook:
	rm -f $(DESTDIR)$(collectd_plugindir)/virt_resctrl.la

# libtool's uninstall reads the installed .la to find the .so; the hook above
# removed that .la, so the .so is removed here by name.
uninstall-hook:
	rm -f $(DESTDIR)$(collectd_plugindir)/virt_resctrl.so
