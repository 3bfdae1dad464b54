# libvirt module, vCPU threads (issue 5)
