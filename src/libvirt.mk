# libvirt module, vCPU threads (issue 5)
src_libvrcore_la_SOURCES += \
	src/vr_libvirt.c src/vr_libvirt.h \
	src/vr_libvirt_domains.c src/vr_libvirt_private.h \
	src/vcpu_threads.c src/vcpu_threads.h \
	src/domain_filter.c src/domain_filter.h
