// The retire step of a retained droplet: `retainDroplets` keeps a droplet (and its disk) in DigitalOcean when it
// leaves the stack, but a kept droplet must stop being a cluster member. It still carries the member tag (tags
// are only removed through the DigitalOcean API), so the member firewall still admits it; what makes it a
// member on the host is stopped and its cluster identity destroyed:
// - the Gluu container (OpenDJ, oxAuth, oxTrust), so it neither serves nor replicates;
// - the csync2 cron and listener, so it neither pushes nor accepts files;
// - every stunnel tunnel, and the tunnel private keys the cluster CA signed (Redis's own TLS key on a cache host),
//   so it can never again reach Redis or a peer's csync2 with the cluster's trust, nor pose as the cache (its
//   certificates' names are reused by a replacement host);
// - Redis and NGINX where this host ran them.
// The data (the Gluu container, /etc/certs, Redis's dump) stays on disk: that is what retaining is for.

import { SERVICE_FUNCTIONS, script } from "./shell";

/** Runs as the `delete` of the retire step, with the host's last connection (pulumi-command runs a delete with the
 * old state's inputs: pulumi/pulumi-command@v1.2.1:provider/pkg/provider/remote/commandController.go). */
export function retireScript(hostName: string): string {
    return script(
        `retire ${hostName}: it leaves the cluster but its droplet is kept (retainDroplets)`,
        SERVICE_FUNCTIONS,
        `stop_if_present() {
  # $1: a service name; quiet when the host never had it.
  if [ -x "/etc/init.d/$1" ] || { [ -d /run/systemd/system ] && systemctl cat "$1.service" >/dev/null 2>&1; }; then
    svc "$1" stop || true
    if [ -d /run/systemd/system ]; then systemctl disable "$1" >/dev/null 2>&1 || true; fi
    echo "stopped $1"
  fi
}`,
        `# The Gluu container: 3.1.6 (init.d) or 4.x (gluu-serverd).
for init in /etc/init.d/gluu-server*; do
  [ -x "$init" ] && "$init" stop && echo "stopped $init"
done
if [ -x /sbin/gluu-serverd ]; then /sbin/gluu-serverd stop || true; /sbin/gluu-serverd disable >/dev/null 2>&1 || true; echo "stopped gluu-serverd"; fi`,
        `# File sync: no more cron runs, no listener.
rm -f /etc/cron.d/gluu-csync2
if [ -d /run/systemd/system ] && systemctl cat csync2.socket >/dev/null 2>&1; then systemctl disable --now csync2.socket >/dev/null 2>&1 || true; fi
if [ -f /etc/inetd.conf ] && grep -q '^csync2' /etc/inetd.conf; then
  sed -i 's/^csync2/#retired# csync2/' /etc/inetd.conf
  svc openbsd-inetd restart || true
fi`,
        `# Tunnels: stop them and destroy the keys the cluster CA signed for this host.
if [ -d /run/systemd/system ]; then systemctl stop 'stunnel@*' >/dev/null 2>&1 || true; fi
stop_if_present stunnel4
rm -f /etc/stunnel/*.key
stop_if_present redis-server
rm -f /etc/redis/gluu-cluster-tls.key
stop_if_present nginx
echo "retired ${hostName}"`,
    );
}

/** The retire step's create: nothing to do until the host leaves; says what will happen then. */
export function retireArmedScript(hostName: string): string {
    return script(`retire step of ${hostName}: armed`, `echo "${hostName} will be retired (services stopped, tunnel keys removed) when it leaves the stack or its droplet is replaced"`);
}
