// A VNet for regional integration (the direct path): the app subnet is delegated to
// Microsoft.App/environments, as Flex Consumption requires. Routes and DNS to the sites
// (VPN, Virtual WAN, ExpressRoute, private DNS zones) are the operator's: docs/deployment.md.
// As in Azure-Samples/functions-quickstart-typescript-azd (AVM virtual-network 0.6.1).
@description('Name of the virtual network.')
param vNetName string
param location string = resourceGroup().location
param tags object = {}
param appSubnetName string = 'app'

module virtualNetwork 'br/public:avm/res/network/virtual-network:0.6.1' = {
  name: 'vnet-deployment'
  params: {
    name: vNetName
    addressPrefixes: [
      '10.0.0.0/16'
    ]
    location: location
    tags: tags
    subnets: [
      {
        name: appSubnetName
        addressPrefix: '10.0.2.0/24'
        privateEndpointNetworkPolicies: 'Disabled'
        privateLinkServiceNetworkPolicies: 'Enabled'
        delegation: 'Microsoft.App/environments'
      }
    ]
  }
}

output appSubnetName string = appSubnetName
output appSubnetID string = '${virtualNetwork.outputs.resourceId}/subnets/${appSubnetName}'
