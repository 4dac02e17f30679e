// Secret scanner (issue 6): every shipped stack, with known secret values in its config plus every value the
// mocks generate, run under mocks and written out as a plan. No secret value (nor any line ≥ 16 characters of a
// multi-line one) may appear in clear in an unwrapped registration input, a command's text, an `environment`,
// a plan file, or the message a failing step would print. Every secret-bearing step logs nothing, keeps its
// outputs secret and passes no previous output on.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import * as programModuleImport from "../src/program";
import { mockEd25519 } from "../src/mocks";
import { writePlan } from "../src/plan";
import { REMOTE_COMMAND, RecordedResource } from "../src/record";
import { mocks, stackConfig, strings, unwrap } from "./helpers/program";
import { profileFor } from "../components/profiles";

const ROOT = path.resolve(__dirname, "..");

/** The program module as writePlan loads it (its export is swapped for one run, see below). */
const programModule = programModuleImport as { gluuProgram: typeof programModuleImport.gluuProgram };

/** A real key pair for the load balancer, made by the openssl CLI (as an operator would). */
function opensslLbPair(hostname: string): { certificate: string; privateKey: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gluu-secrets-lb-"));
    try {
        execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "key.pem", "-out", "cert.pem", "-subj", `/CN=${hostname}`, "-days", "30"], { cwd: dir, stdio: "pipe" });
        return { certificate: fs.readFileSync(path.join(dir, "cert.pem"), "utf8"), privateKey: fs.readFileSync(path.join(dir, "key.pem"), "utf8") };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** Known values for every secret config key (repoPassword deliberately holds shell and netrc metacharacters). */
const KNOWN = {
    ldapPassword: "KnownLdap.Pass-7Qx2",
    adminPassword: "KnownAdmin_Pass~9Zr4",
    repoPassword: "Known-Repo;Pass'$(id)`x`",
    sshPrivateKey: mockEd25519("secrets.spec known login key").privateKeyOpenssh,
};

/** A value and the lines of it worth looking for, as GluuMocks.addSecret records them. */
function secretForms(value: string): string[] {
    if (!value || value.length < 6) return [];
    const out = new Set([value, value.trim()]);
    for (const line of value.split("\n")) {
        const l = line.trim();
        if (l.length >= 16 && !/^-----(BEGIN|END) /.test(l)) out.add(l);
    }
    return [...out];
}

/**
 * Lines of a PEM private key that hold public bytes only (an EC key's point, an RSA modulus): the certificate
 * carries the same bytes, and a 64-character window of its base64 may match such a line by chance. They are
 * not secrets, so they are not looked for.
 */
function publicOnlyLines(pem: string): string[] {
    const m = /-----BEGIN ([A-Z ]*)PRIVATE KEY-----\n([\s\S]*?)\n-----END \1PRIVATE KEY-----/.exec(pem);
    if (!m || /OPENSSH/.test(m[1])) return [];
    let spki: Buffer;
    try {
        spki = crypto.createPublicKey(crypto.createPrivateKey(m[0])).export({ type: "spki", format: "der" }) as Buffer;
    } catch {
        return [];
    }
    return m[2].split("\n").filter((l) => l.length % 4 === 0 && spki.includes(Buffer.from(l, "base64")));
}

/** Every secret to look for: the known config values and everything the mocks produced (labelled). */
function secretTable(known: Record<string, string>): Map<string, string> {
    const table = new Map<string, string>();
    for (const [v, label] of mocks.secrets) {
        if (label !== "key-format-header") table.set(v, label);
    }
    for (const [key, value] of Object.entries(known)) {
        for (const f of secretForms(value)) {
            // A line two keys share (the OpenSSH header) says nothing about either key.
            if (mocks.secrets.get(f) !== "key-format-header") table.set(f, `known gluu:${key}`);
        }
    }
    for (const v of [...table.keys()]) {
        for (const l of publicOnlyLines(v)) table.delete(l.trim());
    }
    return table;
}

