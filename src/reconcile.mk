# reconcile and dispatch logic (issue 6): pure decisions the glue joins.
src_libvrcore_la_SOURCES += \
	src/reconcile.c src/reconcile.h \
	src/series.c src/series.h \
	src/group_health.c src/group_health.h
