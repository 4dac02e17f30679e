// Hostile strings through every renderer (issue 6), and a table of bad stack configurations.
//
// For each renderer field whose value reaches a shell script, a configuration file, LDIF or stdin, each hostile
// value must either be refused with an Error that names the field in backticks, or come out inert: scripts pass
// `bash -n` and shellcheck and the value stands only where bash reads it literally (single quotes, a quoted
// here-document, a comment; inside double quotes only without $ ` \ "; bare only as a plain word); configuration
// files keep their structure (no new line, directive, separator or token); data round-trips.
import { haproxyInstallScript, haproxyRedisConf } from "../components/render/haproxy";
import { redisHaConf, redisHaSetupScript } from "../components/render/redisHa";
import { sentinelConf, sentinelSetupScript } from "../components/render/sentinel";
import { opensslPair } from "./helpers/pki";
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { PROFILES } from "../components/profiles";
import { certsExportScript, restartGluuServicesScript, truststoreImportInnerScript, truststoreImportScript } from "../components/render/certs";
import { containerService } from "../components/render/container";
import {
    csync2Cfg,
    csync2CronFile,
    csync2CronScript,
    csync2InetdLine,
    csync2InitialSyncScript,
    csync2KeyFile,
    csync2SetupScript,
    csync2StunnelConf,
    csync2TransportScript,
} from "../components/render/csync2";
import {
    cacheConfigLdif,
    cacheConfigurationJson,
    configurationDn,
    idpAuthenticationJson,
    ldapCacheConfigScript,
    ldapCacheConfigStdin,
} from "../components/render/ldapCache";
import { externalLbDescription, lbHealthScript, nginxConf, nginxGuardFunction, nginxInstallScript } from "../components/render/nginx";
import { keepalivedConf, keepalivedInstallScript, peerServesScript } from "../components/render/keepalived";
import { healthStepScript } from "../components/render/health";
import { baseScript, cloudInitUserData, gluuPackageScript, gluuSetupScript, hostsBlock, hostsScript, readyScript, setupProperties } from "../components/render/node";
import { replicationInitScript, replicationPruneScript, replicationJoinScript, replicationJoinStdin, replicationStatusScript } from "../components/render/opendj";
import { redisConf, redisSetupScript } from "../components/render/redis";
import { script } from "../components/render/shell";
import { stunnelClientConf, stunnelConf, stunnelInstallScript, stunnelSection, stunnelServerConf } from "../components/render/stunnel";
import { configProblems as problems, stackConfig } from "./helpers/program";
import { assertShellcheckClean } from "./helpers/shellcheck";

export const HOSTILE = ["a'b", "$(touch /tmp/pwned)", "`id`", "a\nb", "a;b", "é ü ✓", "\\", "--flag", "*", "", "a b", "{}", "%s", "]]>"];

const P45 = PROFILES["4.5"];
const P316 = PROFILES["3.1.6"];

// ---------------------------------------------------------------------------------------------------------
// Where a value lands in a bash script

/** How bash reads each character of a script. */
type Ctx = "code" | "sq" | "dq" | "ansi" | "comment" | "hq" | "hu" | "param" | "esc";

interface Frame {
    kind: "code" | "dq" | "bt" | "param";
    sub: boolean;
    parens: number;
    braces: number;
}

/**
 * A small bash lexer: the context of every character (quotes, $( ), ${ }, backticks, comments, here-documents).
 * Enough for the generated scripts, which shellcheck has already parsed.
 */
export function bashContexts(text: string): Ctx[] {
    const n = text.length;
    const ctx: Ctx[] = new Array(n).fill("code");
    const stack: Frame[] = [{ kind: "code", sub: false, parens: 0, braces: 0 }];
    const pending: Array<{ delim: string; quoted: boolean; strip: boolean }> = [];
    const wordStart = (i: number) => i === 0 || /[\s;&|()]/.test(text[i - 1]);
    let i = 0;
    while (i < n) {
        const top = stack[stack.length - 1];
        const c = text[i];
        const next = text[i + 1];
        if (top.kind === "dq") {
            if (c === "\\") {
                ctx[i] = "dq";
                if (i + 1 < n) ctx[i + 1] = "dq";
                i += 2;
            } else if (c === '"') {
                ctx[i] = "code";
                stack.pop();
                i++;
            } else if (c === "$" && next === "(") {
                ctx[i] = ctx[i + 1] = "code";
                stack.push({ kind: "code", sub: true, parens: 0, braces: 0 });
                i += 2;
            } else if (c === "$" && next === "{") {
                ctx[i] = ctx[i + 1] = "param";
                stack.push({ kind: "param", sub: true, parens: 0, braces: 0 });
                i += 2;
            } else if (c === "`") {
                ctx[i] = "code";
                stack.push({ kind: "bt", sub: true, parens: 0, braces: 0 });
                i++;
            } else {
                ctx[i] = "dq";
                i++;
            }
            continue;
        }
        const inParam = top.kind === "param";
        const mark: Ctx = inParam ? "param" : "code";
        if (c === "\\") {
            ctx[i] = mark;
            if (i + 1 < n) ctx[i + 1] = inParam ? "param" : "esc";
            i += 2;
            continue;
        }
        if (c === "$" && next === "'") {
            ctx[i] = ctx[i + 1] = mark;
            let j = i + 2;
            while (j < n && text[j] !== "'") {
                ctx[j] = "ansi";
                if (text[j] === "\\" && j + 1 < n) ctx[++j] = "ansi";
                j++;
            }
            if (j < n) ctx[j] = mark;
            i = j + 1;
            continue;
        }
        if (c === "'") {
            ctx[i] = mark;
            let j = i + 1;
            while (j < n && text[j] !== "'") ctx[j++] = "sq";
            if (j < n) ctx[j] = mark;
            i = j + 1;
            continue;
        }
        if (c === '"') {
            ctx[i] = mark;
            stack.push({ kind: "dq", sub: true, parens: 0, braces: 0 });
            i++;
            continue;
        }
        if (c === "$" && next === "(") {
            ctx[i] = ctx[i + 1] = mark;
            stack.push({ kind: "code", sub: true, parens: 0, braces: 0 });
            i += 2;
            continue;
        }
        if (c === "$" && next === "{") {
            ctx[i] = ctx[i + 1] = "param";
            stack.push({ kind: "param", sub: true, parens: 0, braces: 0 });
            i += 2;
            continue;
        }
        if (c === "`") {
            ctx[i] = mark;
            if (top.kind === "bt") stack.pop();
            else stack.push({ kind: "bt", sub: true, parens: 0, braces: 0 });
            i++;
            continue;
        }
        if (inParam) {
            ctx[i] = "param";
            if (c === "{") top.braces++;
            if (c === "}") {
                if (top.braces > 0) top.braces--;
                else stack.pop();
            }
            i++;
            continue;
        }
        if (c === "(") top.parens++;
        if (c === ")") {
            if (top.parens > 0) top.parens--;
            else if (top.sub && top.kind === "code") stack.pop();
        }
        if (c === "#" && wordStart(i)) {
            let j = i;
            while (j < n && text[j] !== "\n") ctx[j++] = "comment";
            i = j;
            continue;
        }
        if (c === "<" && next === "<" && text[i + 2] !== "<") {
            const m = /^<<(-?)[ \t]*(?:'([^']*)'|"([^"]*)"|([^\s;&|<>()]+))/.exec(text.slice(i));
            if (m) {
                const word = m[2] ?? m[3] ?? m[4];
                pending.push({ delim: word.replace(/\\/g, ""), quoted: m[2] !== undefined || m[3] !== undefined || /\\/.test(word), strip: m[1] === "-" });
                for (let k = i; k < i + m[0].length; k++) ctx[k] = "code";
                i += m[0].length;
                continue;
            }
        }
        if (c === "\n" && pending.length > 0) {
            ctx[i] = "code";
            let j = i + 1;
            for (const h of pending) {
                while (j < n) {
                    const end = text.indexOf("\n", j) === -1 ? n : text.indexOf("\n", j);
                    const line = text.slice(j, end);
                    if ((h.strip ? line.replace(/^\t+/, "") : line) === h.delim) {
                        j = end;
                        break;
                    }
                    for (let k = j; k <= end && k < n; k++) ctx[k] = h.quoted ? "hq" : "hu";
                    j = end + 1;
                }
            }
            pending.length = 0;
            i = j;
            continue;
        }
        ctx[i] = "code";
        i++;
    }
    return ctx;
}

