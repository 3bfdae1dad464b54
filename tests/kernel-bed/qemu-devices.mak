# Devices of the kernel bed's QEMU (configure --without-default-devices):
# the i440fx "pc" board (its Kconfig selects the ISA serial port the console
# uses) and virtio-9p over PCI for the host's root filesystem.
CONFIG_I440FX=y
CONFIG_VIRTIO_PCI=y
CONFIG_VIRTIO_9P=y
