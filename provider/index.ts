// The component provider that other languages use (`pulumi package add`). Pulumi starts it as a plugin: the
// Node.js language host runs this file; it serves the ResourceProvider gRPC service and prints its port.
//
// This is what `componentProviderHost({ name: "gluu", components })` does (@pulumi/pulumi@3.248.0:
// provider/experimental/provider.js componentProviderHost: `new ComponentProvider(options)` then
// `server.main(prov, args)`), with one addition: the analyzer never marks a property `secret`
// (provider/experimental/analyzer.js and schema.js have no notion of it), so the schema it infers is
// completed with the secret inputs and outputs listed in ./secrets.ts.
import * as pulumi from "@pulumi/pulumi";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import { main } from "@pulumi/pulumi/provider/server";
import {
    CertificateDistribution,
    ClusterAlerts,
    ClusterCa,
    DirectoryBackup,
    Csync2Mesh,
    DigitalOceanBalancer,
    GluuCluster,
    GluuNode,
    LdapCacheConfig,
    ManagedValkey,
    NginxBalancer,
    NginxPair,
    OpenDjReplication,
    RedisHa,
    SecureRedis,
    ServiceHost,
} from "../components";
import { InputSchema, plainInputs } from "./plainInputs";
import { markSecrets } from "./secrets";

export const COMPONENTS = [
    GluuCluster,
    GluuNode,
    ServiceHost,
    ClusterCa,
    SecureRedis,
    RedisHa,
    ManagedValkey,
    OpenDjReplication,
    Csync2Mesh,
    NginxBalancer,
    NginxPair,
    DigitalOceanBalancer,
    ClusterAlerts,
    LdapCacheConfig,
    CertificateDistribution,
    DirectoryBackup,
];

/**
 * ComponentProvider whose schema has the secret properties marked, and whose Construct hands each component its
 * plain inputs (hosts, lists of hosts and of steps, names, ports) as plain values: see ./plainInputs.ts.
 */
export class GluuComponentProvider extends ComponentProvider {
    private marked?: string;
    async getSchema(): Promise<string> {
        if (this.marked === undefined) {
            this.marked = JSON.stringify(markSecrets(JSON.parse(await super.getSchema())));
        }
        return this.marked;
    }
    async construct(
        name: string,
        type: string,
        inputs: pulumi.Inputs,
        options: pulumi.ComponentResourceOptions,
    ): ReturnType<ComponentProvider["construct"]> {
        const schema = JSON.parse(await this.getSchema()) as InputSchema;
        return super.construct(name, type, await plainInputs(schema, type, name, inputs), options);
    }
}

export function provider(): GluuComponentProvider {
    return new GluuComponentProvider({ name: "gluu", dirname: __dirname, components: COMPONENTS });
}

// Served when run as the plugin (the language host's run-plugin requires this file), not when imported by a test.
if (process.env.GLUU_PROVIDER_NO_SERVE === undefined) {
    void main(provider(), process.argv.slice(2));
}
