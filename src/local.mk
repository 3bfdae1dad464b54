# The plugin: collectd glue plus one convenience library of modules, which the
# tests link too. Add a module's .c/.h to libvrcore_la_SOURCES.
noinst_LTLIBRARIES += src/libvrcore.la
src_libvrcore_la_SOURCES = \
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
