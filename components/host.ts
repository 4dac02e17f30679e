// A host that remote steps run on: a Gluu node, the cache host or the load balancer; a droplet, an existing
// server or a test host alike. Every component consumes Hosts, never droplets.

import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { normalizeHostKey } from "./validation";

/** SSH settings of a host. Flat, every field an Input, so other languages can build one. */
export interface SshConnectionArgs {
    /** Address the program connects to (public IPv4 or a name). */
    host: pulumi.Input<string>;
    /** SSH port. Defaults to `22`. */
    port?: pulumi.Input<number>;
    /** Login user; must be `root` or have password-less sudo. Defaults to `root`. */
    user?: pulumi.Input<string>;
    /** Private key contents (OpenSSH or PEM), a secret. One of `privateKey` or `agentSocketPath`. */
    privateKey?: pulumi.Input<string>;
    /** Path of an ssh-agent socket to use instead of `privateKey`. */
    agentSocketPath?: pulumi.Input<string>;
    /**
     * The host's public SSH host key in authorized_keys form (`ssh-ed25519 AAAA…`). Required: no connection
     * ever skips host-key checking. Get it with `ssh-keyscan -t ed25519 <address>`.
     */
    hostKey: pulumi.Input<string>;
    /** Dial attempts before giving up (fresh droplets need many). Defaults to `10`. */
    dialErrorLimit?: pulumi.Input<number>;
    /** Seconds per dial attempt. Defaults to `15`. */
    perDialTimeout?: pulumi.Input<number>;
}

/** A host as the components see it. */
export interface HostArgs {
    /** Short lower-case name (`gluu-1`, `cache`, `lb`): resource names, /etc/hosts, csync2 identity. */
    name: string;
    /** Address that users and the program reach the host on. */
    publicAddress: pulumi.Input<string>;
    /** Address other cluster members reach it on (VPC / private network). */
    privateAddress: pulumi.Input<string>;
    /** How to reach it over SSH. */
    ssh: SshConnectionArgs;
    /** Remote steps on this host wait for these (e.g. its base setup); set by whoever made the host. */
    readyAfter?: command.remote.Command[];
}

/**
 * The `connection` of a remote command, built field by field: an unknown field in a connection makes the
 * engine print the whole object, private key included (pulumi-command#773), so nothing is spread into it.
 */
export function connectionOf(ssh: SshConnectionArgs): command.types.input.remote.ConnectionArgs {
    const conn: command.types.input.remote.ConnectionArgs = {
        host: ssh.host,
        port: ssh.port ?? 22,
        user: ssh.user ?? "root",
        // `ssh-keyscan` prints `ADDRESS TYPE KEY`: pinned without the address (the provider would take the address
        // for an options field and accept it too, but the state then shows the address as part of the key).
        hostKey: typeof ssh.hostKey === "string" ? normalizeHostKey(ssh.hostKey) : pulumi.output(ssh.hostKey).apply(normalizeHostKey),
        dialErrorLimit: ssh.dialErrorLimit ?? 10,
        perDialTimeout: ssh.perDialTimeout ?? 15,
    };
    if (ssh.privateKey !== undefined) {
        conn.privateKey = pulumi.secret(ssh.privateKey);
    }
    if (ssh.agentSocketPath !== undefined) {
        conn.agentSocketPath = ssh.agentSocketPath;
    }
    return conn;
}
