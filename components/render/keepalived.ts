// keepalived for the `nginx-pair` load balancer: two NGINX hosts hold one virtual IP (VRRP), the hostname points
// at it, and whichever host serves gets it.
//
// Choices, each from keepalived 2.2.7's source (acassen/keepalived@v2.2.7, Debian 12's package 1:2.2.7-1):
// - VRRP version 2 (keepalived's default), because version 3 has no authentication at all: keepalived drops
//   `authentication` with "VRRP version 3 does not support authentication. Ignoring." (keepalived/vrrp/vrrp.c
//   line 2929).
// - Unicast peers (`unicast_src_ip` + `unicast_peer`): no multicast needed on the hosts' network, and with
//   `check_unicast_src` an advert whose source is not the peer is dropped (vrrp.c line 1104: "check a unicast
//   source address is in the unicast_peer list").
// - `authentication { auth_type PASS }` with a random 8-character password: PASS carries the password in clear
//   in every advert and is truncated to 8 characters ("Truncating auth_pass to %zu characters",
//   keepalived/vrrp/vrrp_parser.c vrrp_auth_pass_handler; `uint8_t auth_data[8]`, keepalived/include/vrrp.h
//   line 381), and RFC 3768 removed authentication from VRRP because it protects against nothing on the
//   segment. It is kept as a guard against a second, misconfigured pair on the same segment and VRID, not as
//   security: an attacker on the segment can answer ARP for the VIP without VRRP at all. AH (`auth_type AH`) is
//   keepalived's own IPsec-AH variant with the same 8-byte key and also gone from the RFCs; not used.
//   The password is a secret anyway: it reaches the host on stdin, and keepalived.conf is 0600.
// - A `vrrp_script` health check of nginx itself (a TLS request to the local 443 must get an HTTP answer) with no
//   `weight`: a failing script puts the instance in FAULT, which gives up the VIP at once (a master leaving
//   sends a priority-0 advert), instead of only lowering its priority.
// - Both hosts start as BACKUP with different priorities and `nopreempt`: the first host that comes up takes the
//   VIP, and a host that comes back (or recovers from FAULT) does not take it back from a healthy peer — every
//   move costs the clients a few seconds. keepalived clears `nopreempt` for `state MASTER` ("nopreempt will not
//   work with initial state MASTER - clearing", vrrp.c line 3111), hence BACKUP on both.
// - `advert_int 1` (VRRPv2 takes whole seconds): a master that vanishes is replaced after the master-down
//   interval, 3 × 1 s + skew ((256 − priority) / 256 s), about 3.6 s; a master whose nginx fails leaves within
//   `fall` × `interval` = 2 s and the peer takes over at once.

import { APT_FUNCTIONS, PUT_FILE_FUNCTION, SERVICE_FUNCTIONS, assertToken, heredoc, script, shq } from "./shell";

/** Where keepalived's files live on each load-balancer host. */
export const KEEPALIVED_PATHS = Object.freeze({
    conf: "/etc/keepalived/keepalived.conf",
    check: "/usr/local/sbin/gluu-lb-vrrp-check",
    /** The state the notify script records (`MASTER`, `BACKUP`, `FAULT`, `STOP`), for health and the tests. */
    state: "/run/gluu-lb-vrrp.state",
    notify: "/usr/local/sbin/gluu-lb-vrrp-notify",
});

/** The placeholder the install script replaces by the VRRP password read from stdin. */
export const AUTH_PASS_PLACEHOLDER = "@GLUU_VRRP_AUTH_PASS@";
/** The placeholder the install script replaces by the interface that holds the host's own address. */
export const INTERFACE_PLACEHOLDER = "@GLUU_VRRP_INTERFACE@";

/** A DNS host name (labels of letters, digits and inner hyphens): never option-like, never needs quoting. */
export function assertDnsName(field: string, value: string): string {
    if (typeof value !== "string" || !/^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(value)) {
        throw new Error(`\`${field}\` must be a DNS host name such as idp.example.org, got ${JSON.stringify(value)}`);
    }
    return value;
}

