# libvirt module against a real libvirtd (issue 5)
