// LdapCacheConfig: Gluu's cache pointed at Redis (through each node's local stunnel end) and its LDAP
// authentication at every node, written once into o=gluu on the primary; replication carries it everywhere.
// Declarative (compare, then modify) instead of the seed's oxTrust GUI steps.

import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { HostArgs } from "./host";
import { profileFor } from "./profiles";
import { digest } from "./digest";
import { remoteStep } from "./remoteStep";
import { CacheProvider, encryptWithSalt, ldapCacheConfigScript, ldapCacheConfigStdin } from "./render/ldapCache";
import { ArgsError, isPort, known, versionProblems } from "./validation";

export interface LdapCacheConfigArgs {
    /** The primary Gluu node (Gluu installed). */
    host: HostArgs;
    /** Gluu version: `3.1.6` (default) or `4.5` (which entry holds the configuration). */
    version?: pulumi.Input<string>;
    /** Directory Manager password (secret). */
    directoryManagerPassword: pulumi.Input<string>;
    /**
     * Gluu's cache provider: `REDIS` (default; every cache choice with a cache host) or `NATIVE_PERSISTENCE` (the
     * `ldap` choice: the directory is the cache, no cache host, no `redisPassword`).
     */
    cacheProvider?: CacheProvider;
    /** The Redis password (secret); stored encrypted with `encodeSalt`, never in clear. Required with `REDIS`. */
    redisPassword?: pulumi.Input<string>;
    /** The cluster's `encode_salt` from setup.properties (secret): the 3DES key Gluu decrypts with. */
    encodeSalt: pulumi.Input<string>;
    /** The appliance inum (3.1.6: the entry is `inum=<inumAppliance>,ou=appliances,o=gluu`). Required for 3.1.6. */
    inumAppliance?: pulumi.Input<string>;
    /** `redisConfiguration.servers`. Defaults to `localhost:16379` (each node's stunnel client). */
    redisServers?: pulumi.Input<string>;
    /** oxIDPAuthentication servers: every node's `address:1636`. */
    idpServers: pulumi.Input<string>[];
    /** IP of the ONE node that runs Cache Refresh (`oxTrustCacheRefreshServerIpAddress`). Defaults to leaving it alone. */
    cacheRefreshServerIp?: pulumi.Input<string>;
    /** LDAPS port of OpenDJ on the primary. Defaults to `1636`. */
    ldapsPort?: number;
    /** Steps that must finish first, e.g. replication's initialization (so the change replicates). Defaults to none. */
    after?: command.remote.Command[];
}

/** Checks LdapCacheConfig Args that are known now. Exported for tests. */
export function validateLdapCacheConfigArgs(args: LdapCacheConfigArgs): string[] {
    const problems: string[] = [];
    if (known(args.version)) {
        problems.push(...versionProblems("version", args.version));
        if (versionProblems("version", args.version).length === 0 && profileFor(args.version).configurationDn.includes("{inumAppliance}") && args.inumAppliance === undefined) {
            problems.push(`\`inumAppliance\` is required for Gluu ${args.version}: its configuration lives in the appliance entry`);
        }
    }
    if (args.idpServers.length === 0) {
        problems.push("`idpServers` must list at least one `address:1636`");
    }
    const provider = args.cacheProvider ?? "REDIS";
    if (provider !== "REDIS" && provider !== "NATIVE_PERSISTENCE") {
        problems.push(`\`cacheProvider\` must be \`REDIS\` or \`NATIVE_PERSISTENCE\`, got ${JSON.stringify(provider)}`);
    }
    if (provider === "REDIS" && args.redisPassword === undefined) {
        problems.push("`redisPassword` is required with the `REDIS` cache provider (it is stored encrypted in oxCacheConfiguration)");
    }
    if (provider === "NATIVE_PERSISTENCE" && args.redisPassword !== undefined) {
        problems.push("`redisPassword` has no effect with `NATIVE_PERSISTENCE` (there is no cache host); remove it");
    }
    if (args.redisServers !== undefined && provider === "NATIVE_PERSISTENCE") {
        problems.push("`redisServers` has no effect with `NATIVE_PERSISTENCE`; remove it");
    }
    if (args.ldapsPort !== undefined && !isPort(args.ldapsPort)) {
        problems.push(`\`ldapsPort\` must be an integer 1–65535, got ${JSON.stringify(args.ldapsPort)}`);
    }
    return problems;
}

/** oxCacheConfiguration and oxIDPAuthentication in o=gluu (`gluu:index:LdapCacheConfig`). */
export class LdapCacheConfig extends pulumi.ComponentResource {
    /** The step that wrote the configuration (restart oxAuth and oxTrust after it). */
    public readonly step!: command.remote.Command;
    /** A digest of what was written, for steps that must re-run when it changes (no secret can be read from it). */
    public readonly revision!: pulumi.Output<string>;

    constructor(name: string, args: LdapCacheConfigArgs, opts?: pulumi.ComponentResourceOptions) {
        super("gluu:index:LdapCacheConfig", name, {}, opts);
        if (opts?.urn) {
            return;
        }
        const problems = validateLdapCacheConfigArgs(args);
        if (problems.length > 0) {
            throw new ArgsError(`LdapCacheConfig \`${name}\``, problems);
        }
        const profile = pulumi.output(args.version ?? "3.1.6").apply((v) => profileFor(v));
        const create = pulumi
            .all([profile, args.inumAppliance, args.redisServers, pulumi.all(args.idpServers), args.cacheRefreshServerIp])
            .apply(([p, inumAppliance, redisServers, idpServers, cacheRefreshServerIp]) =>
                ldapCacheConfigScript({ profile: p, cacheProvider: args.cacheProvider, inumAppliance, redisServers, idpServers, cacheRefreshServerIp, ldapsPort: args.ldapsPort }),
            );
        // Encrypted here, in the program: the salt never travels to the host.
        const stdin = pulumi
            .all([args.directoryManagerPassword, args.redisPassword, args.encodeSalt])
            .apply(([dm, redis, salt]) => ldapCacheConfigStdin(dm, redis === undefined ? undefined : encryptWithSalt(redis, salt)));
        this.step = remoteStep(`${args.host.name}-ldap-cache-config`, {
            host: args.host,
            create,
            secretStdin: stdin,
            dependsOn: args.after ?? [],
            parent: this,
        });
        this.revision = pulumi.unsecret(pulumi.all([create, pulumi.secret(stdin)]).apply(([c, s]) => digest(c, s)));
        this.registerOutputs({ revision: this.revision });
    }
}
