// Certificate distribution and service restarts: the primary's /etc/certs (with scim-rp.jks and
// passport-config.json) to every node, the shared certificates into each node's JRE trust store, then an
// oxAuth/oxTrust restart so that they load the new keys and the LDAP JSON.
//
// Why copy at all: `dsreplication initialize` gives every node the primary's LDAP, which references the
// primary's keys (oxAuth JWKS keystore, OpenDJ certificate), so the files must match it.
// Facts: ../../shared/reference/gluu-facts.md §0, §2 (step 10, keystore_Config.py) and cluster-mgr.md §2.7.

import { GluuVersionProfile } from "../profiles";
import { containerService, inContainer } from "./container";
import { assertHost, INSTALL_FILE_FUNCTION, WAIT_PORT_FUNCTION } from "./opendj";
import { script, shq } from "./shell";

/** Files outside /etc/certs that travel with the certificates (relative to the container root), if present. */
export const EXTRA_CERT_FILES: readonly string[] = [
    "install/community-edition-setup/output/scim-rp.jks",
    "etc/gluu/conf/passport-config.json",
];

/** Certificates that keystore_Config.py imports as `<lbHostname>_<suffix>` (including idp-signing). */
export const TRUSTSTORE_SUFFIXES: readonly string[] = [
    "httpd",
    "shibIDP",
    "idp-encryption",
    "idp-signing",
    "asimba",
    "openldap",
    "opendj",
];

/** Where the backup of a node's own /etc/certs goes the first time it is replaced (inside the container). */
export const CERTS_BACKUP_DIR = "/etc/certs.before-gluu-cluster";

/**
 * Print the primary's certificates as ONE line of base64 (gzip tar, members relative to the container root):
 * etc/certs/ plus scim-rp.jks and passport-config.json when present. Runs on the primary's HOST (files are
 * read under the container root). SECRET-BEARING: stdout holds private keys and keystores; treat the step's
 * output as a secret. Deterministic (sorted, fixed owner and mtime, gzip without timestamp).
 *
 * stdin: none.
 */
export function certsExportScript(profile: GluuVersionProfile): string {
    return script(
        `Export the primary's certificates (Gluu ${profile.version}); stdout is secret`,
        [
            `gluu_root=${shq(profile.containerRoot)}`,
            `if [ ! -d "$gluu_root/etc/certs" ]; then echo "$gluu_root/etc/certs is missing: is Gluu set up on this node?" >&2; exit 1; fi`,
            `cd "$gluu_root"`,
            `members=(etc/certs)`,
            `for f in ${EXTRA_CERT_FILES.map(shq).join(" ")}; do`,
            `  if [ -f "$f" ]; then members+=("$f"); fi`,
            `done`,
            // A failed step's error carries its whole stdout and stderr, whatever \`logging\` says
            // (pulumi/pulumi-command@v1.2.1:provider/pkg/provider/remote/commandOutputs.go, \`running %q:\\n%s\`):
            // the archive is built in a private file first and printed by the very last command, so no failure
            // can follow the secret output.
            `out_dir=$(mktemp -d)`,
            `cleanup_paths+=("$out_dir")`,
            `tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf - -- "\${members[@]}" | gzip -n > "$out_dir/certs.tgz"`,
            `base64 -w0 "$out_dir/certs.tgz"`,
        ].join("\n"),
    );
}

/**
 * Install the primary's certificates on a node (inside its container). Stdin is the base64 archive from
 * `certsExportScript`; only etc/certs/…, scim-rp.jks and passport-config.json, as regular files, are accepted.
 * Before the first change the node's own /etc/certs is copied once to CERTS_BACKUP_DIR. Each file is written
 * only when content, mode or owner differ (idempotent, "changed <path>" per file): mode as on the primary;
 * owner `jetty:jetty` for oxauth-keys.*, `<existing owner or root>:gluu` for other /etc/certs files (the
 * docs' `chown .gluu *`), and the node's existing owner and mode for the two extra files. Files the archive
 * does not hold are left alone. Restart oxAuth/oxTrust afterwards (`restartGluuServicesScript`).
 *
 * stdin: the single base64 line printed by `certsExportScript` (secret).
 */
