// ServiceHost: a machine for a cluster service that needs no Gluu (the Redis cache, the NGINX load
// balancer): a droplet or an existing server, booted, base setup done, host key pinned.

import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import * as digitalocean from "@pulumi/digitalocean";
import { HostArgs } from "./host";
import { MachineArgs, machineProblems, provisionMachine } from "./machine";
import { ArgsError } from "./validation";

/** Arguments of a ServiceHost: where the machine comes from and how to log in (see `MachineArgs`). */
export interface ServiceHostArgs extends MachineArgs {}

/** Checks ServiceHost Args that are known now. Exported for tests. */
export function validateServiceHostArgs(name: string, args: ServiceHostArgs): string[] {
    return machineProblems(name, args);
}

const serviceHosts = new WeakMap<object, HostArgs>();

/** A non-Gluu cluster host (`gluu:index:ServiceHost`), e.g. the cache or the load balancer. */
export class ServiceHost extends pulumi.ComponentResource {
    /** Public IPv4 (or the existing host's address). */
    public readonly publicIp!: pulumi.Output<string>;
    /** Private IPv4 that the Gluu nodes reach it on. */
    public readonly privateIp!: pulumi.Output<string>;
    /** The SSH host key every connection pins. */
    public readonly hostKey!: pulumi.Output<string>;
    /** The droplet, when one was created. */
    public readonly droplet?: digitalocean.Droplet;
    /** The base setup step: what `readyAfter` of this host needs. */
    public readonly base!: command.remote.Command;

    /**
     * The host with its base setup done, for the service's steps. (TypeScript only: a getter, not a field, so a
     * component package does not publish it, SSH private key included, as an output; see GluuNode.host.)
     */
    public get host(): HostArgs {
        return serviceHosts.get(this)!;
    }

    constructor(name: string, args: ServiceHostArgs, opts?: pulumi.ComponentResourceOptions) {
        super("gluu:index:ServiceHost", name, {}, opts);
        if (opts?.urn) {
            return;
        }
        const problems = validateServiceHostArgs(name, args);
        if (problems.length > 0) {
            throw new ArgsError(`ServiceHost \`${name}\``, problems);
        }
        const machine = provisionMachine(name, args, this, "s-1vcpu-2gb");
        this.droplet = machine.droplet;
        this.publicIp = machine.publicIp;
        this.privateIp = machine.privateIp;
        this.hostKey = machine.hostKey;
        this.base = machine.base;
        serviceHosts.set(this, { ...machine.bare, readyAfter: [machine.base] });
        this.registerOutputs({ publicIp: this.publicIp, privateIp: this.privateIp, hostKey: this.hostKey });
    }
}