/** Characters bash takes literally in a bare word. */
const WORD_CHAR = /^[A-Za-z0-9_@%+=:,.\/-]$|^[^\x00-\x7f]$/;

/** Problems with the places `value` occupies in `text` (each character judged by the context it lands in). */
export function exposures(text: string, value: string, optionsOk = false): string[] {
    const problems: string[] = [];
    if (value === "") return problems;
    const ctx = bashContexts(text);
    for (let at = text.indexOf(value); at !== -1; at = text.indexOf(value, at + 1)) {
        const line = text.slice(text.lastIndexOf("\n", at) + 1, text.indexOf("\n", at) === -1 ? undefined : text.indexOf("\n", at));
        for (let k = 0; k < value.length; k++) {
            const ch = value[k];
            const c = ctx[at + k];
            const inert =
                c === "sq" || c === "hq" || c === "comment" || c === "ansi" || (c === "esc" && ch !== "\n") ||
                ((c === "dq" || c === "hu") && !/[$`\\"]/.test(ch)) ||
                (c === "code" && WORD_CHAR.test(ch));
            if (!inert) {
                problems.push(`${JSON.stringify(ch)} of the value is read as ${c} in: ${line}`);
                break;
            }
        }
        // An argument that starts with "-" where a command reads options.
        const before = at > 0 ? text[at - 1] : "\n";
        const wordStarts = (ctx[at - 1] === "code" || at === 0) && (/\s/.test(before) || (/['"]/.test(before) && /\s/.test(text[at - 2] ?? "\n")));
        if (!optionsOk && /^zq-/.test(value) && wordStarts) {
            problems.push(`the value may be read as an option in: ${line}`);
        }
        // A printf format string that holds the value.
        if (/%/.test(value) && ctx[at] === "sq" && /printf\s+'[^']*$/.test(text.slice(text.lastIndexOf("\n", at) + 1, at))) {
            problems.push(`the value is part of a printf format in: ${line}`);
        }
    }
    return problems;
}

/** The bodies of quoted here-documents that are scripts themselves (inner scripts run in the container). */
function innerScripts(text: string): string[] {
    const out: string[] = [];
    const re = /<<-?'([^']+)'\n(#![^\n]*\n[\s\S]*?)\n\1(\n|$)/g;
    for (let m = re.exec(text); m; m = re.exec(text)) {
        out.push(m[2] + "\n", ...innerScripts(m[2]));
    }
    return out;
}

function bashSyntax(label: string, text: string): void {
    try {
        execFileSync("bash", ["-n"], { input: text, stdio: ["pipe", "pipe", "pipe"] });
    } catch (err: any) {
        assert.fail(`bash -n rejects ${label}: ${err.stderr}`);
    }
}

// ---------------------------------------------------------------------------------------------------------
// Configuration structure

/** Per line: the format's syntax characters and the number of tokens. */
function lineShape(syntax: RegExp): (line: string) => string {
    return (line) => `${(line.match(syntax) ?? []).join("")}|${line.trim() === "" ? 0 : line.trim().split(/\s+/).length}`;
}

const SHAPES: Record<string, (line: string) => string> = {
    nginx: lineShape(/[;{}#"'$\\]/g),
    stunnel: (line) => (/^\s*;/.test(line) ? "comment" : `${/^\s*(\[|[A-Za-z]+\s*=)/.exec(line)?.[0] ?? line.trim()}|${line.trim().split(/\s+/).length}|${(line.match(/[;\[\]=#]/g) ?? []).join("")}`),
    csync2cfg: lineShape(/[;{}#@"']/g),
    hosts: lineShape(/#/g),
    inetd: (line) => `${line.split("\t").length}|${line.trim().split(/\s+/).length}`,
    cron: lineShape(/[%#]/g),
    redis: lineShape(/["'#]/g),
    properties: (line) => {
        const key = /^((?:[^\\=:]|\\.)*)[=:]/.exec(line)?.[1] ?? line;
        const trailing = (/\\+$/.exec(line)?.[0].length ?? 0) % 2;
        return `${key}|${trailing}`;
    },
    ldif: (line) => {
        const m = /^([A-Za-z-]+)(::?) ?(.*)$/.exec(line);
        if (!m) return line;
        const plainOk = m[2] === "::" || /^(?![ :<])[\x20-\x7e]*$/.test(m[3]);
        return `${m[1]}${m[2]}|${plainOk}`;
    },
    stdin: () => "line",
    text: () => "line",
};

/** Shapes of `out` that differ from those of `base`, line by line. */
function shapeProblems(kind: string, base: string, out: string): string[] {
    const shape = SHAPES[kind];
    const a = base.split("\n");
    const b = out.split("\n");
    if (a.length !== b.length) return [`${b.length} lines instead of ${a.length}:\n${out}`];
    const problems: string[] = [];
    a.forEach((l, i) => {
        if (shape(l) !== shape(b[i])) problems.push(`line ${i + 1} changed shape: ${JSON.stringify(l)} → ${JSON.stringify(b[i])}`);
    });
    if (kind === "ldif" && !b.every((l) => SHAPES.ldif(l).endsWith("|true") || !/^[A-Za-z-]+::? /.test(l))) {
        problems.push(`a plain LDIF value needs base64:\n${out}`);
    }
    return problems;
}

/** Key paths of a JSON value (structure without the values). */
function jsonPaths(v: unknown, at = ""): string[] {
    if (Array.isArray(v)) return [`${at}[]`, ...v.flatMap((x) => jsonPaths(x, `${at}[]`))];
    if (v && typeof v === "object") return Object.entries(v).flatMap(([k, x]) => [`${at}.${k}`, ...jsonPaths(x, `${at}.${k}`)]);
    return [];
}

// ---------------------------------------------------------------------------------------------------------
// The renderers and their fields

type Kind = "script" | "fragment" | "yaml" | "json" | keyof typeof SHAPES;

interface Field {
    renderer: string;
    field: string;
    kind: Kind;
    /** A valid value for the field (the baseline for structural comparison). */
    base: string;
    /** Names the refusal may give the field (default: the field path). */
    names?: string[];
    secret?: boolean;
    /** Turn the hostile value into the field's value (e.g. pad a 24-character salt). */
    shape?: (v: string) => string;
    render: (v: string) => unknown;
    /** The field is a list of arguments by design: a leading "-" is its purpose. */
    optionsOk?: boolean;
    /** An empty value means "leave it out" by design. */
    emptyMeansUnset?: boolean;
    /** Extra check of an accepted output. */
    verify?: (out: string, v: string) => void;
}

function certificatePem(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gluu-hostile-"));
    try {
        execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "k.pem", "-out", "c.pem", "-subj", "/CN=idp.example.org", "-days", "3"], { cwd: dir, stdio: "pipe" });
        return fs.readFileSync(path.join(dir, "c.pem"), "utf8");
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
const CERT = certificatePem();
const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIP6FIXqr58nUAjR0TV2k7vp4cup8ApYI1/rQ3xDoklDc";

const fields: Field[] = [];
function F(renderer: string, field: string, kind: Kind, base: string, render: (v: string) => unknown, extra: Partial<Field> = {}): void {
    fields.push({ renderer, field, kind, base, render, ...extra });
}

// node.ts ---------------------------------------------------------------------------------------------------
const cloudInit = (o: Partial<Parameters<typeof cloudInitUserData>[0]>) =>
    cloudInitUserData({ hostKeyPrivateOpenssh: "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbg==\n-----END OPENSSH PRIVATE KEY-----\n", hostKeyPublicOpenssh: HOST_KEY, ...o });
const ourCloudConfig = (out: string) => YAML.parse(out.startsWith("#cloud-config") ? out : out.split("\n\n#cloud-config")[1] ?? "");
F("cloudInitUserData", "hostKeyPublicOpenssh", "yaml", HOST_KEY, (v) => cloudInit({ hostKeyPublicOpenssh: v }), {
    verify: (out, v) => assert.strictEqual(ourCloudConfig(out).ssh_keys.ed25519_public, v.trim()),
});
F("cloudInitUserData", "hostKeyPrivateOpenssh", "yaml", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbg==\n-----END OPENSSH PRIVATE KEY-----", (v) => cloudInit({ hostKeyPrivateOpenssh: v }), {
    secret: true,
    verify: (out, v) => assert.strictEqual(ourCloudConfig(out).ssh_keys.ed25519_private, v.trim() + "\n"),
});
F("cloudInitUserData", "extraCloudConfig", "yaml", "packages: [jq]", (v) => cloudInit({ extraCloudConfig: v }), {
    // The operator's own cloud-config is theirs to write; the multipart envelope must stay intact.
    verify: (out, v) => assert.strictEqual(out.split("\n").filter((l) => l.startsWith("--GLUU-CLUSTER-BOUNDARY")).length, v.trim() === "" ? 0 : 3),
});
F("readyScript", "hostName", "script", "gluu-1", (v) => readyScript(v));
const entries = (address: string, name: string) => [{ address, names: [name] }, { address: "10.0.0.12", names: ["gluu-2"] }];
F("hostsBlock", "entries[0].address", "hosts", "10.0.0.11", (v) => hostsBlock(entries(v, "gluu-1")), { names: ["entries[0].address", "address"] });
F("hostsBlock", "entries[0].names[0]", "hosts", "gluu-1", (v) => hostsBlock(entries("10.0.0.11", v)), { names: ["entries[0].names[0]", "names[0]"] });
F("hostsScript", "hostName", "script", "gluu-1", (v) => hostsScript(v, entries("10.0.0.11", "gluu-1")));
F("hostsScript", "entries[0].names[0]", "script", "gluu-1", (v) => hostsScript("gluu-1", entries("10.0.0.11", v)), { names: ["entries[0].names[0]", "names[0]"] });
F("baseScript", "hostName", "script", "gluu-1", (v) => baseScript({ hostName: v }));
F("baseScript", "packages[0]", "script", "jq", (v) => baseScript({ hostName: "gluu-1", packages: [v] }));
F("gluuPackageScript", "hostName", "script", "gluu-1", (v) => gluuPackageScript(P45, v));
F("gluuSetupScript", "hostName", "script", "gluu-1", (v) => gluuSetupScript(P45, v));
const settings = {
    hostname: "idp.example.org", orgName: "Example Inc.", city: "Austin", state: "TX", countryCode: "US", adminEmail: "admin@example.org",
    ldapPassword: "LdapPass1234", adminPassword: "AdminPass1234", encodeSalt: "abcdefghijklmnopqrstuvwx", openidKeystorePassword: "JksPass1234",
    baseInum: "@!1234.5678", inumOrg: "@!1234.5678!0001", inumAppliance: "@!1234.5678!0002",
};
const PROPERTY_KEYS: Record<string, string> = { adminEmail: "admin_email", ldapPassword: "ldapPass", adminPassword: "oxtrust_admin_password", encodeSalt: "encode_salt", openidKeystorePassword: "oxauth_openid_jks_pass" };
for (const key of Object.keys(settings) as Array<keyof typeof settings>) {
    const secret = ["ldapPassword", "adminPassword", "encodeSalt", "openidKeystorePassword"].includes(key);
    F("setupProperties", key, "properties", settings[key], (v) => setupProperties(P316, { ...settings, [key]: v }, "10.0.0.11"), {
        names: [key, PROPERTY_KEYS[key] ?? key],
        secret,
        shape: key === "encodeSalt" ? (v) => (v + "x".repeat(24)).slice(0, Math.max(24, v.length)).padEnd(24, "x").slice(0, 24) : undefined,
    });
}
F("setupProperties", "ip", "properties", "10.0.0.11", (v) => setupProperties(P316, settings, v));

// container.ts, certs.ts ---------------------------------------------------------------------------------------
F("containerService", "service", "fragment", "oxauth", (v) => containerService(P45, v, "restart"));
F("containerService", "action", "fragment", "restart", (v) => containerService(P316, "oxauth", v));
F("truststoreImportInnerScript", "lbHostname", "script", "idp.example.org", (v) => truststoreImportInnerScript(P45, v));
F("truststoreImportInnerScript", "certsDir", "script", "/etc/certs", (v) => truststoreImportInnerScript(P45, "idp.example.org", { certsDir: v }));
F("truststoreImportInnerScript", "truststore", "script", "/opt/jre/lib/security/cacerts", (v) => truststoreImportInnerScript(P45, "idp.example.org", { truststore: v }));
F("truststoreImportScript", "lbHostname", "script", "idp.example.org", (v) => truststoreImportScript(P316, v));
F("restartGluuServicesScript", "revision", "script", "abc123", (v) => restartGluuServicesScript(P45, { revision: v }));

// csync2.ts ---------------------------------------------------------------------------------------------------
const cfg = { hosts: ["gluu-1", "gluu-2"], includes: ["/opt/gluu-server/etc/gluu/conf"], excludes: ["*~"] };
F("csync2Cfg", "group", "csync2cfg", "gluucluster", (v) => csync2Cfg({ ...cfg, group: v }));
F("csync2Cfg", "hosts[0]", "csync2cfg", "gluu-1", (v) => csync2Cfg({ ...cfg, hosts: [v, "gluu-2"] }));
F("csync2Cfg", "keyPath", "csync2cfg", "/etc/csync2.key", (v) => csync2Cfg({ ...cfg, keyPath: v }));
F("csync2Cfg", "includes[0]", "csync2cfg", "/opt/x", (v) => csync2Cfg({ ...cfg, includes: [v] }));
F("csync2Cfg", "excludes[0]", "csync2cfg", "*~", (v) => csync2Cfg({ ...cfg, excludes: [v] }));
F("csync2Cfg", "backupDir", "csync2cfg", "/var/backups/csync2", (v) => csync2Cfg({ ...cfg, backupDir: v }));
F("csync2Cfg", "identityNet", "csync2cfg", "127.30.86", (v) => csync2Cfg({ ...cfg, identityNet: v }));
F("csync2Cfg", "prefixes key", "csync2cfg", "root", (v) => csync2Cfg({ ...cfg, prefixes: { [v]: { "gluu-1": "/a", "gluu-2": "/b" } } }), { names: ["prefixes"] });
F("csync2Cfg", "prefixes path", "csync2cfg", "/a", (v) => csync2Cfg({ ...cfg, prefixes: { root: { "gluu-1": v, "gluu-2": "/b" } } }), { names: ["prefixes.root.gluu-1"] });
F("csync2KeyFile", "key", "stdin", "k".repeat(40), (v) => csync2KeyFile(v), { secret: true, names: ["key", "csync2 key"] });
const meshNodes = (name: string, address: string) => [{ name, address }, { name: "gluu-2", address: "10.0.0.12" }];
const mesh = { self: "gluu-1", nodes: meshNodes("gluu-1", "10.0.0.11") };
F("csync2StunnelConf", "self", "stunnel", "gluu-1", (v) => csync2StunnelConf({ ...mesh, self: v, nodes: meshNodes(v, "10.0.0.11") }), { names: ["self", "hosts[0]", "name"] });
F("csync2StunnelConf", "nodes[1].name", "stunnel", "gluu-2", (v) => csync2StunnelConf({ ...mesh, nodes: [mesh.nodes[0], { name: v, address: "10.0.0.12" }] }), { names: ["nodes[1].name", "hosts[1]", "name"] });
F("csync2StunnelConf", "nodes[0].address", "stunnel", "10.0.0.11", (v) => csync2StunnelConf({ ...mesh, nodes: meshNodes("gluu-1", v) }));
F("csync2StunnelConf", "pidPath", "stunnel", "/run/stunnel-csync2.pid", (v) => csync2StunnelConf({ ...mesh, pidPath: v }));
F("csync2StunnelConf", "certPath", "stunnel", "/etc/stunnel/n.crt", (v) => csync2StunnelConf({ ...mesh, certPath: v }));
F("csync2StunnelConf", "identityNet", "stunnel", "127.30.86", (v) => csync2StunnelConf({ ...mesh, identityNet: v }));
F("csync2TransportScript", "nodes[0].address", "script", "10.0.0.11", (v) => csync2TransportScript({ ...mesh, nodes: meshNodes("gluu-1", v), certPem: CERT, caPem: CERT }));
F("csync2TransportScript", "keyPath", "script", "/etc/stunnel/n.key", (v) => csync2TransportScript({ ...mesh, keyPath: v, certPem: CERT, caPem: CERT }));
F("csync2InetdLine", "name", "inetd", "gluu-1", (v) => csync2InetdLine({ name: v }));
F("csync2InetdLine", "extraArgs[0]", "inetd", "-v", (v) => csync2InetdLine({ name: "gluu-1", extraArgs: [v] }), { optionsOk: true });
F("csync2SetupScript", "name", "script", "gluu-1", (v) => csync2SetupScript({ ...cfg, hosts: [v, "gluu-2"], name: v }), { names: ["name", "hosts[0]"] });
F("csync2SetupScript", "hosts[1]", "script", "gluu-2", (v) => csync2SetupScript({ ...cfg, hosts: ["gluu-1", v], name: "gluu-1" }));
F("csync2SetupScript", "keyPath", "script", "/etc/csync2.key", (v) => csync2SetupScript({ ...cfg, name: "gluu-1", keyPath: v }));
F("csync2SetupScript", "backupDir", "script", "/var/backups/csync2", (v) => csync2SetupScript({ ...cfg, name: "gluu-1", backupDir: v }));
F("csync2SetupScript", "includes[0]", "script", "/opt/x", (v) => csync2SetupScript({ ...cfg, name: "gluu-1", includes: [v] }));
F("csync2InitialSyncScript", "name", "script", "gluu-1", (v) => csync2InitialSyncScript({ name: v, primary: true, includes: cfg.includes }));
F("csync2InitialSyncScript", "includes[0]", "script", "/opt/x", (v) => csync2InitialSyncScript({ name: "gluu-1", primary: true, includes: [v] }));
F("csync2InitialSyncScript", "hosts[0]", "script", "gluu-1", (v) => csync2InitialSyncScript({ name: "gluu-1", primary: false, includes: cfg.includes, hosts: [v, "gluu-2"] }));
F("csync2CronFile", "name", "cron", "gluu-1", (v) => csync2CronFile({ name: v, index: 0 }));
F("csync2CronScript", "name", "script", "gluu-1", (v) => csync2CronScript({ name: v, index: 1 }));

// ldapCache.ts --------------------------------------------------------------------------------------------------
const IDP = JSON.stringify({ type: "auth", enabled: true, config: JSON.stringify({ configId: "auth_ldap_server", servers: ["localhost:1636"] }) });
F("cacheConfigurationJson", "servers", "json", "localhost:16379", (v) => cacheConfigurationJson(undefined, { servers: v }), { names: ["servers[0]", "servers"] });
F("cacheConfigurationJson", "encryptedPassword", "json", "QUJD", (v) => cacheConfigurationJson(undefined, { encryptedPassword: v }), { secret: true, emptyMeansUnset: true });
F("idpAuthenticationJson", "idpServers[0]", "json", "10.0.0.11:1636", (v) => idpAuthenticationJson(IDP, [v, "10.0.0.12:1636"], P316));
F("configurationDn", "inumAppliance", "text", "@!1234.5678!0002", (v) => configurationDn(P316, v));
F("cacheConfigLdif", "dn", "ldif", "ou=configuration,o=gluu", (v) => cacheConfigLdif(v, "{}", IDP, "10.0.0.11"));
F("cacheConfigLdif", "cacheRefreshServerIp", "ldif", "10.0.0.11", (v) => cacheConfigLdif("ou=configuration,o=gluu", "{}", IDP, v));
F("cacheConfigLdif", "cacheJson", "ldif", "{}", (v) => cacheConfigLdif("ou=configuration,o=gluu", v, IDP, "10.0.0.11"));
F("cacheConfigLdif", "idpJson", "ldif", IDP, (v) => cacheConfigLdif("ou=configuration,o=gluu", "{}", v, "10.0.0.11"));
F("ldapCacheConfigStdin", "directoryManagerPassword", "stdin", "LdapPass1234", (v) => ldapCacheConfigStdin(v, "QUJD"), { secret: true });
F("ldapCacheConfigStdin", "encryptedRedisPassword", "stdin", "QUJD", (v) => ldapCacheConfigStdin("LdapPass1234", v), { secret: true });
const ldapOpts = { profile: P316, inumAppliance: "@!1234.5678!0002", idpServers: ["10.0.0.11:1636", "10.0.0.12:1636"] };
F("ldapCacheConfigScript", "inumAppliance", "script", "@!1234.5678!0002", (v) => ldapCacheConfigScript({ ...ldapOpts, inumAppliance: v }));
F("ldapCacheConfigScript", "redisServers", "script", "localhost:16379", (v) => ldapCacheConfigScript({ ...ldapOpts, redisServers: v }), { names: ["redisServers", "servers[0]"] });
F("ldapCacheConfigScript", "idpServers[0]", "script", "10.0.0.11:1636", (v) => ldapCacheConfigScript({ ...ldapOpts, idpServers: [v] }));
F("ldapCacheConfigScript", "cacheRefreshServerIp", "script", "10.0.0.11", (v) => ldapCacheConfigScript({ ...ldapOpts, cacheRefreshServerIp: v }));

// redisHa.ts, sentinel.ts, haproxy.ts (the redis-ha cache) ------------------------------------------------------
const haPem = opensslPair("gluu-cache-1").cert;
const haSafety = { minReplicasToWrite: 1, minReplicasMaxLagSeconds: 10 };
const haSetup = { address: "10.0.0.5", ...haSafety, certPem: haPem, caPem: haPem, initialPrimary: "10.0.0.5", sentinels: ["10.0.0.5", "10.0.0.6", "10.0.0.7"] };
F("redisHaConf", "address", "redis", "10.0.0.5", (v) => redisHaConf({ address: v, ...haSafety }));
F("redisHaSetupScript", "address", "script", "10.0.0.5", (v) => redisHaSetupScript({ ...haSetup, address: v }));
F("redisHaSetupScript", "initialPrimary", "script", "10.0.0.5", (v) => redisHaSetupScript({ ...haSetup, initialPrimary: v }));
F("redisHaSetupScript", "sentinels[0]", "script", "10.0.0.5", (v) => redisHaSetupScript({ ...haSetup, sentinels: [v] }));
F("sentinelConf", "address", "redis", "10.0.0.5", (v) => sentinelConf({ address: v }));
const sentinelSetup = { address: "10.0.0.5", certPem: haPem, caPem: haPem, sentinelCount: 3, peers: ["10.0.0.6", "10.0.0.7"], initialPrimary: "10.0.0.5" };
F("sentinelSetupScript", "address", "script", "10.0.0.5", (v) => sentinelSetupScript({ ...sentinelSetup, address: v }));
F("sentinelSetupScript", "peers[0]", "script", "10.0.0.6", (v) => sentinelSetupScript({ ...sentinelSetup, peers: [v] }));
F("sentinelSetupScript", "initialPrimary", "script", "10.0.0.5", (v) => sentinelSetupScript({ ...sentinelSetup, initialPrimary: v }));
F("haproxyRedisConf", "servers[0].name", "text", "gluu-cache-1", (v) => haproxyRedisConf({ servers: [{ name: v, address: "10.0.0.5" }] }));
F("haproxyRedisConf", "servers[0].address", "text", "10.0.0.5", (v) => haproxyRedisConf({ servers: [{ name: "gluu-cache-1", address: v }] }));
F("haproxyInstallScript", "servers[0].address", "script", "10.0.0.5", (v) => haproxyInstallScript({ servers: [{ name: "gluu-cache-1", address: v }], certPem: haPem, caPem: haPem }));

// nginx.ts ------------------------------------------------------------------------------------------------------
const backends = (name = "gluu-1", address = "10.0.0.11") => [{ name, address }, { name: "gluu-2", address: "10.0.0.12" }];
const lb = { serverName: "idp.example.org", backends: backends(), roundRobinPaths: P45.lbPaths.roundRobin, stickyPaths: P45.lbPaths.sticky };
F("nginxConf", "serverName", "nginx", "idp.example.org", (v) => nginxConf({ ...lb, serverName: v }));
F("nginxConf", "backends[0].name", "nginx", "gluu-1", (v) => nginxConf({ ...lb, backends: backends(v) }));
F("nginxConf", "backends[0].address", "nginx", "10.0.0.11", (v) => nginxConf({ ...lb, backends: backends("gluu-1", v) }));
F("nginxConf", "roundRobinPaths[0]", "nginx", "/oxauth", (v) => nginxConf({ ...lb, roundRobinPaths: [v, ...lb.roundRobinPaths.filter((p) => p !== "/oxauth")] }), { names: ["roundRobinPaths"] });
F("nginxConf", "stickyPaths[0]", "nginx", "/identity", (v) => nginxConf({ ...lb, stickyPaths: [v, ...lb.stickyPaths.filter((p) => p !== "/identity")] }), { names: ["stickyPaths"] });
for (const key of ["certPath", "keyPath", "backendCaPath", "mimeTypesPath", "logDir", "pidPath"] as const) {
    F("nginxConf", key, "nginx", "/etc/nginx/x", (v) => nginxConf({ ...lb, [key]: v }));
}
F("nginxConf", "backendTlsName", "nginx", "idp.example.org", (v) => nginxConf({ ...lb, backendTlsName: v }));
F("nginxConf", "clientMaxBodySize", "nginx", "20m", (v) => nginxConf({ ...lb, clientMaxBodySize: v }));
F("nginxConf", "healthPath", "nginx", "/lb-health", (v) => nginxConf({ ...lb, healthPath: v }));
F("nginxConf", "user", "nginx", "www-data", (v) => nginxConf({ ...lb, user: v }));
F("nginxGuardFunction", "nginxBin", "fragment", "nginx", (v) => nginxGuardFunction({ nginxBin: v }));
F("nginxGuardFunction", "testArgs[0]", "fragment", "-q", (v) => nginxGuardFunction({ testArgs: [v] }), { optionsOk: true });
const CONF = nginxConf(lb);
F("nginxInstallScript", "confPath", "script", "/etc/nginx/nginx.conf", (v) => nginxInstallScript({ confText: CONF, certPem: CERT, backendCaPem: CERT, confPath: v }));
F("nginxInstallScript", "keyPath", "script", "/etc/nginx/ssl/gluu.key", (v) => nginxInstallScript({ confText: nginxConf({ ...lb, keyPath: "/etc/nginx/ssl/gluu.key" }), certPem: CERT, backendCaPem: CERT, keyPath: v }));
F("nginxInstallScript", "confText", "script", CONF, (v) => nginxInstallScript({ confText: v, certPem: CERT, backendCaPem: CERT }));
F("nginxInstallScript", "certPem", "script", CERT, (v) => nginxInstallScript({ confText: CONF, certPem: v, backendCaPem: CERT }));
F("externalLbDescription", "serverName", "text", "idp.example.org", (v) => externalLbDescription({ ...lb, serverName: v }).text);
F("externalLbDescription", "backends[0].name", "text", "gluu-1", (v) => externalLbDescription({ ...lb, backends: backends(v) }).text);
F("externalLbDescription", "backends[0].address", "text", "10.0.0.11", (v) => externalLbDescription({ ...lb, backends: backends("gluu-1", v) }).text);
F("externalLbDescription", "healthCheckPath", "text", "/oxauth/x", (v) => externalLbDescription({ ...lb, healthCheckPath: v }).text);
F("lbHealthScript", "serverName", "script", "idp.example.org", (v) => lbHealthScript({ serverName: v, backends: backends() }));
F("lbHealthScript", "backends[0].name", "script", "gluu-1", (v) => lbHealthScript({ serverName: "idp.example.org", backends: backends(v) }));
F("lbHealthScript", "backends[0].address", "script", "10.0.0.11", (v) => lbHealthScript({ serverName: "idp.example.org", backends: backends("gluu-1", v) }));
F("lbHealthScript", "path", "script", "/oxauth/x", (v) => lbHealthScript({ serverName: "idp.example.org", backends: backends(), path: v }));
F("lbHealthScript", "certPath", "script", "/etc/nginx/ssl/gluu.crt", (v) => lbHealthScript({ serverName: "idp.example.org", backends: backends(), certPath: v }));

// keepalived.ts, health.ts (nginx-pair, the health output) ------------------------------------------------------
const KA = { hostName: "gluu-lb-1", ownAddress: "10.10.0.22", peerAddress: "10.10.0.23", virtualIp: "10.10.0.30/24", priority: 150, virtualRouterId: 42 };
F("keepalivedConf", "hostName", "nginx", KA.hostName, (v) => keepalivedConf({ ...KA, hostName: v }));
F("keepalivedConf", "ownAddress", "nginx", KA.ownAddress, (v) => keepalivedConf({ ...KA, ownAddress: v }));
F("keepalivedConf", "peerAddress", "nginx", KA.peerAddress, (v) => keepalivedConf({ ...KA, peerAddress: v }));
F("keepalivedConf", "virtualIp", "nginx", KA.virtualIp, (v) => keepalivedConf({ ...KA, virtualIp: v }));
F("keepalivedInstallScript", "ownAddress", "script", KA.ownAddress, (v) => keepalivedInstallScript({ confText: keepalivedConf(KA), ownAddress: v }));
F("peerServesScript", "serverName", "script", "idp.example.org", (v) => peerServesScript({ serverName: v, peerAddress: "10.10.0.22", revision: "0123abcd" }));
F("peerServesScript", "peerAddress", "script", "10.10.0.22", (v) => peerServesScript({ serverName: "idp.example.org", peerAddress: v, revision: "0123abcd" }));
F("peerServesScript", "revision", "script", "0123abcd", (v) => peerServesScript({ serverName: "idp.example.org", peerAddress: "10.10.0.22", revision: v }));
F("healthStepScript", "serverName", "script", "idp.example.org", (v) => healthStepScript({ serverName: v, paths: ["/identity/"], cachePort: 16379 }));
F("healthStepScript", "address", "script", "127.0.0.1", (v) => healthStepScript({ serverName: "idp.example.org", address: v, paths: ["/identity/"] }));
F("healthStepScript", "paths[0]", "script", "/identity/", (v) => healthStepScript({ serverName: "idp.example.org", paths: [v] }));

// opendj.ts -----------------------------------------------------------------------------------------------------
F("replicationJoinStdin", "directoryManagerPassword", "stdin", "LdapPass1234", (v) => replicationJoinStdin(v, "ReplPass1234"), { secret: true });
F("replicationJoinStdin", "replicationAdminPassword", "stdin", "ReplPass1234", (v) => replicationJoinStdin("LdapPass1234", v), { secret: true });
const repl = { profile: P45, primaryAddress: "10.0.0.11", memberAddress: "10.0.0.12" };
F("replicationJoinScript", "primaryAddress", "script", "10.0.0.11", (v) => replicationJoinScript({ ...repl, primaryAddress: v }));
F("replicationJoinScript", "memberAddress", "script", "10.0.0.12", (v) => replicationJoinScript({ ...repl, memberAddress: v }));
F("replicationJoinScript", "baseDns[0]", "script", "o=gluu", (v) => replicationJoinScript({ ...repl, baseDns: [v] }));
F("replicationJoinScript", "adminUid", "script", "admin", (v) => replicationJoinScript({ ...repl, adminUid: v }));
F("replicationPruneScript", "members[0]", "script", "10.0.0.12", (v) => replicationPruneScript({ ...repl, members: [v] }));
F("replicationInitScript", "primaryAddress", "script", "10.0.0.11", (v) => replicationInitScript({ ...repl, primaryAddress: v }));
F("replicationInitScript", "members[0]", "script", "10.0.0.12", (v) => replicationInitScript({ ...repl, members: [v] }));
F("replicationInitScript", "baseDns[1]", "script", "o=site", (v) => replicationInitScript({ ...repl, baseDns: ["o=gluu", v] }));
F("replicationStatusScript", "primaryAddress", "script", "10.0.0.11", (v) => replicationStatusScript(P316, v));
F("replicationStatusScript", "members[0]", "script", "10.0.0.12", (v) => replicationStatusScript(P316, "10.0.0.11", { members: [v] }));
F("replicationStatusScript", "adminUid", "script", "admin", (v) => replicationStatusScript(P316, "10.0.0.11", { adminUid: v }));

// redis.ts ------------------------------------------------------------------------------------------------------
F("redisConf", "persistence", "redis", "rdb", (v) => redisConf({ bindAddress: "10.0.0.20", persistence: v as any }));
F("redisConf", "maxmemoryPolicy", "redis", "allkeys-lru", (v) => redisConf({ bindAddress: "10.0.0.20", maxmemoryMb: 64, maxmemoryPolicy: v as any }));
F("redisConf", "bindAddress", "redis", "10.0.0.20", (v) => redisConf({ bindAddress: v }));
F("redisSetupScript", "persistence", "script", "aof", (v) => redisSetupScript({ bindAddress: "10.0.0.20", certPem: CERT, caPem: CERT, persistence: v as any }));

// stunnel.ts ----------------------------------------------------------------------------------------------------
const section = { service: "redis", mode: "client" as const, accept: { host: "127.0.0.1", port: 16379 }, connect: { host: "10.0.0.21", port: 16379 }, checkHost: ["cache"] };
F("stunnelSection", "service", "stunnel", "redis", (v) => stunnelSection({ ...section, service: v }));
F("stunnelSection", "accept.host", "stunnel", "127.0.0.1", (v) => stunnelSection({ ...section, accept: { host: v, port: 16379 } }), { names: ["acceptHost", "accept.host"] });
F("stunnelSection", "connect.host", "stunnel", "10.0.0.21", (v) => stunnelSection({ ...section, connect: { host: v, port: 16379 } }), { names: ["connectHost", "connect.host"] });
F("stunnelSection", "checkHost[0]", "stunnel", "cache", (v) => stunnelSection({ ...section, checkHost: [v] }));
F("stunnelSection", "sni", "stunnel", "cache", (v) => stunnelSection({ ...section, sni: v }));
F("stunnelSection", "local", "stunnel", "10.0.0.11", (v) => stunnelSection({ ...section, local: v }));
for (const key of ["certPath", "keyPath", "caPath"] as const) {
    F("stunnelSection", key, "stunnel", "/etc/stunnel/x", (v) => stunnelSection({ ...section, [key]: v }));
}
F("stunnelConf", "title", "stunnel", "redis", (v) => stunnelConf(v, "/run/s.pid", [stunnelSection(section)]));
F("stunnelConf", "pidPath", "stunnel", "/run/s.pid", (v) => stunnelConf("t", v, [stunnelSection(section)]));
const server = { acceptAddress: "10.0.0.21" };
F("stunnelServerConf", "name", "stunnel", "redis", (v) => stunnelServerConf({ ...server, name: v }), { names: ["name", "service", "pidPath"] });
F("stunnelServerConf", "acceptAddress", "stunnel", "10.0.0.21", (v) => stunnelServerConf({ acceptAddress: v }), { names: ["acceptAddress", "acceptHost"] });
F("stunnelServerConf", "connectHost", "stunnel", "127.0.0.1", (v) => stunnelServerConf({ ...server, connectHost: v }));
F("stunnelServerConf", "allowedClients[0]", "stunnel", "gluu-1", (v) => stunnelServerConf({ ...server, allowedClients: [v] }), { names: ["allowedClients[0]", "checkHost[0]"] });
F("stunnelServerConf", "pidPath", "stunnel", "/run/s.pid", (v) => stunnelServerConf({ ...server, pidPath: v }));
F("stunnelClientConf", "name", "stunnel", "redis", (v) => stunnelClientConf({ connectHost: "10.0.0.21", name: v }), { names: ["name", "service", "pidPath"] });
F("stunnelClientConf", "connectHost", "stunnel", "10.0.0.21", (v) => stunnelClientConf({ connectHost: v }));
F("stunnelClientConf", "checkHost", "stunnel", "cache", (v) => stunnelClientConf({ connectHost: "10.0.0.21", checkHost: v }), { names: ["checkHost", "checkHost[0]"] });
const install = { confName: "redis", conf: stunnelClientConf({ connectHost: "10.0.0.21" }), certPem: CERT, caPem: CERT, acceptCheck: { host: "127.0.0.1", port: 16379 } };
F("stunnelInstallScript", "confName", "script", "redis", (v) => stunnelInstallScript({ ...install, confName: v }));
F("stunnelInstallScript", "acceptCheck.host", "script", "127.0.0.1", (v) => stunnelInstallScript({ ...install, acceptCheck: { host: v, port: 16379 } }));
for (const key of ["certPath", "keyPath", "caPath"] as const) {
    F("stunnelInstallScript", key, "script", "/etc/stunnel/x", (v) => stunnelInstallScript({ ...install, [key]: v }));
}
F("stunnelInstallScript", "conf", "script", install.conf, (v) => stunnelInstallScript({ ...install, conf: v }));

// ---------------------------------------------------------------------------------------------------------

interface Outcome {
    error?: unknown;
    out?: string;
}

function run(f: Field, v: string): Outcome {
    try {
        const r = f.render(v);
        return { out: typeof r === "string" ? r : JSON.stringify(r) };
    } catch (error) {
        return { error };
    }
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Checks of an accepted script: syntax, shellcheck, and where the value (marked) lands. */
function checkScript(f: Field, v: string, text: string): void {
    const label = `${f.renderer}.${f.field} = ${JSON.stringify(v)}`;
    const full = f.kind === "fragment" ? script("fragment", text) : text;
    bashSyntax(label, full);
    const inner = innerScripts(full);
    inner.forEach((s, i) => bashSyntax(`${label} (inner script ${i + 1})`, s));
    // A hostile literal in single quotes is exactly the point: shellcheck's "expressions don't expand in single
    // quotes" (SC2016) is expected there, and a fragment's variables are used by the script it belongs to (SC2034).
    const lines = full.split("\n");
    assertShellcheckClean(label, [lines[0], `# shellcheck disable=SC2016,SC1003${f.kind === "fragment" ? ",SC2034" : ""}`, ...lines.slice(1)].join("\n"));
    // The same value between two markers: found verbatim wherever it was pasted unescaped.
    const marked = `zq${v}zq`;
    const m = run(f, f.shape ? f.shape(marked) : marked);
    if (m.out === undefined) return;
    const markedFull = f.kind === "fragment" ? script("fragment", m.out) : m.out;
    const problems = [markedFull, ...innerScripts(markedFull)].flatMap((s) => exposures(s, f.shape ? f.shape(marked) : marked, f.optionsOk));
    assert.deepStrictEqual(problems, [], `${label} lands where bash interprets it`);
}

function checkAccepted(f: Field, v: string, out: string): void {
    const value = f.shape ? f.shape(v) : v;
    if (f.kind === "script" || f.kind === "fragment") {
        checkScript(f, v, out);
    } else if (f.kind === "json") {
        const base = run(f, f.base).out!;
        const expected = v === "" && f.emptyMeansUnset ? out : base;
        assert.deepStrictEqual(jsonPaths(JSON.parse(out)), jsonPaths(JSON.parse(expected)), "the JSON keeps its structure");
    } else if (f.kind === "yaml") {
        assert.doesNotThrow(() => YAML.parseAllDocuments(out));
    } else {
        const base = run(f, f.base).out!;
        assert.deepStrictEqual(shapeProblems(f.kind, base, out), [], `${f.renderer}.${f.field} = ${JSON.stringify(value)} changes the ${f.kind} structure`);
    }
    f.verify?.(out, value);
}

let refused = 0;
let accepted = 0;
describe("hostile strings through every renderer", () => {
    it("the bash lexer sees quoting the way bash does", () => {
        const t = `a='zq$(x)zq'\necho "zq$(x)zq"\n# zq$(x)zq\ncat <<'E'\nzq$(x)zq\nE\necho zq$(x)zq`;
        const found = exposures(t, "zq$(x)zq");
        assert.strictEqual(found.length, 2, found.join("\n"));
        assert.match(found[0], /in: echo "zq\$\(x\)zq"$/);
        assert.match(found[1], /in: echo zq\$\(x\)zq$/);
    });

    for (const f of fields) {
        for (const v of HOSTILE) {
            const value = f.shape ? f.shape(v) : v;
            const o = run(f, value);
            const shown = JSON.stringify(v);
            if (o.error !== undefined) {
                refused++;
                it(`${f.renderer}.${f.field} refuses ${shown}`, () => {
                    assert.ok(o.error instanceof Error, "an Error");
                    const message = (o.error as Error).message;
                    const names = f.names ?? [f.field];
                    assert.ok(names.some((n) => new RegExp("`" + escapeRe(n) + "`").test(message)), `the message names ${names.map((n) => "`" + n + "`").join(" or ")}: ${message}`);
                    if (f.secret && value.length >= 3) assert.ok(!message.includes(value), `the message echoes the secret value: ${message}`);
                });
            } else {
                accepted++;
                const verb = f.kind === "script" || f.kind === "fragment" ? "quotes" : "keeps the structure with";
                it(`${f.renderer}.${f.field} ${verb} ${shown}`, () => checkAccepted(f, v, o.out!));
            }
        }
    }

    it(`covers ${new Set(fields.map((f) => f.renderer)).size} renderers, ${fields.length} fields`, () => {
        assert.ok(refused + accepted === fields.length * HOSTILE.length);
        // Renderers that take only a profile (no user string) are out of scope: e.g. certsExportScript.
        assert.ok(typeof certsExportScript(P45) === "string");
    });
});

// ---------------------------------------------------------------------------------------------------------
// Bad stack configurations


/** A real certificate and key made by openssl; `cn` names the host. */
describe("bad stack configurations, refused by key with an exact message", () => {
    const dev = () => stackConfig("dev");
    const byo = () => stackConfig("byo");
    const A = opensslPair("idp-dev.example.org");
    const B = opensslPair("idp-dev.example.org");
    const garbageCert = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n";
    const garbageKey = "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n";
    const hostKeys = (first: string) => JSON.stringify([first, HOST_KEY, HOST_KEY]);
    const cases: Array<[string, () => Record<string, string>, RegExp]> = [
        // Combinations.
        ["existing hosts and a droplet size", () => ({ ...byo(), dropletSize: "s-4vcpu-8gb" }), /^gluu:dropletSize is for droplets and has no effect with gluu:existingNodeAddresses; remove it$/],
        ["existing hosts and a VPC range", () => ({ ...byo(), vpcIpRange: "10.110.0.0/20" }), /^gluu:vpcIpRange is for droplets and has no effect with gluu:existingNodeAddresses; remove it$/],
        ["existing hosts and an LB droplet size", () => ({ ...byo(), lbDropletSize: "s-1vcpu-2gb" }), /^gluu:lbDropletSize is for droplets and has no effect with gluu:existingNodeAddresses; remove it$/],
        ["droplets and existing-node host keys", () => ({ ...dev(), existingNodeHostKeys: hostKeys(HOST_KEY) }), /^gluu:existingNodeHostKeys belongs with gluu:existingNodeAddresses, which is not set; remove it or list the hosts$/],
        ["droplets and an LB address", () => ({ ...dev(), existingLbAddress: "192.0.2.22" }), /^gluu:existingLbAddress is for existing servers \(with gluu:existingNodeAddresses\); with droplets the library creates the host, remove it$/],
        ["externalLoadBalancer with an LB certificate", () => ({ ...dev(), externalLoadBalancer: "true", lbCertificate: A.cert, lbPrivateKey: A.key }), /^gluu:lbCertificate has no effect with gluu:externalLoadBalancer \(your load balancer holds the certificate\); remove it$/],
        ["externalLoadBalancer with an LB key", () => ({ ...dev(), externalLoadBalancer: "true", lbCertificate: A.cert, lbPrivateKey: A.key }), /^gluu:lbPrivateKey has no effect with gluu:externalLoadBalancer/],
        ["externalLoadBalancer with an LB droplet size", () => ({ ...dev(), externalLoadBalancer: "true", lbDropletSize: "s-1vcpu-2gb" }), /^gluu:lbDropletSize has no effect with gluu:externalLoadBalancer/],
        ["an LB key without its certificate", () => ({ ...dev(), lbPrivateKey: A.key }), /^gluu:lbCertificate and gluu:lbPrivateKey \(secret\) go together; set both, or neither to use the Gluu httpd certificate$/],
        ["two nodes with the same address", () => ({ ...byo(), existingNodeAddresses: '["192.0.2.11","192.0.2.12","192.0.2.12"]' }), /^gluu:existingNodeAddresses\[2\] 192\.0\.2\.12 is also gluu:existingNodeAddresses\[1\]; each node needs its own host$/],
        ["two nodes with the same private address", () => ({ ...byo(), existingNodePrivateAddresses: '["10.10.0.11","10.10.0.11","10.10.0.13"]' }), /^gluu:existingNodePrivateAddresses\[1\] 10\.10\.0\.11 is also gluu:existingNodePrivateAddresses\[0\]; each node needs its own host$/],
        ["the LB hostname as a node's address", () => ({ ...byo(), existingNodeAddresses: '["192.0.2.11","idp.example.org","192.0.2.13"]' }), /^gluu:existingNodeAddresses\[1\] equals gluu:hostname; the cluster's name belongs to the load balancer, not to a node$/],
        ["the LB hostname as a node's private address", () => ({ ...byo(), existingNodePrivateAddresses: '["idp.example.org","10.10.0.12","10.10.0.13"]' }), /^gluu:existingNodePrivateAddresses\[0\] equals gluu:hostname; the cluster's name belongs to the load balancer, not to a node$/],
        ["the LB on a node's address", () => ({ ...byo(), existingLbAddress: "192.0.2.13" }), /^gluu:existingLbAddress 192\.0\.2\.13 is also gluu:existingNodeAddresses\[2\]; NGINX needs its own host$/],
        ["a node name given twice", () => ({ ...byo(), existingNodeNames: '["gluu-a","gluu-b","gluu-a"]' }), /^gluu:existingNodeNames\[2\] gluu-a is used twice; node names must be unique$/],
        ["names for fewer hosts", () => ({ ...byo(), existingNodeNames: '["gluu-a","gluu-b"]' }), /^gluu:existingNodeNames has 2 entries but gluu:existingNodeAddresses has 3; give one per host, in the same order$/],
        ["cache refresh on a node of another name", () => ({ ...byo(), existingNodeNames: '["a","b","c"]', cacheRefreshNode: "gluu-1" }), /^gluu:cacheRefreshNode gluu-1 is not a node; use one of a, b, c$/],
        // Ports.
        ["SSH port 0", () => ({ ...dev(), sshPort: "0" }), /^gluu:sshPort must be an integer 1–65535, got 0$/],
        ["SSH port 65536", () => ({ ...dev(), sshPort: "65536" }), /^gluu:sshPort must be an integer 1–65535, got 65536$/],
        ["a negative SSH port", () => ({ ...dev(), sshPort: "-22" }), /^gluu:sshPort must be an integer 1–65535, got -22$/],
        ["a fractional SSH port", () => ({ ...dev(), sshPort: "22.5" }), /^gluu:sshPort must be an integer 1–65535, got 22\.5$/],
        ["an SSH port that is a word", () => ({ ...dev(), sshPort: "ssh" }), /^gluu:sshPort must be an integer 1–65535, got "ssh"$/],
        // CIDRs.
        ["a CIDR with a /33 mask", () => ({ ...dev(), adminCidrs: '["203.0.113.0/33"]' }), /^gluu:adminCidrs\[0\] must be a CIDR like `203\.0\.113\.0\/24`, got "203\.0\.113\.0\/33"$/],
        ["a CIDR without a mask", () => ({ ...dev(), adminCidrs: '["203.0.113.7"]' }), /^gluu:adminCidrs\[0\] must be a CIDR like `203\.0\.113\.0\/24`, got "203\.0\.113\.7"$/],
        ["a CIDR with an octet over 255", () => ({ ...dev(), adminCidrs: '["203.0.300.0/24"]' }), /^gluu:adminCidrs\[0\] must be a CIDR like `203\.0\.113\.0\/24`, got "203\.0\.300\.0\/24"$/],
        ["an IPv6 CIDR open to the world", () => ({ ...dev(), adminCidrs: '["::/0"]' }), /^gluu:adminCidrs\[0\] must be a CIDR like `203\.0\.113\.0\/24`, got "::\/0"$/],
        ["admin CIDRs that are not a list", () => ({ ...dev(), adminCidrs: "203.0.113.0/24" }), /^gluu:adminCidrs must be a list of CIDRs/],
        ["a /7 admin range", () => ({ ...dev(), adminCidrs: '["0.0.0.0/7"]' }), /^gluu:adminCidrs must not hold a range wider than \/8/],
        ["a VPC range without a mask", () => ({ ...dev(), vpcIpRange: "10.110.0.0" }), /^gluu:vpcIpRange must be a CIDR like `10\.110\.0\.0\/20`, got "10\.110\.0\.0"$/],
        ["a VPC UUID of dashes", () => ({ ...dev(), vpcUuid: "-".repeat(36) }), /^gluu:vpcUuid must be a VPC UUID/],
        // Region and slug formats.
        ["an upper-case region", () => ({ ...dev(), region: "FRA1" }), /^gluu:region must be a DigitalOcean region slug like `fra1`, got "FRA1"$/],
        ["a region with a space", () => ({ ...dev(), region: "fra 1" }), /^gluu:region must be a DigitalOcean region slug like `fra1`, got "fra 1"$/],
        ["a region slug that cannot exist", () => ({ ...dev(), region: "frankfurt-1" }), /^gluu:region must be a DigitalOcean region slug like `fra1`, got "frankfurt-1"$/],
        ["a size slug with a dot", () => ({ ...dev(), dropletSize: "s-4vcpu-8.5gb" }), /^gluu:dropletSize must be a DigitalOcean size slug like `s-4vcpu-8gb`, got "s-4vcpu-8\.5gb"$/],
        ["an image slug with a slash", () => ({ ...dev(), dropletImage: "ubuntu/22.04" }), /^gluu:dropletImage must be an image slug or a custom image ID, got "ubuntu\/22\.04"$/],
        ["a tag with a space", () => ({ ...dev(), tags: '["gluu prod"]' }), /^gluu:tags\[0\] must be a DigitalOcean tag name, got "gluu prod"$/],
        ["4.5 on an Ubuntu 16.04 image", () => ({ ...dev(), dropletImage: "ubuntu-16-04-x64" }), /^gluu:dropletImage ubuntu-16-04-x64 is Ubuntu 16\.04, but Gluu 4\.5 packages target Ubuntu 20\.04\/22\.04\./],
        // Versions not in the profile table.
        ["version 3.1.5", () => ({ ...dev(), version: "3.1.5" }), /^gluu:version must be a supported Gluu version: 3\.1\.6, 4\.5, got "3\.1\.5"$/],
        ["version 4.4", () => ({ ...dev(), version: "4.4" }), /^gluu:version must be a supported Gluu version: 3\.1\.6, 4\.5, got 4\.4$/],
        ["version latest", () => ({ ...dev(), version: "latest" }), /^gluu:version must be a supported Gluu version: 3\.1\.6, 4\.5, got "latest"$/],
        // Keys that do not parse.
        ["a login key that is not PEM", () => ({ ...byo(), sshPrivateKey: "ssh-ed25519 AAAA" }), /^gluu:sshPrivateKey must be a PEM\/OpenSSH private key$/],
        ["a PEM login key whose body does not parse", () => ({ ...byo(), sshPrivateKey: garbageKey }), /^gluu:sshPrivateKey must be a PEM\/OpenSSH private key$/],
        ["an LB certificate whose body does not parse", () => ({ ...dev(), lbCertificate: garbageCert, lbPrivateKey: A.key }), /^gluu:lbCertificate must be a PEM certificate \(chain\) and nothing else/],
        ["an LB key whose body does not parse", () => ({ ...dev(), lbCertificate: A.cert, lbPrivateKey: garbageKey }), /^gluu:lbPrivateKey must be a PEM private key$/],
        ["an LB key of another certificate", () => ({ ...dev(), lbCertificate: A.cert, lbPrivateKey: B.key }), /^gluu:lbPrivateKey does not belong to gluu:lbCertificate \(the first certificate must be the server's own\)$/],
        // Host keys that do not parse.
        ["a host key of an unknown type", () => ({ ...byo(), existingNodeHostKeys: hostKeys("ssh-dss AAAAB3NzaC1kc3M=") }), /^gluu:existingNodeHostKeys\[0\] must be an SSH public host key \(`ssh-ed25519 AAAA…`\); get it with `ssh-keyscan -t ed25519 <address>`, got "ssh-dss AAAAB3NzaC1kc3M="$/],
        ["a host key without its key", () => ({ ...byo(), existingCacheHostKey: "ssh-ed25519" }), /^gluu:existingCacheHostKey must be an SSH public host key .*, got "ssh-ed25519"$/],
        ["a host key whose blob is another type", () => ({ ...byo(), existingLbHostKey: "ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7" }), /^gluu:existingLbHostKey must be an SSH public host key /],
        ["a truncated ed25519 host key", () => ({ ...byo(), existingNodeHostKeys: hostKeys("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIP6F") }), /^gluu:existingNodeHostKeys\[0\] must be an SSH public host key /],
        ["a host key with a line break", () => ({ ...byo(), existingNodeHostKeys: hostKeys(`${HOST_KEY}\nssh-ed25519 AAAA`) }), /^gluu:existingNodeHostKeys\[0\] must be an SSH public host key /],
    ];
    // Hostile characters in every string key (the values a shell, a properties file, LDIF or a certificate
    // subject would misread). Keys whose values may legitimately hold any character (passwords sent on stdin,
    // the operator's own userData) are not listed.
    const text = (key: string, what: string, v: string) => new RegExp(`^gluu:${key} ${what}`);
    const stringKeys: Array<[string, () => Record<string, string>, string, string[]]> = [
        ["clusterName", dev, "must be a short lower-case name like `gluu`", HOSTILE],
        ["hostname", dev, "must be a lower-case FQDN", HOSTILE],
        // Org fields reach setup.py's certificate subjects (`/O=…/L=…`: a "/" splits a field), its JSON and LDIF
        // templates (a '"' or "\\" breaks them) and nothing needs $ or ` in a name.
        ["orgName", dev, "must be", ["a\nb", "", "a/b", 'a"b', "\\", "$(touch /tmp/pwned)", "`id`"]],
        ["city", dev, "must be", ["a\nb", "", "a/b", 'a"b', "\\", "$(touch /tmp/pwned)", "`id`"]],
        ["state", dev, "must be", ["a\nb", "", "a/b", 'a"b', "\\", "$(touch /tmp/pwned)", "`id`"]],
        ["countryCode", dev, "must be two upper-case letters", HOSTILE],
        // The e-mail goes into the same certificate subject (`/emailAddress=…`).
        ["adminEmail", dev, "must be an e-mail address", ["a;b@example.org", "a\\b@example.org", "a/b@example.org", "a b@example.org", "a@b", ""]],
        ["region", dev, "must be a DigitalOcean region slug", HOSTILE],
        ["dropletSize", dev, "must be a DigitalOcean size slug", HOSTILE],
        ["dropletImage", dev, "must be an image slug or a custom image ID", HOSTILE],
        ["sshUser", dev, "must be a user name", HOSTILE],
        ["repoUser", dev, "must be a user name without spaces or ':'", ["a b", "a\nb", "", "a:b"]],
        // apt's auth.conf (netrc) splits on whitespace and has no quoting: a password with a space cannot work.
        ["repoPassword", dev, "must be one line", ["a\nb", "a b", ""]],
        ["sshAgentSocketPath", byo, "must be an absolute path", ["a\nb", ""]],
        ["cacheRefreshNode", dev, "must be a node's name", HOSTILE],
        ["redisPersistence", dev, "must be `rdb`, `aof` or `none`", HOSTILE],
        ["existingCacheAddress", byo, "must be an IPv4 address or a host name", HOSTILE],
        ["existingLbPrivateAddress", byo, "must be an IPv4 address or a host name", HOSTILE],
        ["existingLbHostKey", byo, "must be an SSH public host key", HOSTILE],
    ];
    for (const [key, make, what, values] of stringKeys) {
        for (const v of values) {
            cases.push([`gluu:${key} = ${JSON.stringify(v)}`, () => ({ ...make(), [key]: v }), text(key, escapeRe(what), v)]);
        }
    }
    for (const v of HOSTILE) {
        cases.push([`gluu:existingNodeAddresses[1] = ${JSON.stringify(v)}`, () => ({ ...byo(), existingNodeAddresses: JSON.stringify(["192.0.2.11", v, "192.0.2.13"]) }), /^gluu:existingNodeAddresses\[1\] must be an IPv4 address or a host name/]);
        cases.push([`gluu:existingNodeNames[0] = ${JSON.stringify(v)}`, () => ({ ...byo(), existingNodeNames: JSON.stringify([v, "b", "c"]) }), /^gluu:existingNodeNames\[0\] must be a lower-case host name/]);
        if (v !== "--flag") cases.push([`gluu:tags[0] = ${JSON.stringify(v)}`, () => ({ ...dev(), tags: JSON.stringify([v]) }), /^gluu:tags\[0\] must be a DigitalOcean tag name/]);
    }

    it(`has at least 40 cases (${cases.length})`, () => assert.ok(cases.length >= 40));
    for (const [what, make, expected] of cases) {
        it(`refuses ${what}`, () => {
            const found = problems(make());
            assert.ok(found.some((p) => expected.test(p)), `expected a problem matching ${expected}, got:\n${found.join("\n") || "(accepted)"}`);
        });
    }
});