export function certsImportScript(profile: GluuVersionProfile): string {
    const extraCases = EXTRA_CERT_FILES.join("|");
    const inner = script(
        `Inside the Gluu ${profile.version} container: install the primary's certificates`,
        INSTALL_FILE_FUNCTION,
        [
            `getent passwd jetty >/dev/null || { echo "the container has no user jetty: is Gluu set up on this node?" >&2; exit 1; }`,
            `getent group gluu >/dev/null || { echo "the container has no group gluu: is Gluu set up on this node?" >&2; exit 1; }`,
            `work=$(mktemp -d /root/.gluu-certs.XXXXXX)`,
            `cleanup_paths+=("$work")`,
            `chmod 0700 "$work"`,
            `if ! base64 -d > "$work/certs.tgz" || ! tar -tzf "$work/certs.tgz" > "$work/list"; then`,
            `  echo "stdin is not the base64 certificate archive from the primary" >&2`,
            `  exit 1`,
            `fi`,
            `# Accept only the expected paths: plain characters, no .. components, nothing outside the list.`,
            `while IFS= read -r name; do`,
            `  case "/$name/" in */../*|*/./*|*[!A-Za-z0-9._/@+-]*) echo "unsafe path in the certificate archive: $name" >&2; exit 1 ;; esac`,
            `  case "$name" in`,
            `    etc/certs|etc/certs/|etc/certs/*|${extraCases}) ;;`,
            `    *) echo "unexpected path in the certificate archive: $name" >&2; exit 1 ;;`,
            `  esac`,
            `done < "$work/list"`,
            `mkdir "$work/x"`,
            `tar -xzf "$work/certs.tgz" -C "$work/x" --no-same-owner`,
            `if find "$work/x" -mindepth 1 ! -type f ! -type d | grep -q .; then`,
            `  echo "the certificate archive holds links or special files: refusing it" >&2`,
            `  exit 1`,
            `fi`,
            `if [ ! -d "$work/x/etc/certs" ]; then echo "the certificate archive has no etc/certs" >&2; exit 1; fi`,
            `# Work out mode and owner per file; back up the node's own certificates before the first change.`,
            `plan="$work/plan"`,
            `: > "$plan"`,
            `differs=0`,
            `while IFS= read -r -d '' src; do`,
            `  rel=\${src#"$work/x/"}`,
            `  dst="/$rel"`,
            `  mode=$(stat -c %a "$src")`,
            `  case "$rel" in`,
            `    etc/certs/oxauth-keys.*) owner=jetty:jetty ;;`,
            `    etc/certs/*) owner="$(stat -c %U "$dst" 2>/dev/null || echo root):gluu" ;;`,
            `    *) owner=$(stat -c %U:%G "$dst" 2>/dev/null || echo root:root); mode=$(stat -c %a "$dst" 2>/dev/null || echo "$mode") ;;`,
            `  esac`,
            `  if ! { [ -f "$dst" ] && cmp -s "$src" "$dst" && [ "$(stat -c '%a %U:%G' "$dst")" = "$mode $owner" ]; }; then differs=1; fi`,
            `  printf '%s\\t%s\\t%s\\n' "$rel" "$mode" "$owner" >> "$plan"`,
            `done < <(find "$work/x" -type f -print0 | sort -z)`,
            `if [ "$differs" -eq 0 ]; then`,
            `  echo "certificates already match the primary's"`,
            `  exit 0`,
            `fi`,
            `if [ ! -e ${shq(CERTS_BACKUP_DIR)} ]; then`,
            `  rm -rf ${shq(CERTS_BACKUP_DIR)}.tmp`,
            `  cp -a /etc/certs ${shq(CERTS_BACKUP_DIR)}.tmp`,
            `  mv ${shq(CERTS_BACKUP_DIR)}.tmp ${shq(CERTS_BACKUP_DIR)}`,
            `  echo "changed ${CERTS_BACKUP_DIR} (backup of this node's own /etc/certs)"`,
            `fi`,
            `while IFS=$'\\t' read -r rel mode owner; do`,
            `  if [ ! -d "$(dirname "/$rel")" ]; then install -d -m 0755 "$(dirname "/$rel")"; fi`,
            `  install_file "$work/x/$rel" "/$rel" "$mode" "$owner"`,
            `done < "$plan"`,
            `# (Only reached when something differed, so install_file has reported each change.)`,
            `[ "$files_changed" -eq 1 ] || echo "certificates already match the primary's"`,
        ].join("\n"),
    );
    return script(`Install the primary's certificates (Gluu ${profile.version})`, inContainer(profile, inner));
}

/** Options of `truststoreImportInnerScript`. */
export interface TruststoreOptions {
    /** Directory holding `<suffix>.crt` inside the container. Default `/etc/certs`. */
    certsDir?: string;
    /** JRE trust store to update. Default `profile.jreTruststore`. */
    truststore?: string;
}

/**
 * The in-container part of `truststoreImportScript` (exported so contract tests can run it against a
 * stand-in trust store and certificate directory).
 */
