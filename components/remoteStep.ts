// The only place that builds remote.Command: every component's remote work goes through here, so the
// secure defaults cannot be forgotten.

import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { HostArgs, connectionOf } from "./host";
import { heredoc } from "./render/shell";

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
 * What the SSH session runs for a rendered script. sshd hands the command to the login user's shell (`$SHELL -c`),
 * which may be sh, dash or zsh rather than bash; the scripts need bash (arrays, `pipefail`). So the script goes to
 * bash — through password-less sudo for a non-root user — as a quoted here-document: any POSIX login shell passes
 * it on byte for byte, with no quoting of its own (fish is not a POSIX shell and is not supported). stdin stays the
 * step's stdin.
 */
export function loginShellCommand(user: string, body: string): string {
    const bash = user === "root" ? "bash" : "sudo -n -- bash";
    return `# gluu-cluster step: the script below runs under bash whatever the login shell is\n${heredoc(`${bash} -c "$(cat`, body)}\n)"\n`;
}

/** The rendered script inside a `loginShellCommand` text (what the plan shows and shellcheck reads); other text as is. */
export function stepScript(command: string): string {
    const m = /^# gluu-cluster step: [^\n]*\n(?:sudo -n -- )?bash -c "\$\(cat <<'([A-Z0-9_]+)'\n([\s\S]*)\n\1\n\)"\n$/.exec(command);
    return m ? m[2] + "\n" : command;
}

function asLoginUser(host: HostArgs, text: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.all([host.ssh.user ?? "root", text]).apply(([user, body]) => loginShellCommand(user, body));
}
