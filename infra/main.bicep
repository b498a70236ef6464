// ase-gitops on Azure: a Flex Consumption Function App (Node 22) with a system-assigned
// managed identity, storage reached with that identity (no keys), Application Insights,
// and a Key Vault whose secrets the app reads through Key Vault references.
// Based on Azure-Samples/functions-quickstart-typescript-azd (same AVM modules and versions).
// No Bicep compiler ran where this was written: see infra/README.md.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; used to derive a unique suffix for every resource name.')
param environmentName string

@minLength(1)
@description('Region of every resource; it must offer Flex Consumption.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Resource group name; empty = rg-<environmentName>.')
param resourceGroupName string = ''

@description('Comma-separated owner/name list of the fleet repositories served (ASE_GITOPS_REPOSITORIES).')
param fleetRepositories string

@description('Numeric GitHub App id (GITHUB_APP_ID). Its private key is the Key Vault secret github-app-private-key.')
param githubAppId string

@description('GitHub API URL (GITHUB_API_URL); GitHub Enterprise Server: https://HOST/api/v3.')
param githubApiUrl string = 'https://api.github.com'

@description('Device host names or *.domain patterns the controller may call (ASE_GITOPS_ALLOWED_ENDPOINTS).')
param allowedEndpoints string = ''

@description('Device password app settings, each read from a Key Vault secret: [{ setting: \'DEVICE_STORE001_ARM\', secret: \'device-store001-arm\' }]. Setting names must start with the credential prefix (DEVICE_).')
param deviceCredentials array = []

@description('Read the device CA (PEM) from the Key Vault secret device-ca into ASE_GITOPS_DEVICE_CA; false when the cloud app calls no device (site workers only) or the devices have publicly trusted certificates.')
param useDeviceCa bool = true

@description('NCRONTAB schedule of the drift timer (ASE_GITOPS_DRIFT_SCHEDULE); empty = off.')
param driftSchedule string = ''

@description('Integrate the app with a virtual network (the direct path to devices over a private WAN).')
param vnetEnabled bool = false

@description('With vnetEnabled: an existing subnet (delegated to Microsoft.App/environments) to integrate with, e.g. one peered to the site VPN; empty = create a new VNet 10.0.0.0/16 with subnet app 10.0.2.0/24.')
param existingAppSubnetId string = ''

@description('Maximum instances of the Flex Consumption app.')
param maximumInstanceCount int = 40

@description('Memory of each instance in MB (2048 or 4096).')
param instanceMemoryMB int = 2048

@description('Object id of a user or group given Key Vault Secrets Officer and storage data roles, to set secrets and inspect queues; empty = none.')
param principalId string = ''

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var functionAppName = 'func-ase-gitops-${resourceToken}'
var deploymentStorageContainerName = 'app-package-${take(functionAppName, 32)}-${take(resourceToken, 7)}'

resource rg 'Microsoft.Resources/resourceGroups@2021-04-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : 'rg-${environmentName}'
  location: location
  tags: tags
}

module appServicePlan 'br/public:avm/res/web/serverfarm:0.1.1' = {
  name: 'appserviceplan'
  scope: rg
  params: {
    name: 'plan-${resourceToken}'
    sku: {
      name: 'FC1'
      tier: 'FlexConsumption'
    }
    reserved: true
    location: location
    tags: tags
  }
}

module storage 'br/public:avm/res/storage/storage-account:0.8.3' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false // identity only: the app, the host and deployments use Entra ID
    dnsEndpointType: 'Standard'
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
    blobServices: {
      containers: [{ name: deploymentStorageContainerName }]
    }
    minimumTlsVersion: 'TLS1_2'
    location: location
    tags: tags
  }
}

module logAnalytics 'br/public:avm/res/operational-insights/workspace:0.11.1' = {
  name: '${uniqueString(deployment().name, location)}-loganalytics'
  scope: rg
  params: {
    name: 'log-${resourceToken}'
    location: location
    tags: tags
    dataRetention: 30
  }
}

module monitoring 'br/public:avm/res/insights/component:0.6.0' = {
  name: '${uniqueString(deployment().name, location)}-appinsights'
  scope: rg
  params: {
    name: 'appi-${resourceToken}'
    location: location
    tags: tags
    workspaceResourceId: logAnalytics.outputs.resourceId
    disableLocalAuth: true
  }
}

module vault 'app/key-vault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: 'kv-${resourceToken}'
    location: location
    tags: tags
  }
}

module network 'app/vnet.bicep' = if (vnetEnabled && empty(existingAppSubnetId)) {
  name: 'vnet'
  scope: rg
  params: {
    vNetName: 'vnet-${resourceToken}'
    location: location
    tags: tags
  }
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: functionAppName
    location: location
    tags: tags
    appServicePlanId: appServicePlan.outputs.resourceId
    storageAccountName: storage.outputs.name
    deploymentStorageContainerName: deploymentStorageContainerName
    applicationInsightsName: monitoring.outputs.name
    keyVaultName: vault.outputs.name
    fleetRepositories: fleetRepositories
    githubAppId: githubAppId
    githubApiUrl: githubApiUrl
    allowedEndpoints: allowedEndpoints
    deviceCredentials: deviceCredentials
    driftSchedule: driftSchedule
    useDeviceCa: useDeviceCa
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    virtualNetworkSubnetId: !vnetEnabled ? '' : (!empty(existingAppSubnetId) ? existingAppSubnetId : network!.outputs.appSubnetID)
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbacAssignments'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    appInsightsName: monitoring.outputs.name
    keyVaultName: vault.outputs.name
    appPrincipalId: api.outputs.SERVICE_API_IDENTITY_PRINCIPAL_ID
    userPrincipalId: principalId
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_NAME string = api.outputs.SERVICE_API_NAME
output SERVICE_API_NAME string = api.outputs.SERVICE_API_NAME
output AZURE_KEY_VAULT_NAME string = vault.outputs.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.connectionString
output WEBHOOK_URL string = 'https://${api.outputs.SERVICE_API_DEFAULT_HOSTNAME}/api/github/webhook'
