# Part of libvrcore: the metadata spec (vCPU sets, group specs, resctrl
# directory names, the resctrl state model), the configuration, the engine
# with dispatch and live groups, and small-file reading.
src_libvrcore_la_SOURCES += \
	src/cpuset.c src/cpuset.h \
	src/group_spec.c src/group_spec.h \
	src/resctrl_name.c src/resctrl_name.h \
	src/resctrl_model.h
src_libvrcore_la_SOURCES += src/vr_config.c src/vr_config.h

# The engine (worker thread, executor, read path) and dispatch: the glue's
# half that talks to collectd's value and notification API.
src_libvrcore_la_SOURCES += src/dispatch.c src/dispatch.h src/engine.c src/engine.h \
	src/engine_private.h src/engine_sync.c src/engine_domains.c \
	src/engine_plan.c src/engine_live.c src/engine_health.c \
	src/desired.c src/desired.h src/readable_group.h \
	src/metric_table.c src/metric_table.h \
	src/live_group.c src/live_group.h src/live_set.c src/live_set.h
src_libvrcore_la_SOURCES += src/small_file.c src/small_file.h