const IPV4 = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Options of `keepalivedConf`. */
export interface KeepalivedConfOptions {
    /** This host's name (`router_id`, a comment). */
    hostName: string;
    /** This host's own address on the shared network (`unicast_src_ip`; also how the interface is found). */
    ownAddress: string;
    /** The other load-balancer host's address on that network (`unicast_peer`). */
    peerAddress: string;
    /** The virtual IP with the network's prefix length, e.g. `10.10.0.30/24`. */
    virtualIp: string;
    /** VRRP priority, 1–254; the pair's first host gets the higher one. */
    priority: number;
    /** VRRP virtual router id, 1–255: unique among VRRP groups on the segment. */
    virtualRouterId: number;
    /** Seconds between adverts (VRRPv2: whole seconds). Defaults to `1`. */
    advertIntSeconds?: number;
    /** Seconds between nginx checks. Defaults to `1`. */
    checkIntervalSeconds?: number;
    /** Failed checks in a row before FAULT. Defaults to `2`. */
    checkFall?: number;
}

function int(field: string, v: number, min: number, max: number): number {
    if (!Number.isInteger(v) || v < min || v > max) {
        throw new Error(`\`${field}\` must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
    }
    return v;
}

/** Split `a.b.c.d/n`; throws unless it is an IPv4 CIDR with a host part. */
export function parseVirtualIp(v: string): { address: string; prefix: number } {
    const m = /^([^/]+)\/(\d{1,2})$/.exec(v);
    if (!m || !IPV4.test(m[1]) || Number(m[2]) < 8 || Number(m[2]) > 30) {
        throw new Error(`\`virtualIp\` must be an IPv4 address with its network's prefix length (/8–/30), e.g. \`10.10.0.30/24\`, got ${JSON.stringify(v)}`);
    }
    return { address: m[1], prefix: Number(m[2]) };
}

/**
 * keepalived.conf for one host of the pair. The password and the interface are placeholders that the install
 * script fills in on the host (the password comes on stdin; the interface is the one holding `ownAddress`).
 */
export function keepalivedConf(o: KeepalivedConfOptions): string {
    const host = assertToken("`hostName`", o.hostName);
    for (const [f, a] of [["ownAddress", o.ownAddress], ["peerAddress", o.peerAddress]] as const) {
        if (!IPV4.test(a)) throw new Error(`\`${f}\` must be an IPv4 address (VRRP unicast peers are addresses), got ${JSON.stringify(a)}`);
    }
    if (o.ownAddress === o.peerAddress) throw new Error("`ownAddress` and `peerAddress` must differ");
    const vip = parseVirtualIp(o.virtualIp);
    const priority = int("priority", o.priority, 1, 254);
    const vrid = int("virtualRouterId", o.virtualRouterId, 1, 255);
    const advert = int("advertIntSeconds", o.advertIntSeconds ?? 1, 1, 255);
    const interval = int("checkIntervalSeconds", o.checkIntervalSeconds ?? 1, 1, 60);
    const fall = int("checkFall", o.checkFall ?? 2, 1, 10);
    return [
        `# keepalived for the Gluu load-balancer pair (managed by gluu-cluster; edits here are overwritten)`,
        `global_defs {`,
        `    router_id ${host}`,
        `    # Scripts run as root, and only if no one else can write them.`,
        `    enable_script_security`,
        `    script_user root`,
        `}`,
        ``,
        `# nginx itself must answer TLS on this host; no weight: a failure means FAULT, which gives the VIP away.`,
        `vrrp_script gluu_nginx {`,
        `    script "${KEEPALIVED_PATHS.check}"`,
        `    interval ${interval}`,
        `    timeout ${interval + 1}`,
        `    fall ${fall}`,
        `    rise 2`,
        `}`,
        ``,
        `vrrp_instance gluu_lb {`,
        `    # Both hosts start BACKUP: nopreempt only works so, and a healthy master keeps the VIP.`,
        `    state BACKUP`,
        `    nopreempt`,
        `    interface ${INTERFACE_PLACEHOLDER}`,
        `    virtual_router_id ${vrid}`,
        `    priority ${priority}`,
        `    advert_int ${advert}`,
        `    unicast_src_ip ${o.ownAddress}`,
        `    unicast_peer {`,
        `        ${o.peerAddress}`,
        `    }`,
        `    # Adverts from any other source are dropped.`,
        `    check_unicast_src`,
        `    authentication {`,
        `        auth_type PASS`,
        `        auth_pass ${AUTH_PASS_PLACEHOLDER}`,
        `    }`,
        `    virtual_ipaddress {`,
        `        ${vip.address}/${vip.prefix} dev ${INTERFACE_PLACEHOLDER}`,
        `    }`,
        `    track_script {`,
        `        gluu_nginx`,
        `    }`,
        `    # Tell the segment at once, and again, that the VIP moved.`,
        `    garp_master_delay 1`,
        `    garp_master_repeat 3`,
        `    notify ${KEEPALIVED_PATHS.notify}`,
        `}`,
        ``,
    ].join("\n");
}