/** Where a text holds a secret in clear: the labels found. */
function leaksIn(text: string, secrets: Map<string, string>): string[] {
    const found: string[] = [];
    for (const [v, label] of secrets) {
        if (text.includes(v)) found.push(label);
    }
    return found;
}

const TEXT_FIELDS = ["create", "update", "delete"];

/**
 * Every clear-text place in a registration: strings outside Pulumi's secret wrapper, and — wrapped or not —
 * command texts and `environment`. Returns `path: labels` entries.
 */
export function inputLeaks(r: RecordedResource, secrets: Map<string, string>): string[] {
    const out: string[] = [];
    const walk = (v: any, at: string, mustBeClean: boolean) => {
        const u = unwrap(v);
        if (u.secret && !mustBeClean) return;
        const value = u.value;
        if (typeof value === "string") {
            const l = leaksIn(value, secrets);
            if (l.length) out.push(`${r.name}.${at}: ${[...new Set(l)].join(", ")}`);
        } else if (Array.isArray(value)) {
            value.forEach((x, i) => walk(x, `${at}[${i}]`, mustBeClean));
        } else if (value && typeof value === "object") {
            for (const [k, x] of Object.entries(value)) walk(x, `${at}.${k}`, mustBeClean);
        }
    };
    for (const [field, v] of Object.entries(r.inputs)) {
        walk(v, field, TEXT_FIELDS.includes(field) || field === "environment");
    }
    return out;
}

