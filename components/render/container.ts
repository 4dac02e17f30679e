// Running a script inside the Gluu container, the one way each packaging allows.
//
// The inner script is written under the container root as a 0700 file (no secrets in it: secrets reach it
// on stdin, which chroot and ssh both forward), run, and removed by the step's cleanup trap.

import { GluuVersionProfile } from "../profiles";
import { heredoc, shq } from "./shell";

/**
 * Host-side shell text that runs `innerScript` inside the container of `profile`, forwarding the step's
 * stdin to it. Requires the step header from `script()` (it registers the file for cleanup).
 */
export function inContainer(profile: GluuVersionProfile, innerScript: string): string {
    const root = shq(profile.containerRoot);
    const lines = [
        `gluu_root=${root}`,
        `if [ ! -d "$gluu_root/root" ]; then echo "Gluu container root $gluu_root is missing: is the Gluu package installed?" >&2; exit 1; fi`,
        `# Leftovers of a step that was killed half-way (the trap could not run) are removed first.`,
        `find "$gluu_root/root" -maxdepth 1 -name '.gluu-step.*' -mmin +60 -delete 2>/dev/null || true`,
        `inner=$(mktemp -p "$gluu_root/root" .gluu-step.XXXXXX)`,
        `cleanup_paths+=("$inner")`,
        `chmod 0700 "$inner"`,
        heredoc(`cat > "$inner"`, innerScript),
    ];
    if (profile.containerExec === "chroot") {
        lines.push(`chroot "$gluu_root" /bin/bash "/root/$(basename "$inner")"`);
    } else {
        // The container's sshd is reached on localhost with the console key; its host key is pinned from
        // the container's own key files instead of switching host-key checking off as Gluu's login does.
        lines.push(
            `known_hosts=$(mktemp)`,
            `cleanup_paths+=("$known_hosts")`,
            `for pub in "$gluu_root"/etc/ssh/ssh_host_*_key.pub; do`,
            `  [ -f "$pub" ] && printf '[localhost]:%s %s\\n' ${profile.consolePort} "$(cut -d' ' -f1,2 "$pub")" >> "$known_hosts"`,
            `done`,
            `# -F /dev/null, IdentitiesOnly, no global known hosts: no ssh config, agent or known_hosts file of the`,
            `# host can change which key is offered or how the container's key is checked.`,
            `ssh -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -o IdentityFile=${shq(profile.consoleKey)} -o Port=${profile.consolePort} \\`,
            `  -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$known_hosts" -o GlobalKnownHostsFile=/dev/null -o LogLevel=ERROR \\`,
            `  root@localhost /bin/bash "/root/$(basename "$inner")"`,
        );
    }
    return lines.join("\n");
}

/** Shell text that controls a service inside the container (used inside an `inContainer` script). */
export function containerService(profile: GluuVersionProfile, service: string, action: string): string {
    // Plain names only: a leading "-" would be an option to systemctl or service.
    for (const [field, v] of [["service", service], ["action", action]]) {
        if (!/^[a-z0-9][a-z0-9@._-]*$/.test(v)) {
            throw new Error(`\`${field}\` must be a service name or action like \`oxauth\` / \`restart\`, got ${JSON.stringify(v)}`);
        }
    }
    return profile.serviceControl === "systemctl"
        ? `systemctl ${shq(action)} ${shq(service)}`
        : `service ${shq(service)} ${shq(action)}`;
}

/** Host-side shell text that makes sure the container is running (idempotent). */
export function startContainer(profile: GluuVersionProfile): string {
    const svc = shq(profile.containerService);
    const serverd = shq(profile.serverdScript);
    return [
        `# Start the Gluu container: nspawn packagings have ${profile.serverdScript}, the chroot one an init script.`,
        `if [ -x ${serverd} ]; then`,
        `  ${serverd} status >/dev/null 2>&1 || { ${serverd} enable >/dev/null 2>&1 || true; ${serverd} start; }`,
        `elif [ -x /etc/init.d/${profile.containerService} ]; then`,
        `  /etc/init.d/${profile.containerService} status >/dev/null 2>&1 || /etc/init.d/${profile.containerService} start`,
        `else`,
        `  echo "No start script for the Gluu container (${profile.serverdScript} or /etc/init.d/${profile.containerService})" >&2; exit 1`,
        `fi`,
        profile.containerExec === "ssh"
            ? [
                  `# Wait for the container's sshd instead of sleeping a fixed time.`,
                  `for _ in $(seq 1 60); do`,
                  `  (exec 3<>/dev/tcp/127.0.0.1/${profile.consolePort}) 2>/dev/null && break`,
                  `  sleep 2`,
                  `done`,
              ].join("\n")
            : `: "${svc} uses chroot: nothing to wait for"`,
    ].join("\n");
}