export function truststoreImportInnerScript(profile: GluuVersionProfile, lbHostname: string, opts: TruststoreOptions = {}): string {
    const lb = assertHost("lbHostname", lbHostname);
    const certsDir = opts.certsDir ?? "/etc/certs";
    const truststore = opts.truststore ?? profile.jreTruststore;
    for (const [field, v] of [["certsDir", certsDir], ["truststore", truststore]] as const) {
        if (!/^\/[A-Za-z0-9._/-]+$/.test(v)) {
            throw new Error(`\`${field}\` must be an absolute path of plain characters, got ${JSON.stringify(v)}`);
        }
    }
    return script(
        `Inside the Gluu ${profile.version} container: trust the cluster's certificates in the JRE`,
        [
            `keytool_bin=/opt/jre/bin/keytool`,
            `[ -x "$keytool_bin" ] || keytool_bin=$(command -v keytool) || { echo "keytool not found" >&2; exit 1; }`,
            `truststore=${shq(truststore)}`,
            `certs_dir=${shq(certsDir)}`,
            `lb=${shq(lb)}`,
            `if [ ! -f "$truststore" ]; then echo "JRE trust store $truststore is missing" >&2; exit 1; fi`,
            `work=$(mktemp -d)`,
            `cleanup_paths+=("$work")`,
            `# "changeit" is the JRE's published default store password, not a secret; a file keeps it off argv anyway.`,
            `storepass="$work/storepass"`,
            `printf '%s\\n' changeit > "$storepass"`,
            `cert_fp() {`,
            `  local out`,
            `  out=$(openssl x509 -noout -fingerprint -sha256 -in "$1" 2>/dev/null) \\`,
            `    || out=$(openssl x509 -inform DER -noout -fingerprint -sha256 -in "$1" 2>/dev/null) || return 1`,
            `  out=\${out#*=}`,
            `  out=\${out//:/}`,
            `  printf '%s\\n' "\${out^^}"`,
            `}`,
            `for suffix in ${TRUSTSTORE_SUFFIXES.join(" ")}; do`,
            `  crt="$certs_dir/$suffix.crt"`,
            `  [ -f "$crt" ] || continue`,
            `  alias="\${lb}_$suffix"`,
            `  want=$(cert_fp "$crt") || { echo "$crt is not an X.509 certificate" >&2; exit 1; }`,
            `  have=""`,
            `  if "$keytool_bin" -exportcert -rfc -alias "$alias" -keystore "$truststore" -storepass:file "$storepass" > "$work/have.pem" 2>/dev/null; then`,
            `    have=$(cert_fp "$work/have.pem" || true)`,
            `  fi`,
            `  [ "$want" = "$have" ] && continue`,
            `  if [ -n "$have" ]; then`,
            `    "$keytool_bin" -delete -alias "$alias" -keystore "$truststore" -storepass:file "$storepass" >/dev/null`,
            `  fi`,
            `  "$keytool_bin" -importcert -noprompt -trustcacerts -alias "$alias" -file "$crt" \\`,
            `    -keystore "$truststore" -storepass:file "$storepass" >/dev/null 2>&1 \\`,
            `    || { echo "keytool could not import $crt as $alias into $truststore" >&2; exit 1; }`,
            `  echo "changed $truststore alias $alias"`,
            `done`,
        ].join("\n"),
    );
}

/**
 * Trust the cluster's certificates in the node's JRE trust store (inside its container), like
 * keystore_Config.py but idempotent and for the profile's trust store path: for each of TRUSTSTORE_SUFFIXES
 * with a `/etc/certs/<suffix>.crt`, compares the SHA-256 fingerprint of alias `<lbHostname>_<suffix>` with the
 * file's and deletes + imports only when they differ. Run after `certsImportScript`; the JVMs read the store
 * at startup, so restart oxAuth/oxTrust afterwards.
 *
 * stdin: none.
 */
export function truststoreImportScript(profile: GluuVersionProfile, lbHostname: string): string {
    const inner = truststoreImportInnerScript(profile, lbHostname);
    return script(`Trust the cluster's certificates in the JRE (Gluu ${profile.version})`, inContainer(profile, inner));
}

/** Jetty ports of oxAuth and oxTrust (identity) inside the container (both versions). */
export const JETTY_PORTS = { oxauth: 8081, identity: 8082 } as const;

