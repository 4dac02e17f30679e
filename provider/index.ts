// The component provider that other languages use (`pulumi package add`). Pulumi starts it as a plugin: the
// Node.js language host runs this file; it serves the ResourceProvider gRPC service and prints its port.
//
// This is what `componentProviderHost({ name: "gluu", components })` does (@pulumi/pulumi@3.248.0:
// provider/experimental/provider.js componentProviderHost: `new ComponentProvider(options)` then
// `server.main(prov, args)`), with one addition: the analyzer never marks a property `secret`
// (provider/experimental/analyzer.js and schema.js have no notion of it), so the schema it infers is
// completed with the secret inputs and outputs listed in ./secrets.ts.
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import { main } from "@pulumi/pulumi/provider/server";
import {
    CertificateDistribution,
    ClusterCa,
    Csync2Mesh,
    GluuCluster,
    GluuNode,
    LdapCacheConfig,
    ManagedValkey,
    NginxBalancer,
    OpenDjReplication,
    RedisHa,
    SecureRedis,
    ServiceHost,
} from "../components";
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
    LdapCacheConfig,
    CertificateDistribution,
];

/** ComponentProvider whose schema has the secret properties marked. */
export class GluuComponentProvider extends ComponentProvider {
    private marked?: string;
    async getSchema(): Promise<string> {
        if (this.marked === undefined) {
            this.marked = JSON.stringify(markSecrets(JSON.parse(await super.getSchema())));
        }
        return this.marked;
    }
}

export function provider(): GluuComponentProvider {
    return new GluuComponentProvider({ name: "gluu", dirname: __dirname, components: COMPONENTS });
}

// Served when run as the plugin (the language host's run-plugin requires this file), not when imported by a test.
if (process.env.GLUU_PROVIDER_NO_SERVE === undefined) {
    void main(provider(), process.argv.slice(2));
}
