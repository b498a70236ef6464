/** JSON views of simulated resources, shaped like the device's ARM responses. */
import { findVm } from "../shared/core/claims/model.js";
import type { SimDevice, SimDeployment, SimExtension, SimNic, SimVm } from "./device-state.js";
import { ASE_SUBNET, ASE_VNET, ASE_VNET_RG } from "./device-state.js";

const rgPath = (d: SimDevice, rg: string) => `/subscriptions/${d.subscriptionId}/resourceGroups/${rg}`;

export function vmId(d: SimDevice, vm: SimVm): string {
  return `${rgPath(d, vm.resourceGroup)}/providers/Microsoft.Compute/virtualMachines/${vm.name}`;
}

export function extensionView(d: SimDevice, vm: SimVm, ext: SimExtension) {
  return {
    id: `${vmId(d, vm)}/extensions/${ext.name}`,
    name: ext.name,
    type: "Microsoft.Compute/virtualMachines/extensions",
    location: d.location,
    properties: {
      publisher: ext.publisher,
      type: ext.type,
      typeHandlerVersion: ext.typeHandlerVersion,
      autoUpgradeMinorVersion: true,
      settings: ext.settings,
      provisioningState: ext.provisioningState,
    },
  };
}

export function extensionsView(d: SimDevice, vm: SimVm) {
  return [...vm.extensions.values()].map((ext) => extensionView(d, vm, ext));
}

const POWER_TEXT: Record<string, string> = {
  running: "VM running",
  stopped: "VM stopped",
  deallocated: "VM deallocated",
  starting: "VM starting",
  stopping: "VM stopping",
  deallocating: "VM deallocating",
};

export function instanceView(d: SimDevice, vm: SimVm) {
  const claim = findVm(d.claims, vm.name);
  const power = vm.pendingPower ?? claim?.powerState ?? "deallocated";
  return {
    computerName: vm.name,
    osName: vm.osType === "Windows" ? "Windows Server 2019 Datacenter" : "ubuntu",
    statuses: [
      { code: "ProvisioningState/succeeded", level: "Info", displayStatus: "Provisioning succeeded", time: new Date().toISOString() },
      { code: `PowerState/${power}`, level: "Info", displayStatus: POWER_TEXT[power] ?? power },
    ],
    extensions: [...vm.extensions.values()].map((ext) => ({
      name: ext.name,
      type: `${ext.publisher}.${ext.type}`,
      typeHandlerVersion: ext.typeHandlerVersion,
      statuses: [
        {
          code: `ProvisioningState/${ext.provisioningState.toLowerCase()}`,
          level: "Info",
          displayStatus: `Provisioning ${ext.provisioningState.toLowerCase()}`,
        },
      ],
    })),
  };
}

export function vmView(d: SimDevice, vm: SimVm, expandInstanceView: boolean) {
  const claim = findVm(d.claims, vm.name);
  return {
    id: vmId(d, vm),
    name: vm.name,
    type: "Microsoft.Compute/virtualMachines",
    location: d.location,
    tags: vm.tags,
    properties: {
      vmId: vm.vmId,
      hardwareProfile: { vmSize: claim?.size ?? "" },
      storageProfile: {
        imageReference: { id: `${rgPath(d, vm.resourceGroup)}/providers/Microsoft.Compute/images/${vm.imageName}` },
        osDisk: {
          osType: vm.osType,
          name: `${vm.name}_disk1`,
          caching: "ReadWrite",
          createOption: "FromImage",
          managedDisk: { storageAccountType: "Standard_LRS" },
        },
        dataDisks: [],
      },
      osProfile: { computerName: vm.name, adminUsername: "azureuser", secrets: [] },
      networkProfile: { networkInterfaces: [{ id: `${rgPath(d, vm.resourceGroup)}/providers/Microsoft.Network/networkInterfaces/${vm.nicName}` }] },
      provisioningState: "Succeeded",
      ...(expandInstanceView ? { instanceView: instanceView(d, vm) } : {}),
    },
    resources: extensionsView(d, vm),
  };
}

export function nicView(d: SimDevice, nic: SimNic) {
  return {
    id: `${rgPath(d, nic.resourceGroup)}/providers/Microsoft.Network/networkInterfaces/${nic.name}`,
    name: nic.name,
    type: "Microsoft.Network/networkInterfaces",
    location: d.location,
    properties: {
      provisioningState: "Succeeded",
      ipConfigurations: [
        {
          name: nic.ipConfigName,
          properties: {
            privateIPAllocationMethod: nic.privateIPAddress ? "Static" : "Dynamic",
            ...(nic.privateIPAddress ? { privateIPAddress: nic.privateIPAddress } : {}),
            subnet: { id: nic.subnetId },
            provisioningState: "Succeeded",
          },
        },
      ],
    },
  };
}

export function vnetView(d: SimDevice) {
  const id = `${rgPath(d, ASE_VNET_RG)}/providers/Microsoft.Network/virtualNetworks/${ASE_VNET}`;
  return {
    id,
    name: ASE_VNET,
    type: "Microsoft.Network/virtualNetworks",
    location: d.location,
    properties: {
      provisioningState: "Succeeded",
      addressSpace: { addressPrefixes: ["10.126.64.0/22"] },
      subnets: [
        { id: `${id}/subnets/${ASE_SUBNET}`, name: ASE_SUBNET, properties: { addressPrefix: "10.126.64.0/22", provisioningState: "Succeeded" } },
      ],
    },
  };
}

export function deploymentView(d: SimDevice, dep: SimDeployment) {
  return {
    id: `${rgPath(d, dep.resourceGroup)}/providers/Microsoft.Resources/deployments/${dep.name}`,
    name: dep.name,
    type: "Microsoft.Resources/deployments",
    properties: {
      templateHash: dep.templateHash,
      parameters: dep.parameters,
      mode: "Incremental",
      provisioningState: dep.provisioningState,
      timestamp: dep.timestamp,
      correlationId: dep.correlationId,
      outputResources: dep.outputResources.map((id) => ({ id })),
      ...(dep.error ? { error: dep.error } : {}),
    },
  };
}
