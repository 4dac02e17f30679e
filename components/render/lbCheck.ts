// The load balancer's active health checker (`gluu-lb-check`): nginx open source has passive checks only, and
// those cannot see a node that answers POSTs with 503 (nginx passes a non-idempotent request's 503 through and
// frees the peer as a success: ngx_http_upstream.c, ngx_http_upstream_test_next / ngx_http_upstream_finalize_request).
// POST-only clients (the token endpoint) then kept failing for as long as the node did (32.5 % of POSTs, issue 15).
//
// Design: a small bash daemon on the LB host probes every node each `intervalSeconds` with a GET of oxAuth's
// OpenID configuration (must be 200) and a POST to the token endpoint without credentials (oxAuth answers
// 400/401; a 5xx or no answer within `timeoutSeconds` means the node is broken). A failed round marks the node
// `down` in the upstream-servers include, `riseCount` good rounds bring it back; the file is swapped, `nginx -t`
// checks it and nginx is reloaded (graceful: old workers finish their requests). It never marks every node down
// (then the passive checks decide, as before). Chosen over the alternatives: `proxy_next_upstream non_idempotent`
// would send a POST twice; a cron job runs once a minute (the goal is out of rotation within 5 s); nginx Plus /
// third-party check modules are not in Debian's nginx. The same lock as the install script serialises writes.

import { NginxBackend, NGINX_DEFAULT_PATHS, nginxServersInclude } from "./nginx";
import { assertToken, shq } from "./shell";

/** Where the checker and its unit live on the load balancer. */
export const LB_CHECK_PATHS = Object.freeze({
    /** The daemon (this renderer's text), 0755 root. */
    bin: "/usr/local/sbin/gluu-lb-check",
    /** systemd unit (hosts with systemd). */
    unit: "/etc/systemd/system/gluu-lb-check.service",
    /** The daemon's own PID, written at start (hosts without systemd are managed by it). */
    pid: "/run/gluu-lb-check.pid",
    /** Log on hosts without systemd (journald otherwise). */
    log: "/var/log/gluu-lb-check.log",
    /** Lock shared with the install script around every write of the servers include and every reload. */
    lock: "/run/lock/gluu-lb.lock",
});

/** Options of `lbCheckScript`. */
export interface LbCheckOptions {
    /** The LB FQDN (= Gluu hostname): sent as SNI/Host and verified in each node's certificate. */
    serverName: string;
    /** The Gluu nodes (the same list as `nginxConf`'s). */
    backends: NginxBackend[];
    /** Must match `nginxConf`'s `maxFails`. Defaults to `2`. */
    maxFails?: number;
    /** Must match `nginxConf`'s `failTimeoutSeconds`. Defaults to `10`. */
    failTimeoutSeconds?: number;
    /** The include both upstreams read. Defaults to `/etc/nginx/gluu-lb/upstream-servers.conf`. */
    serversIncludePath?: string;
    /** CA of the nodes' certificates. Defaults to `/etc/nginx/ssl/gluu-backend-ca.crt`. */
    backendCaPath?: string;
    /** GET probe, must answer 200. Defaults to `/oxauth/.well-known/openid-configuration`. */
    getPath?: string;
    /** POST probe (empty body), must answer below 500. Defaults to `/oxauth/restv1/token`. */
    postPath?: string;
    /** Seconds between probe rounds. Defaults to `1`. */
    intervalSeconds?: number;
    /** Seconds one probe may take (curl `--max-time`). Defaults to `2`: a hung node is out within ≈ 3–4 s. */
    timeoutSeconds?: number;
    /** Good rounds in a row before a node marked down is put back. Defaults to `3`. */
    riseCount?: number;
    /** The nginx binary. Defaults to `nginx`. */
    nginxBin?: string;
}

const URL_PATH = /^\/[A-Za-z0-9._~\/-]*$/;

