// `gluu-health`: what is up on one host, as one line of JSON. Installed on every node (and run by the `health`
// step after each change) so that an operator of existing hosts can ask again any time:
//   ssh root@<node> gluu-health
// Read-only apart from installing itself; needs no secret (the cache tunnel is judged by Redis's own answer to
// an unauthenticated PING: `-NOAUTH …` or `+PONG` both prove the tunnel reaches Redis).

import { assertDnsName } from "./keepalived";
import { APT_FUNCTIONS, PUT_FILE_FUNCTION, heredoc, script, shq } from "./shell";

export const HEALTH_BIN = "/usr/local/sbin/gluu-health";

/** Options of `healthProbeText`. */
export interface HealthProbeOptions {
    /** The cluster's FQDN (SNI/Host of every HTTPS probe). */
    serverName: string;
    /** Where the HTTPS probes go: `127.0.0.1` on a node, the load balancer's address from elsewhere. */
    address?: string;
    /** Paths probed over HTTPS; a status below 400 counts as up. */
    paths: string[];
    /** The local cache tunnel port to PING, if any (a node's `localhost:16379`). */
    cachePort?: number;
    /** Seconds per probe. Defaults to `5`. */
    timeoutSeconds?: number;
}

const URL_PATH = /^\/[A-Za-z0-9._~\/-]*$/;

/**
 * The probe program's text: prints `{"<path>":{"status":"200","up":true},…,"cache":{"reply":"-NOAUTH","up":true}}`
 * and exits 0 when everything is up, 1 otherwise (the JSON is printed either way).
 */
export function healthProbeText(o: HealthProbeOptions): string {
    const host = assertDnsName("serverName", o.serverName);
    const address = assertDnsName("address", o.address ?? "127.0.0.1");
    o.paths.forEach((p, i) => {
        if (!URL_PATH.test(p)) throw new Error(`\`paths[${i}]\` must be a URL path, got ${JSON.stringify(p)}`);
    });
    const t = o.timeoutSeconds ?? 5;
    if (!Number.isInteger(t) || t < 1 || t > 60) throw new Error(`\`timeoutSeconds\` must be an integer 1–60, got ${t}`);
    if (o.cachePort !== undefined && (!Number.isInteger(o.cachePort) || o.cachePort < 1 || o.cachePort > 65535)) throw new Error(`\`cachePort\` must be a port, got ${o.cachePort}`);
    return [
        `#!/usr/bin/env bash`,
        `# gluu-health: what is up on this host, one line of JSON (managed by gluu-cluster). Exit 0 = all up.`,
        `set -uo pipefail`,
        `all_up=1`,
        `out=""`,
        `add() { out="\${out:+$out,}\\"$1\\":$2"; }`,
        `for p in ${o.paths.map(shq).join(" ")}; do`,
        `  code=$(curl -sk -o /dev/null -w '%{http_code}' --max-time ${t} --resolve ${shq(`${host}:443:${address}`)} "https://${host}$p" 2>/dev/null) || code=000`,
        `  if [ "$code" != 000 ] && [ "$code" -lt 400 ]; then up=true; else up=false; all_up=0; fi`,
        `  add "$p" "{\\"status\\":\\"$code\\",\\"up\\":$up}"`,
        `done`,
        ...(o.cachePort === undefined
            ? []
            : [
                  `# The cache through this host's tunnel: Redis answers +PONG, or -NOAUTH without the password.`,
                  `cache_ping() {`,
                  `  local line=""`,
                  `  exec 3<>/dev/tcp/127.0.0.1/${o.cachePort} || return 1`,
                  `  printf 'PING\\r\\n' >&3`,
                  `  IFS= read -r -t ${t} line <&3 || true`,
                  `  exec 3<&-`,
                  `  printf '%s' "\${line%% *}"`,
                  `}`,
                  `reply=$(cache_ping 2>/dev/null) || reply=""`,
                  `reply=\${reply//[^A-Za-z+-]/}`,
                  `case "$reply" in +PONG|-NOAUTH) up=true ;; *) up=false; all_up=0 ;; esac`,
                  `add cache "{\\"reply\\":\\"\${reply:-none}\\",\\"up\\":$up}"`,
              ]),
        `echo "{$out}"`,
        `[ "$all_up" = 1 ]`,
        ``,
    ].join("\n");
}

/** Options of `healthStepScript`. */
export interface HealthStepOptions extends HealthProbeOptions {
    /** Seconds to keep probing until everything is up (services take minutes after a restart). Defaults to `600`. */
    waitSeconds?: number;
}

/**
 * The `health` step: installs `gluu-health`, then runs it until everything is up or `waitSeconds` pass, and
 * prints its last JSON line (the step never fails on a probe: the output says what is down).
 * stdin: none.
 */
export function healthStepScript(o: HealthStepOptions): string {
    const wait = o.waitSeconds ?? 600;
    if (!Number.isInteger(wait) || wait < 0) throw new Error(`\`waitSeconds\` must be an integer ≥ 0, got ${wait}`);
    return script(
        `Install gluu-health and report what is up on this host`,
        APT_FUNCTIONS,
        PUT_FILE_FUNCTION,
        `apt_install curl`,
        [heredoc(`put_file ${HEALTH_BIN} 0755 root:root >/dev/null`, healthProbeText(o))].join("\n"),
        [
            `deadline=$(( $(date +%s) + ${wait} ))`,
            `while :; do`,
            `  if line=$(${HEALTH_BIN}); then break; fi`,
            `  if [ "$(date +%s)" -ge "$deadline" ]; then break; fi`,
            `  sleep 5`,
            `done`,
            `echo "$line"`,
        ].join("\n"),
    );
}

/** One host's probes as the `health` output holds them: `{ "<path>": "200", cache: "up" }`. */
export function parseHealthLine(stdout: string): Record<string, string> {
    const line = stdout.trim().split("\n").filter((l) => l.startsWith("{")).pop();
    if (!line) return {};
    try {
        const parsed = JSON.parse(line) as Record<string, { status?: string; reply?: string; up?: boolean }>;
        return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, v.up ? (v.status ?? "up") : `down (${v.status ?? v.reply ?? "no answer"})`]));
    } catch {
        return {};
    }
}
