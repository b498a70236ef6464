/** Names the controller writes on a device and reads back (tags, role and extension names). */
export const MANAGED_TAG = "managed-by";
export const MANAGED_TAG_VALUE = "ase-gitops";
/** Tags the controller writes on the VMs it creates: what it asked for, read back by observe. */
export const PRIVATE_IP_TAG = "ase-gitops-private-ip";
export const CUSTOM_DATA_TAG = "ase-gitops-custom-data-sha256";
export const KUBERNETES_ROLE_NAME = "kubernetes";
export const GPU_EXTENSION_NAME = "gpu-driver";
