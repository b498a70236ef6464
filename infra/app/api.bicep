// The Flex Consumption Function App: Node 22, system-assigned identity, storage by identity
// (AzureWebJobsStorage__*), secrets as Key Vault references resolved with that identity.
param name string
param location string = resourceGroup().location
param tags object = {}
param appServicePlanId string
param storageAccountName string
param deploymentStorageContainerName string
param applicationInsightsName string
param keyVaultName string
param fleetRepositories string
param githubAppId string
param githubApiUrl string
param allowedEndpoints string
param deviceCredentials array
param driftSchedule string
param useDeviceCa bool = true
param maximumInstanceCount int = 40
param instanceMemoryMB int = 2048
param virtualNetworkSubnetId string = ''
param serviceName string = 'api'

resource stg 'Microsoft.Storage/storageAccounts@2022-09-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

var vaultUri = 'https://${keyVaultName}${environment().suffixes.keyvaultDns}'

// A Key Vault reference, resolved by the platform with the app's system-assigned identity.
func kvRef(vaultUri string, secret string) string => '@Microsoft.KeyVault(SecretUri=${vaultUri}/secrets/${secret})'

// Storage by identity: the host's triggers and the app's own clients read the same settings;
// credential=managedidentity without a client id = the system-assigned identity.
var storageSettings = {
  AzureWebJobsStorage__blobServiceUri: stg.properties.primaryEndpoints.blob
  AzureWebJobsStorage__queueServiceUri: stg.properties.primaryEndpoints.queue
  AzureWebJobsStorage__tableServiceUri: stg.properties.primaryEndpoints.table
  AzureWebJobsStorage__credential: 'managedidentity'
}

var appSettings = {
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD'
  FUNCTIONS_REQUEST_BODY_SIZE_LIMIT: '26214400'
  GITHUB_APP_ID: githubAppId
  GITHUB_APP_PRIVATE_KEY: kvRef(vaultUri, 'github-app-private-key')
  GITHUB_WEBHOOK_SECRET: kvRef(vaultUri, 'github-webhook-secret')
  GITHUB_API_URL: githubApiUrl
  ASE_GITOPS_REPOSITORIES: fleetRepositories
  ASE_GITOPS_ALLOWED_ENDPOINTS: allowedEndpoints
  ASE_GITOPS_DRIFT_SCHEDULE: driftSchedule
  ASE_GITOPS_GIT_CACHE: '/tmp/ase-gitops-git'
}

var caSettings = useDeviceCa ? { ASE_GITOPS_DEVICE_CA: kvRef(vaultUri, 'device-ca') } : {}

// One Key Vault reference per device password setting (DEVICE_...).
var deviceSettings = toObject(deviceCredentials, c => c.setting, c => kvRef(vaultUri, c.secret))

module api 'br/public:avm/res/web/site:0.15.1' = {
  name: '${serviceName}-flex-consumption'
  params: {
    kind: 'functionapp,linux'
    name: name
    location: location
    tags: union(tags, { 'azd-service-name': serviceName })
    serverFarmResourceId: appServicePlanId
    managedIdentities: {
      systemAssigned: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${stg.properties.primaryEndpoints.blob}${deploymentStorageContainerName}'
          authentication: {
            type: 'SystemAssignedIdentity'
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
    siteConfig: {
      alwaysOn: false
    }
    virtualNetworkSubnetId: !empty(virtualNetworkSubnetId) ? virtualNetworkSubnetId : null
    appSettingsKeyValuePairs: union(appSettings, caSettings, deviceSettings, storageSettings)
  }
}

output SERVICE_API_NAME string = api.outputs.name
output SERVICE_API_DEFAULT_HOSTNAME string = api.outputs.defaultHostname
output SERVICE_API_IDENTITY_PRINCIPAL_ID string = api.outputs.?systemAssignedMIPrincipalId ?? ''
