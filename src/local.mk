# The plugin: collectd glue plus one convenience library of modules
# (libvrcore), which the tests, the benches and contrib/virt-resmon link
# too. Every module's .c/.h is in this one list; doc/design.md, "Module map"
# says what each is.
noinst_LTLIBRARIES += src/libvrcore.la
src_libvrcore_la_SOURCES = \
	src/counter_carry.c src/counter_carry.h \
	src/cpuset.c src/cpuset.h \
	src/desired.c src/desired.h \
	src/dispatch.c src/dispatch.h \
	src/domain_filter.c src/domain_filter.h \
	src/domstats.c src/domstats.h \
	src/engine.c src/engine.h src/engine_private.h \
	src/engine_domains.c src/engine_health.c src/engine_live.c \
	src/engine_mon_domains.c src/engine_plan.c src/engine_sync.c \
	src/engine_threads.c \
	src/engine_abmc.c \
	src/group_health.c src/group_health.h \
	src/group_spec.c src/group_spec.h \
	src/libvirt_groups.c src/libvirt_groups.h \
	src/libvirt_monitors.c src/libvirt_monitors.h \
	src/host_context.c src/host_context.h \
	src/host_sum.c src/host_sum.h \
	src/live_group.c src/live_group.h \
	src/live_set.c src/live_set.h \
	src/mbm_assign.c src/mbm_assign.h \
	src/metric_table.c src/metric_table.h \
	src/readable_group.h \
	src/reconcile.c src/reconcile.h \
	src/resctrl.c src/resctrl.h \
	src/resctrl_abmc.c src/resctrl_abmc.h \
	src/resctrl_groups.c \
	src/resctrl_io.c src/resctrl_io.h \
	src/resctrl_model.h \
	src/resctrl_name.c src/resctrl_name.h \
	src/resctrl_parse.c src/resctrl_parse.h \
	src/resctrl_state.c \
	src/resctrl_values.c src/resctrl_values.h \
	src/series.c src/series.h \
	src/small_file.c src/small_file.h \
	src/text.c src/text.h \
	src/thread_view.c src/thread_view.h \
	src/vcpu_threads.c src/vcpu_threads.h \
	src/vr_config.c src/vr_config.h \
	src/vr_defaults.h \
	src/vr_libvirt.c src/vr_libvirt.h \
	src/vr_libvirt_domains.c src/vr_libvirt_private.h \
	src/vr_log.h
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
