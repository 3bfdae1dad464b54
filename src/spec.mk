# metadata spec module, cpuset, config (issue 3)
src_libvrcore_la_SOURCES += \
	src/cpuset.c src/cpuset.h \
	src/group_spec.c src/group_spec.h \
	src/resctrl_name.c src/resctrl_name.h \
	src/resctrl_model.h