/** The vrrp_script: nginx on this host answers a TLS request on 443 with any HTTP status within 1 s. */
export function vrrpCheckScript(httpsPort = 443): string {
    int("httpsPort", httpsPort, 1, 65535);
    return [
        `#!/bin/sh`,
        `# gluu-lb-vrrp-check: keepalived's health check of nginx on this host (exit 0 = serving).`,
        `# Any HTTP status counts: the nodes behind nginx are gluu-lb-check's business, not the VIP's.`,
        `code=$(curl -sk -o /dev/null -w '%{http_code}' --max-time 1 https://127.0.0.1:${httpsPort}/ 2>/dev/null) || code=000`,
        `[ "$code" != 000 ]`,
        ``,
    ].join("\n");
}

/** keepalived's notify script: records the instance's state (`$3`) for the health output and the tests. */
export function vrrpNotifyScript(): string {
    return [
        `#!/bin/sh`,
        `# gluu-lb-vrrp-notify TYPE NAME STATE PRIORITY: keepalived calls it on every state change.`,
        `echo "$3" > ${KEEPALIVED_PATHS.state}.tmp && mv -f ${KEEPALIVED_PATHS.state}.tmp ${KEEPALIVED_PATHS.state}`,
        ``,
    ].join("\n");
}

/** Options of `keepalivedInstallScript`. */
export interface KeepalivedInstallOptions {
    /** `keepalivedConf`'s text (with its placeholders). */
    confText: string;
    /** This host's own address (finds the interface). */
    ownAddress: string;
    /** The nginx check's HTTPS port. Defaults to `443`. */
    httpsPort?: number;
}

/**
 * Install keepalived on one load-balancer host: packages, the check and notify scripts, keepalived.conf with the
 * password from stdin and the interface that holds `ownAddress`, checked by `keepalived --config-test` before it
 * replaces the old one; then reload (SIGHUP: VRRP state is kept) or start. Idempotent: a second run changes
 * nothing and reloads nothing. Prints `changed <path>` per file written and `reloaded keepalived` /
 * `started keepalived`.
 *
 * stdin: the VRRP password (8 letters or digits), nothing else.
 */