function filesUnder(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** What @pulumi/command prints when a step fails: the command text, then its combined output. */
function failureMessage(r: RecordedResource): { text: string; output: string } {
    const create = String(unwrap(r.inputs.create).value ?? "");
    // The output the mocks give this step (export steps print secrets); the same function the mocks use.
    const stdout: string = (mocks as any).commandStdout(r.name);
    return { text: `running ${JSON.stringify(create)}:\n`, output: stdout };
}

function secretBearing(r: RecordedResource): boolean {
    return unwrap(r.inputs.stdin).value !== undefined || r.name.endsWith("-export");
}

interface Variant {
    title: string;
    stack: string;
    lbPair?: boolean;
}

const VARIANTS: Variant[] = [
    { title: "dev", stack: "dev" },
    { title: "prod", stack: "prod" },
    { title: "byo", stack: "byo" },
    { title: "ha (managed load balancer, alerts)", stack: "ha" },
    { title: "byo-ha (nginx-pair: the VRRP password)", stack: "byo-ha" },
    { title: "dev with an operator's LB certificate and key (openssl-made)", stack: "dev", lbPair: true },
];

describe("secret scanner", () => {
    it("builds remote commands in one place only: components/remoteStep.ts (its secure defaults cannot be bypassed)", () => {
        const files = [...filesUnder(path.join(ROOT, "components")), ...filesUnder(path.join(ROOT, "src"))].filter((f) => f.endsWith(".ts"));
        const builders = files.filter((f) => /new\s+(command\.)?remote\.Command\b|new\s+Command\s*\(/.test(fs.readFileSync(f, "utf8")));
        assert.deepStrictEqual(builders.map((f) => path.relative(ROOT, f)), ["components/remoteStep.ts"]);
    });

    it("the scanner itself finds a planted secret, in a wrapped command text and in an unwrapped input", () => {
        const secrets = new Map([["planted-secret-value", "planted"]]);
        const sig = "4dabf18193072939515e22adb298388d";
        const r = {
            urn: "u", type: REMOTE_COMMAND, name: "planted", dependsOn: [], custom: true, index: 0,
            inputs: { create: { [sig]: sig, value: "echo planted-secret-value" }, stdin: { [sig]: sig, value: "planted-secret-value" }, triggers: ["x planted-secret-value"] },
        } as RecordedResource;
        assert.deepStrictEqual(inputLeaks(r, secrets), ["planted.create: planted", "planted.triggers[0]: planted"]);
    });

    for (const variant of VARIANTS) {
        describe(`stack ${variant.title}`, () => {
            let resources: RecordedResource[];
            let secrets: Map<string, string>;
            let known: Record<string, string>;
            let planDir: string;
            let planFiles: string[];
            /** Resource options seen per remote command (additionalSecretOutputs is an option, not an input). */
            const secretOutputs = new Map<string, string[] | undefined>();

            before(async function () {
                this.timeout(120000);
                const base = stackConfig(variant.stack);
                known = { ldapPassword: KNOWN.ldapPassword, repoPassword: KNOWN.repoPassword };
                // 3.1.6 has no admin password of its own (the program refuses one there).
                if (profileFor(base.version ?? "3.1.6").setupReadsAdminPassword) known.adminPassword = KNOWN.adminPassword;
                if (base.existingNodeAddresses !== undefined) known.sshPrivateKey = KNOWN.sshPrivateKey;
                const raw: Record<string, string> = { ...base, ...known };
                if (variant.lbPair) {
                    const pair = opensslLbPair(base.hostname);
                    raw.lbCertificate = pair.certificate;
                    raw.lbPrivateKey = known.lbPrivateKey = pair.privateKey;
                }
                // The plan of this raw config: writePlan reads a stack file, so the config goes into one. writePlan runs exactly
                // recordProgram(mocks, (o) => gluuProgram(raw, o).cluster), i.e. recordConfig(raw), and returns its
                // resources, which are what the input checks below read.
                const stacksDir = fs.mkdtempSync(path.join(os.tmpdir(), "gluu-secrets-stacks-"));
                planDir = path.join(stacksDir, "plan");
                const name = `scan${variant.lbPair ? "lb" : ""}${variant.stack}`;
                // Secret keys as `pulumi config set --secret` leaves them (`secure:`; the program refuses clear text),
                // decrypted to the known values.
                const secure = (k: string) => k in known;
                fs.writeFileSync(
                    path.join(stacksDir, `Pulumi.${name}.yaml`),
                    YAML.stringify({ config: Object.fromEntries(Object.entries(raw).map(([k, v]) => [`gluu:${k}`, secure(k) ? { secure: `v1:known-${k}` } : v])) }),
                );
                const decryptSecure = (key: string, ciphertext: string) => {
                    const k = key.replace(/^gluu:/, "");
                    assert.strictEqual(ciphertext, `v1:known-${k}`);
                    return known[k];
                };
                // additionalSecretOutputs is a resource option, not an input: the mocks never see it and
                // src/record.ts keeps only dependsOn from the options. A transformation receives the full options,
                // so for this run the program gets one more transformation (children inherit it) that notes them.
                const capture: pulumi.ResourceTransformation = (t) => {
                    if (t.type === REMOTE_COMMAND) secretOutputs.set(t.name, (t.opts as pulumi.CustomResourceOptions).additionalSecretOutputs);
                    return undefined;
                };
                const original = programModule.gluuProgram;
                programModule.gluuProgram = (r, o) => original(r, { ...o, transformations: [...(o?.transformations ?? []), capture] });
                try {
                    resources = (await writePlan({ stack: name, outDir: planDir, stacksDir, mocks, decryptSecure })).resources;
                } finally {
                    programModule.gluuProgram = original;
                }
                planFiles = filesUnder(planDir);
                secrets = secretTable(known);
            });

            it("has secrets to look for: the known config values and the generated ones", () => {
                for (const [key, value] of Object.entries(known)) {
                    assert.strictEqual(secrets.get(value), `known gluu:${key}`, `${key} is looked for`);
                }
                assert.ok(secrets.size >= 10, `only ${secrets.size} secret values`);
                assert.ok(resources.length > 50 && planFiles.length > 20);
            });

            it("keeps every secret out of every registration input outside Pulumi's secret wrapper", () => {
                const found = resources.flatMap((r) => inputLeaks(r, secrets));
                assert.deepStrictEqual(found, []);
            });

            it("keeps every secret out of every command's create/update/delete text and environment (wrapped or not)", () => {
                const commands = resources.filter((r) => r.type === REMOTE_COMMAND);
                assert.ok(commands.length > 20);
                for (const r of commands) {
                    for (const field of [...TEXT_FIELDS, "environment"]) {
                        for (const text of strings(r.inputs[field])) {
                            assert.deepStrictEqual(leaksIn(text, secrets), [], `${r.name}.${field}`);
                        }
                    }
                }
            });

            it("keeps every secret out of every file the plan writes", () => {
                const found: string[] = [];
                for (const f of planFiles) {
                    const l = leaksIn(fs.readFileSync(f, "utf8"), secrets);
                    if (l.length) found.push(`${path.relative(planDir, f)}: ${[...new Set(l)].join(", ")}`);
                }
                assert.deepStrictEqual(found, []);
                assert.ok(planFiles.some((f) => f.endsWith(".stdin") && fs.readFileSync(f, "utf8").includes("[secret:")), "stdin files name their secrets");
            });

            it("keeps every secret out of the error a failing step would print", () => {
                for (const r of resources.filter((x) => x.type === REMOTE_COMMAND)) {
                    const { text, output } = failureMessage(r);
                    assert.deepStrictEqual(leaksIn(text, secrets), [], `${r.name}: the command text of its failure message`);
                    if (r.inputs.logging !== "none") {
                        // A step that logs may print its output in the error; it must never print a secret.
                        assert.deepStrictEqual(leaksIn(text + output, secrets), [], `${r.name}: its failure message`);
                    }
                    // Secret-bearing steps (logging none) may print secrets (an export prints keys): whether the
                    // provider's error text includes output when logging is none is the provider's business, so
                    // only their command text is checked here; their stdout/stderr are secret outputs (below).
                }
            });

            it("gives every secret-bearing step (stdin or *-export), all of them, logging none, secret outputs and no previous output", () => {
                const bearing = resources.filter((r) => r.type === REMOTE_COMMAND && secretBearing(r));
                assert.ok(bearing.length >= 10, `${bearing.length} secret-bearing steps`);
                for (const r of bearing) {
                    assert.strictEqual(r.inputs.logging, "none", `${r.name}: logging`);
                    assert.strictEqual(r.inputs.addPreviousOutputInEnv, false, `${r.name}: addPreviousOutputInEnv`);
                    if (unwrap(r.inputs.stdin).value !== undefined) assert.ok(unwrap(r.inputs.stdin).secret, `${r.name}: stdin is a secret`);
                    assert.ok(secretOutputs.has(r.name), `${r.name}: its options were seen`);
                    const extra = secretOutputs.get(r.name) ?? [];
                    assert.ok(extra.includes("stdout") && extra.includes("stderr"), `${r.name}: additionalSecretOutputs ${JSON.stringify(extra)} holds stdout and stderr`);
                }
            });

            it("gives every command addPreviousOutputInEnv false and a connection that pins the host key", () => {
                for (const r of resources.filter((x) => x.type === REMOTE_COMMAND)) {
                    assert.strictEqual(r.inputs.addPreviousOutputInEnv, false, `${r.name}: addPreviousOutputInEnv`);
                    const conn = unwrap(r.inputs.connection).value;
                    assert.ok(conn && typeof conn === "object", `${r.name}: has a connection`);
                    assert.match(String(unwrap(conn.hostKey).value ?? ""), /^(ssh-ed25519|ecdsa-sha2-nistp\d+|ssh-rsa) AAAA[A-Za-z0-9+/]+=*/, `${r.name}: hostKey`);
                    if (conn.privateKey !== undefined) {
                        assert.ok(unwrap(r.inputs.connection).secret || unwrap(conn.privateKey).secret, `${r.name}: the login key is a secret`);
                    }
                }
            });
        });
    }
});