function int(field: string, v: number, min: number, max: number): number {
    if (!Number.isInteger(v) || v < min || v > max) {
        throw new Error(`\`${field}\` must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
    }
    return v;
}

/**
 * The checker daemon's text (bash; runs until killed). Prints one log line per state change on stderr.
 * stdin: none.
 */
export function lbCheckScript(o: LbCheckOptions): string {
    const up = nginxServersInclude({ backends: o.backends, maxFails: o.maxFails, failTimeoutSeconds: o.failTimeoutSeconds }).trimEnd().split("\n");
    const down = nginxServersInclude({ backends: o.backends, maxFails: o.maxFails, failTimeoutSeconds: o.failTimeoutSeconds, down: o.backends.map((b) => b.name) })
        .trimEnd()
        .split("\n");
    if (!/^[A-Za-z0-9.-]+$/.test(o.serverName)) {
        throw new Error(`\`serverName\` must be a DNS host name, got ${JSON.stringify(o.serverName)}`);
    }
    const getPath = o.getPath ?? "/oxauth/.well-known/openid-configuration";
    const postPath = o.postPath ?? "/oxauth/restv1/token";
    for (const [f, p] of [["getPath", getPath], ["postPath", postPath]]) {
        if (!URL_PATH.test(p)) throw new Error(`\`${f}\` must be a URL path, got ${JSON.stringify(p)}`);
    }
    const serversPath = o.serversIncludePath ?? NGINX_DEFAULT_PATHS.serversIncludePath;
    const caPath = o.backendCaPath ?? NGINX_DEFAULT_PATHS.backendCaPath;
    for (const [f, p] of [["serversIncludePath", serversPath], ["backendCaPath", caPath]]) {
        assertToken(`\`${f}\``, p);
        if (!p.startsWith("/")) throw new Error(`\`${f}\` must be an absolute path, got ${JSON.stringify(p)}`);
    }
    const interval = int("intervalSeconds", o.intervalSeconds ?? 1, 1, 60);
    const timeout = int("timeoutSeconds", o.timeoutSeconds ?? 2, 1, 60);
    const rise = int("riseCount", o.riseCount ?? 3, 1, 100);
    const nginxBin = o.nginxBin ?? "nginx";
    if (!/^(\/[A-Za-z0-9._\/-]+|[a-z][a-z0-9._-]*)$/.test(nginxBin)) {
        throw new Error(`\`nginxBin\` must be a command name or an absolute path, got ${JSON.stringify(nginxBin)}`);
    }
    // Parsed back from the rendered lines, so the checker and the install write byte-identical files.
    const nodes = up.slice(1).map((line) => {
        const m = /^server (\S+) .*# (\S+)$/.exec(line)!;
        const hp = m[1];
        const cut = hp.lastIndexOf(":");
        return { name: m[2], target: hp.slice(0, cut), port: hp.slice(cut + 1) };
    });
    const arr = (xs: string[]) => `(${xs.map(shq).join(" ")})`;
    return `#!/usr/bin/env bash
# gluu-lb-check: active health checks of the Gluu nodes behind ${o.serverName} (rendered by gluu-cluster).
# Every ${interval} s: GET ${getPath} must answer 200 and POST ${postPath} below 500, each within ${timeout} s.
# A failed round marks the node down in ${serversPath}; ${rise} good rounds put it back; nginx -t, then reload.
set -uo pipefail
host=${shq(o.serverName)}
servers_path=${shq(serversPath)}
ca_path=${shq(caPath)}
get_path=${shq(getPath)}
post_path=${shq(postPath)}
nginx_bin=${shq(nginxBin)}
lock_path=${shq(LB_CHECK_PATHS.lock)}
header=${shq(up[0])}
names=${arr(nodes.map((n) => n.name))}
targets=${arr(nodes.map((n) => n.target))}
ports=${arr(nodes.map((n) => n.port))}
up_lines=${arr(up.slice(1))}
down_lines=${arr(down.slice(1))}
echo "$$" > ${shq(LB_CHECK_PATHS.pid)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'exit 0' TERM INT
log() { printf '%s gluu-lb-check: %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }

# probe I: 0 when node I answers the GET with 200 and the POST below 500; prints what failed.
probe() {
  local i="$1" code
  local base="https://$host:\${ports[i]}"
  code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time ${timeout} --cacert "$ca_path" \\
    --resolve "$host:\${ports[i]}:\${targets[i]}" "$base$get_path" 2>/dev/null) || code=000
  if [ "$code" != 200 ]; then echo "GET $get_path $code"; return 1; fi
  code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time ${timeout} --cacert "$ca_path" -X POST --data-binary '' \\
    --resolve "$host:\${ports[i]}:\${targets[i]}" "$base$post_path" 2>/dev/null) || code=000
  case "$code" in 000|5??) echo "POST $post_path $code"; return 1 ;; esac
  return 0
}

# apply FILE: swap it in under the install's lock, keep it only if nginx -t passes, then reload.
apply() {
  local new="$1" rc=0
  exec 8>"$lock_path"
  flock -w 30 8 || { log "lock $lock_path busy; retrying next round"; exec 8>&-; return 1; }
  cp -p "$servers_path" "$work/previous" 2>/dev/null || : > "$work/previous"
  cat "$new" > "$servers_path.gluu-lb-check"
  mv "$servers_path.gluu-lb-check" "$servers_path"
  if ! "$nginx_bin" -t -q 2>"$work/test"; then
    cat "$work/previous" > "$servers_path"
    log "nginx -t refused the new server list, kept the previous one: $(tr '\\n' ' ' < "$work/test")"
    rc=1
  elif ! "$nginx_bin" -s reload 2>"$work/test"; then
    log "nginx reload failed: $(tr '\\n' ' ' < "$work/test")"
    rc=1
  fi
  exec 8>&-
  return "$rc"
}

declare -a is_down good pids
for i in "\${!names[@]}"; do
  good[i]=0
  if grep -qxF -- "\${down_lines[i]}" "$servers_path" 2>/dev/null; then is_down[i]=1; else is_down[i]=0; fi
done
log "started: \${#names[@]} nodes, every ${interval} s"
while :; do
  for i in "\${!names[@]}"; do
    probe "$i" > "$work/probe.$i" 2>&1 &
    pids[i]=$!
  done
  want=()
  for i in "\${!names[@]}"; do
    if wait "\${pids[i]}"; then
      good[i]=$(( good[i] + 1 ))
      if [ "\${is_down[i]}" = 1 ] && [ "\${good[i]}" -lt ${rise} ]; then want[i]=1; else want[i]=0; fi
    else
      good[i]=0
      want[i]=1
      [ "\${is_down[i]}" = 1 ] || log "\${names[i]} failed: $(cat "$work/probe.$i")"
    fi
  done
  # Never every node down: then no active verdict, nginx's passive checks decide.
  all_down=1
  for i in "\${!names[@]}"; do [ "\${want[i]}" = 1 ] || all_down=0; done
  if [ "$all_down" = 1 ]; then
    for i in "\${!names[@]}"; do want[i]=0; done
  fi
  { printf '%s\\n' "$header"
    for i in "\${!names[@]}"; do
      if [ "\${want[i]}" = 1 ]; then printf '%s\\n' "\${down_lines[i]}"; else printf '%s\\n' "\${up_lines[i]}"; fi
    done
  } > "$work/servers"
  if ! cmp -s "$work/servers" "$servers_path"; then
    if apply "$work/servers"; then
      for i in "\${!names[@]}"; do
        if [ "\${want[i]}" != "\${is_down[i]}" ]; then
          if [ "\${want[i]}" = 1 ]; then log "\${names[i]} marked down"; else log "\${names[i]} back in rotation"; fi
        fi
        is_down[i]=\${want[i]}
      done
    fi
  fi
  sleep ${interval}
done
`;
}

/** The systemd unit that runs the checker (restarted by systemd if it ever exits). */
export function lbCheckUnit(): string {
    return [
        "[Unit]",
        "Description=gluu-cluster: active health checks of the Gluu nodes for nginx",
        "After=nginx.service",
        "",
        "[Service]",
        `ExecStart=${LB_CHECK_PATHS.bin}`,
        "Restart=always",
        "RestartSec=2",
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
    ].join("\n");
}