/**
 * Print the primary's Apache certificate and key (`/etc/certs/httpd.crt`, then `/etc/certs/httpd.key`, both
 * PEM) for the load balancer, which presents the same certificate to users and trusts it for the nodes.
 * Runs on the primary's HOST. SECRET-BEARING: stdout holds the private key. Refuses an encrypted key (setup.py
 * leaves the passphrase-free one in httpd.key, the encrypted original in httpd.key.orig).
 *
 * stdin: none.
 */
export function httpdCertExportScript(profile: GluuVersionProfile): string {
    return script(
        `Export the primary's Apache certificate and key for the load balancer (Gluu ${profile.version}); stdout is secret`,
        [
            `certs=${shq(profile.containerRoot + "/etc/certs")}`,
            `for f in httpd.crt httpd.key; do`,
            `  if [ ! -s "$certs/$f" ]; then echo "$certs/$f is missing: is Gluu installed on this node?" >&2; exit 1; fi`,
            `done`,
            `if grep -q 'ENCRYPTED' "$certs/httpd.key"; then`,
            `  echo "$certs/httpd.key is encrypted; the load balancer needs the passphrase-free key" >&2`,
            `  exit 1`,
            `fi`,
            // Copied first, printed last: no failure can follow the key on stdout (see certsExportScript).
            `out_dir=$(mktemp -d)`,
            `cleanup_paths+=("$out_dir")`,
            `cat "$certs/httpd.crt" "$certs/httpd.key" > "$out_dir/httpd.pem"`,
            `cat "$out_dir/httpd.pem"`,
        ].join("\n"),
    );
}

/**
 * Split the output of `httpdCertExportScript` into the certificate (chain) and the private key; throws a
 * message naming the step when either is missing.
 */
export function splitHttpdExport(text: string): { certPem: string; keyPem: string } {
    const certs = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
    const key = text.match(/-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----/);
    if (certs.length === 0 || !key) {
        throw new Error("the httpd certificate export of the primary printed no certificate and key (see its step)");
    }
    return { certPem: certs.join("\n") + "\n", keyPem: key[0] + "\n" };
}

/**
 * Restart oxAuth and oxTrust (inside the container) in the seed's order: stop identity, restart oxauth,
 * start identity. Apache is reloaded first, so that it serves the cluster's httpd certificate. Then wait
 * (bounded, 10 minutes each) until oxAuth serves its OpenID configuration on localhost:8081 (port check when curl is missing) and identity accepts connections on 8082. This step
 * always restarts: trigger it only when certificates, trust store or LDAP JSON changed. `revision` (e.g. a
 * digest of those inputs) only goes into a comment, so that a change of them changes the step and re-runs it.
 *
 * stdin: none.
 */
export function restartGluuServicesScript(profile: GluuVersionProfile, opts: { revision?: string } = {}): string {
    const s = profile.services;
    const revision = opts.revision ?? "";
    if (!/^[A-Za-z0-9._:-]*$/.test(revision)) {
        throw new Error(`\`revision\` must be a plain token such as a hex digest, got ${JSON.stringify(revision)}`);
    }
    const inner = script(
        `Inside the Gluu ${profile.version} container: restart oxAuth and oxTrust`,
        revision ? `# Revision of what the services load (certificates, trust store, LDAP JSON): ${revision}` : "",
        WAIT_PORT_FUNCTION,
        [
            `# Apache re-reads its certificate on a graceful reload (the primary's httpd.crt after the copy).`,
            containerService(profile, s.apache, "reload"),
            `${containerService(profile, s.identity, "stop")} || true`,
            containerService(profile, s.oxauth, "restart"),
            containerService(profile, s.identity, "start"),
            `echo "changed ${s.apache} reloaded, ${s.oxauth} and ${s.identity} restarted"`,
            `# oxAuth answers its discovery document only once it has loaded its configuration and keys.`,
            `if command -v curl >/dev/null 2>&1; then`,
            `  waited=0`,
            `  until curl -fsS -o /dev/null --max-time 10 http://localhost:${JETTY_PORTS.oxauth}/oxauth/.well-known/openid-configuration; do`,
            `    if [ "$waited" -ge 600 ]; then echo "oxAuth did not serve its OpenID configuration within 600s" >&2; exit 1; fi`,
            `    sleep 5`,
            `    waited=$((waited + 5))`,
            `  done`,
            `else`,
            `  wait_port 127.0.0.1 ${JETTY_PORTS.oxauth} 600 "oxAuth"`,
            `fi`,
            `wait_port 127.0.0.1 ${JETTY_PORTS.identity} 600 "oxTrust (identity)"`,
        ].join("\n"),
    );
    return script(`Restart oxAuth and oxTrust (Gluu ${profile.version})`, inContainer(profile, inner));
}
