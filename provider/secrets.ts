// Which schema properties are secret. The analyzer of @pulumi/pulumi@3.248.0 infers types only
// (provider/experimental/analyzer.js analyzeType sets type/$ref/items/optional/plain/description, never `secret`),
// so they are listed here; markSecrets fails when a listed property is missing, so this list cannot go stale.

/** `<resource or type name>.<property>` for inputs and types; outputs are listed separately. */
export const SECRET_INPUTS: string[] = [
    "GluuCluster.sshPrivateKey",
    "GluuCluster.ldapPassword",
    "GluuCluster.adminPassword",
    "GluuCluster.repoPassword",
    "GluuCluster.lbPrivateKeyPem",
    "GluuCluster.redisPassword",
    "GluuNode.sshPrivateKey",
    "GluuNode.repoPassword",
    "GluuNode.setup",
    "ServiceHost.sshPrivateKey",
    "SecureRedis.caPrivateKeyPem",
    "SecureRedis.password",
    "RedisHa.caPrivateKeyPem",
    "RedisHa.password",
    "RedisHa.sentinelPassword",
    "ManagedValkey.caPrivateKeyPem",
    "Csync2Mesh.caPrivateKeyPem",
    "Csync2Mesh.key",
    "OpenDjReplication.directoryManagerPassword",
    "OpenDjReplication.replicationAdminPassword",
    "NginxBalancer.privateKeyPem",
    "NginxPair.privateKeyPem",
    "NginxPair.vrrpPassword",
    "DigitalOceanBalancer.privateKeyPem",
    "LdapCacheConfig.directoryManagerPassword",
    "LdapCacheConfig.redisPassword",
    "LdapCacheConfig.encodeSalt",
    "GluuCluster.backupAccessKeyId",
    "GluuCluster.backupSecretAccessKey",
    "DirectoryBackup.directoryManagerPassword",
    "DirectoryBackup.accessKeyId",
    "DirectoryBackup.secretAccessKey",
    "DirectoryBackup.replicationAdminPassword",
];
export const SECRET_OUTPUTS: string[] = [
    "GluuCluster.ldapPassword",
    "GluuCluster.adminPassword",
    "GluuCluster.sshPrivateKey",
    "GluuCluster.setup",
    "GluuCluster.redisPassword",
    "SecureRedis.password",
    "RedisHa.password",
    "ManagedValkey.password",
    "OpenDjReplication.replicationAdminPassword",
    "Csync2Mesh.key",
    "CertificateDistribution.httpdPrivateKeyPem",
    "GluuCluster.backupPrivateKeyPem",
    "DirectoryBackup.privateKeyPem",
];
/** Object types (`#/types/gluu:index:<Name>`) and their secret properties. */
export const SECRET_TYPE_PROPERTIES: string[] = [
    "SshConnectionArgs.privateKey",
    "GluuSetupSettings.ldapPassword",
    "GluuSetupSettings.adminPassword",
    "GluuSetupSettings.encodeSalt",
    "GluuSetupSettings.openidKeystorePassword",
    "GluuSetupSettings.ldapTruststorePassword",
];

interface Schema {
    resources: Record<string, { inputProperties: Record<string, { secret?: boolean }>; properties: Record<string, { secret?: boolean }> }>;
    types: Record<string, { properties?: Record<string, { secret?: boolean }> }>;
}

function mark(table: Record<string, { secret?: boolean }> | undefined, prop: string, what: string): void {
    if (!table || !table[prop]) {
        throw new Error(`secrets.ts lists ${what}, which the schema does not have`);
    }
    table[prop].secret = true;
}

export function markSecrets<S extends Schema>(schema: S): S {
    for (const entry of SECRET_INPUTS) {
        const [res, prop] = entry.split(".");
        mark(schema.resources[`gluu:index:${res}`]?.inputProperties, prop, `input ${entry}`);
    }
    for (const entry of SECRET_OUTPUTS) {
        const [res, prop] = entry.split(".");
        mark(schema.resources[`gluu:index:${res}`]?.properties, prop, `output ${entry}`);
    }
    for (const entry of SECRET_TYPE_PROPERTIES) {
        const [type, prop] = entry.split(".");
        mark(schema.types[`gluu:index:${type}`]?.properties, prop, `type property ${entry}`);
    }
    return schema;
}