export function keepalivedInstallScript(o: KeepalivedInstallOptions): string {
    if (!o.confText.includes(AUTH_PASS_PLACEHOLDER) || !o.confText.includes(INTERFACE_PLACEHOLDER) || !/^vrrp_instance /m.test(o.confText)) {
        throw new Error("`confText` must be keepalivedConf's text");
    }
    if (!IPV4.test(o.ownAddress)) throw new Error(`\`ownAddress\` must be an IPv4 address, got ${JSON.stringify(o.ownAddress)}`);
    const conf = KEEPALIVED_PATHS.conf;
    return script(
        `Install keepalived for the load-balancer pair (stdin: VRRP password)`,
        APT_FUNCTIONS,
        SERVICE_FUNCTIONS,
        PUT_FILE_FUNCTION,
        [
            `own_address=${shq(o.ownAddress)}`,
            `stage=$(mktemp -d)`,
            `cleanup_paths+=("$stage")`,
            `chmod 0700 "$stage"`,
            `# The password first, before any command could read stdin; it never reaches argv or the environment.`,
            `IFS= read -r auth_pass || true`,
            `if ! [[ "$auth_pass" =~ ^[A-Za-z0-9]{1,8}$ ]]; then echo "stdin must be the VRRP password: 1-8 letters or digits" >&2; exit 1; fi`,
            heredoc(`cat > "$stage/template.conf"`, o.confText),
            heredoc(`cat > "$stage/check"`, vrrpCheckScript(o.httpsPort ?? 443)),
            heredoc(`cat > "$stage/notify"`, vrrpNotifyScript()),
        ].join("\n"),
        `apt_install keepalived curl iproute2`,
        [
            `# The interface that holds this host's own address carries the VIP too.`,
            `iface=$(ip -o -4 addr show | awk -v a="$own_address" '{ split($4, p, "/"); if (p[1] == a) { print $2; exit } }')`,
            `if [ -z "$iface" ]; then echo "no interface on this host holds $own_address (the address given for it)" >&2; exit 1; fi`,
            `template=$(cat "$stage/template.conf")`,
            `conf_text=\${template//${INTERFACE_PLACEHOLDER}/$iface}`,
            `conf_text=\${conf_text//${AUTH_PASS_PLACEHOLDER}/$auth_pass}`,
            `(umask 077; printf '%s\\n' "$conf_text" > "$stage/keepalived.conf")`,
        ].join("\n"),
        [
            `changed=0`,
            `for f in check:${KEEPALIVED_PATHS.check} notify:${KEEPALIVED_PATHS.notify}; do`,
            `  out=$(put_file "\${f#*:}" 0755 root:root < "$stage/\${f%%:*}")`,
            `  if [ -n "$out" ]; then echo "$out"; changed=1; fi`,
            `done`,
            `install -d -m 0755 "$(dirname ${shq(conf)})"`,
            `if ! { [ -f ${shq(conf)} ] && cmp -s "$stage/keepalived.conf" ${shq(conf)}; }; then`,
            `  # The new configuration must parse before it replaces a working one.`,
            `  if ! test_out=$(keepalived --config-test -f "$stage/keepalived.conf" 2>&1); then`,
            `    echo "keepalived refuses the new configuration; the old one stays:" >&2`,
            `    printf '%s\\n' "$test_out" | grep -v auth_pass >&2`,
            `    exit 1`,
            `  fi`,
            `  put_file ${shq(conf)} 0600 root:root < "$stage/keepalived.conf"`,
            `  changed=1`,
            `fi`,
        ].join("\n"),
        [
            `svc_enable keepalived`,
            `kpid=$(cat /run/keepalived.pid 2>/dev/null || true)`,
            `if [ -n "$kpid" ] && kill -0 "$kpid" 2>/dev/null; then`,
            `  # SIGHUP re-reads the configuration and keeps the VRRP state (the VIP does not move).`,
            `  if [ "$changed" = 1 ]; then kill -HUP "$kpid"; echo "reloaded keepalived"; fi`,
            `else`,
            `  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then`,
            `    systemctl start keepalived`,
            `  else`,
            `    keepalived -f ${shq(conf)} -p /run/keepalived.pid </dev/null >/dev/null 2>&1`,
            `  fi`,
            `  for _ in $(seq 1 50); do [ -s /run/keepalived.pid ] && break; sleep 0.1; done`,
            `  if ! [ -s /run/keepalived.pid ]; then echo "keepalived did not start" >&2; exit 1; fi`,
            `  echo "started keepalived"`,
            `fi`,
        ].join("\n"),
    );
}

/** Options of `peerServesScript`. */
export interface PeerServesOptions {
    /** The LB FQDN (SNI/Host). */
    serverName: string;
    /** The peer's address. */
    peerAddress: string;
    /** What the peer was just given (a digest): in the text so a new configuration re-runs this step. */
    revision: string;
    /** Seconds to wait for the peer. Defaults to `120`. */
    timeoutSeconds?: number;
}

/**
 * Run on the second host before its configuration changes: the first host, which got the new configuration a
 * moment ago, must answer HTTPS (any HTTP status) — otherwise the second host keeps its old, working setup and
 * the change stops here, so the pair never serves a broken configuration on both hosts. Read-only.
 * stdin: none.
 */
export function peerServesScript(o: PeerServesOptions): string {
    const host = assertDnsName("serverName", o.serverName);
    if (!IPV4.test(o.peerAddress)) throw new Error(`\`peerAddress\` must be an IPv4 address, got ${JSON.stringify(o.peerAddress)}`);
    const revision = assertToken("`revision`", o.revision);
    const timeout = int("timeoutSeconds", o.timeoutSeconds ?? 120, 1, 3600);
    return script(
        `The peer load balancer ${o.peerAddress} serves its new configuration (revision ${revision}) before this host gets it`,
        APT_FUNCTIONS,
        `apt_install curl`,
        [
            `deadline=$(( $(date +%s) + ${timeout} ))`,
            `while :; do`,
            `  code=$(curl -sk -o /dev/null -w '%{http_code}' --max-time 5 --resolve ${shq(`${host}:443:${o.peerAddress}`)} ${shq(`https://${host}/`)} 2>/dev/null) || code=000`,
            `  if [ "$code" != 000 ]; then echo "peer ${o.peerAddress} answers ($code)"; exit 0; fi`,
            `  if [ "$(date +%s)" -ge "$deadline" ]; then`,
            `    echo "the peer load balancer ${o.peerAddress} does not answer HTTPS after its change: this host keeps its configuration" >&2`,
            `    exit 1`,
            `  fi`,
            `  sleep 2`,
            `done`,
        ].join("\n"),
    );
}
