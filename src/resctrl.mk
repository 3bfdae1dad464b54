# resctrl module (issue 4)
src_libvrcore_la_SOURCES += \
	src/resctrl.c src/resctrl.h \
	src/resctrl_io.c src/resctrl_io.h \
	src/resctrl_parse.c src/resctrl_parse.h \
	src/resctrl_groups.c \
	src/resctrl_state.c \
	src/resctrl_values.c src/resctrl_values.h
