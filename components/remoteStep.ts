// The only place that builds remote.Command: every component's remote work goes through here, so the
// secure defaults cannot be forgotten.

import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { HostArgs, connectionOf } from "./host";
import { shq } from "./render/shell";

export interface RemoteStepArgs {
    /** The host the step runs on. */
    host: HostArgs;
    /** Script run on create and on every update of an input (a rendered bash script). */
    create: pulumi.Input<string>;
    /** Script run when the step is deleted (or replaced): undoes `create` where that makes sense. */
    delete?: pulumi.Input<string>;
    /**
     * Secret data for the script, sent on stdin. Its presence makes the step secret-bearing: logging off,
     * stdout/stderr secret, no previous output in the environment.
     */
    secretStdin?: pulumi.Input<string>;
    /** The step prints secret data (e.g. exports a keystore) although it reads none. */
    secretOutput?: boolean;
    /**
     * Steps or resources this one must wait for (besides the host's `readyAfter`). Required, so that every
     * step states its edges; empty only for the first step on an existing host, which has nothing before it.
     */
    dependsOn: pulumi.Resource[];
    /** Values whose change must replace (re-create) the step, e.g. the identity of a replaced peer. */
    triggers?: pulumi.Input<any>[];
    /** Parent component. */
    parent: pulumi.Resource;
}

/** The host each remote step runs on, for tools that lay steps out per host (the offline plan). */
export const remoteStepHosts = new WeakMap<pulumi.Resource, string>();

/** Create a remote step with the library's secure defaults. */
export function remoteStep(name: string, args: RemoteStepArgs): command.remote.Command {
    const secret = args.secretStdin !== undefined || args.secretOutput === true;
    const dependsOn = [...(args.host.readyAfter ?? []), ...args.dependsOn];
    const step = new command.remote.Command(
        name,
        {
            connection: connectionOf(args.host.ssh),
            create: asLoginUser(args.host, args.create),
            delete: args.delete === undefined ? undefined : asLoginUser(args.host, args.delete),
            stdin: args.secretStdin === undefined ? undefined : pulumi.secret(args.secretStdin),
            triggers: args.triggers,
            // Previous output in the environment needs AcceptEnv on the host and can carry secrets around.
            addPreviousOutputInEnv: false,
            logging: secret ? "none" : "stdoutAndStderr",
        },
        {
            parent: args.parent,
            dependsOn,
            additionalSecretOutputs: secret ? ["stdout", "stderr"] : undefined,
            // A delete script undoes create: the old one must run before the new create, not after it.
            deleteBeforeReplace: args.delete !== undefined,
        },
    );
    remoteStepHosts.set(step, args.host.name);
    return step;
}

/**
 * Scripts need root. A non-root login user runs them through password-less sudo; for root the text stays
 * exactly the rendered script, which is what the plan shows and the live tests run.
 */
function asLoginUser(host: HostArgs, text: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi
        .all([host.ssh.user ?? "root", text])
        .apply(([user, body]) => (user === "root" ? body : `sudo -n -- bash -c ${shq(body)}`));
}
