// examples/ (issue 11): the Pulumi YAML and Python programs that use the component package must name only
// properties the schema has, with values of the schema's types, so they cannot drift from the components silently.
// The schema is the one the provider serves (GluuComponentProvider.getSchema(), in-process; GetSchema over gRPC
// returns the same string, test/componentPackage.spec.ts). The Python program is checked with regular expressions
// over its keyword arguments and attribute reads, in the snake_case the Python SDK generator gives them.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { PackageSchema, SchemaProperty } from "./helpers/schema";
import { clearText, construct, ov } from "./helpers/construct";
import { mockEd25519 } from "../src/mocks";

const EXAMPLES = path.resolve(__dirname, "..", "examples");
const TOKEN = "gluu:index:GluuCluster";

type Prop = SchemaProperty;
type Schema = PackageSchema;
/** A value's type as the example gives it: a schema primitive, an array of one, or a string literal (enums). */
interface Given {
    type: "string" | "number" | "integer" | "boolean" | "array" | "object";
    items?: Given;
    literal?: unknown;
    secret?: boolean;
}

async function loadSchema(): Promise<Schema> {
    process.env.GLUU_PROVIDER_NO_SERVE = "1";
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { provider } = require("../provider") as typeof import("../provider");
    return JSON.parse(await provider().getSchema());
}

/** Pulumi's Python codegen name for a schema property (camelCase → snake_case, digits stay with their word). */
export function pyName(name: string): string {
    return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2").toLowerCase();
}

/** Checks that `given` fits the schema property `prop`; returns a problem or undefined. */
function typeProblem(schema: Schema, prop: Prop, given: Given): string | undefined {
    if (prop.$ref) {
        const t = schema.types[prop.$ref.replace(/^#\/types\//, "")];
        if (!t) {
            return `unknown type ${prop.$ref}`;
        }
        if (t.enum) {
            if (given.literal === undefined) {
                return given.type === t.type ? undefined : `${given.type} for an enum of ${t.type}`;
            }
            return t.enum.some((e) => e.value === given.literal) ? undefined : `${JSON.stringify(given.literal)} is none of ${t.enum.map((e) => e.value).join(", ")}`;
        }
        return given.type === "object" ? undefined : `${given.type} for object type ${prop.$ref}`;
    }
    const ok = prop.type === given.type || (prop.type === "number" && given.type === "integer") || (prop.type === "integer" && given.type === "integer");
    if (!ok) {
        return `${given.type} for ${prop.type}`;
    }
    if (prop.type === "array" && prop.items && given.items) {
        const inner = typeProblem(schema, prop.items, given.items);
        return inner && `items: ${inner}`;
    }
    return undefined;
}

/** A Pulumi.yaml `config:` declaration as a Given. */
function configType(decl: { type: string; items?: { type: string }; secret?: boolean }): Given {
    return {
        type: decl.type as Given["type"],
        items: decl.items && { type: decl.items.type as Given["type"] },
        secret: decl.secret === true,
    };
}

function literalType(v: unknown): Given {
    if (typeof v === "string") {
        return { type: "string", literal: v };
    }
    if (typeof v === "number") {
        return { type: Number.isInteger(v) ? "integer" : "number", literal: v };
    }
    if (typeof v === "boolean") {
        return { type: "boolean", literal: v };
    }
    if (Array.isArray(v)) {
        return { type: "array", items: v.length ? literalType(v[0]) : undefined };
    }
    return { type: "object" };
}

function checkInputs(schema: Schema, where: string, given: Record<string, Given>): void {
    const res = schema.resources[TOKEN];
    const problems: string[] = [];
    for (const [name, g] of Object.entries(given)) {
        const prop = res.inputProperties[name];
        if (!prop) {
            problems.push(`${name}: not an input of ${TOKEN}`);
            continue;
        }
        const p = typeProblem(schema, prop, g);
        if (p) {
            problems.push(`${name}: ${p}`);
        }
        if (g.secret && !prop.secret) {
            problems.push(`${name}: the example passes a secret the schema does not mark secret`);
        }
        if (prop.secret && g.literal !== undefined) {
            problems.push(`${name}: a secret input given as a literal`);
        }
    }
    for (const req of res.requiredInputs ?? []) {
        if (!(req in given)) {
            problems.push(`${req}: required input missing`);
        }
    }
    assert.deepEqual(problems, [], `${where}:\n${problems.join("\n")}`);
}

describe("examples/ against the schema the provider serves", function () {
    this.timeout(90_000);
    let schema: Schema;
    before(async () => {
        schema = await loadSchema();
        assert.ok(schema.resources[TOKEN], TOKEN);
    });

    describe("examples/yaml (Pulumi YAML)", () => {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const program: any = parse(fs.readFileSync(path.join(EXAMPLES, "yaml", "Pulumi.yaml"), "utf8"));

        it("is a YAML program that uses the local package and declares the config it reads", () => {
            assert.equal(program.runtime, "yaml");
            assert.equal(program.packages?.gluu, "../../provider");
            assert.ok(fs.existsSync(path.join(EXAMPLES, "yaml", program.packages.gluu, "PulumiPlugin.yaml")));
            const clusters = Object.values(program.resources as Record<string, { type: string }>).filter((r) => r.type === TOKEN);
            assert.equal(clusters.length, 1);
        });

        it("gives GluuCluster only schema inputs, of the schema's types, all required ones included", () => {
            const [, cluster] = Object.entries(program.resources as Record<string, { type: string; properties: Record<string, unknown> }>).find(([, r]) => r.type === TOKEN)!;
            const config = program.config as Record<string, { type: string; items?: { type: string }; secret?: boolean }>;
            const given: Record<string, Given> = {};
            for (const [name, value] of Object.entries(cluster.properties)) {
                const ref = typeof value === "string" ? /^\$\{([A-Za-z0-9_]+)\}$/.exec(value) : null;
                if (ref) {
                    assert.ok(config[ref[1]], `${name}: \${${ref[1]}} is not declared under config:`);
                    given[name] = configType(config[ref[1]]);
                } else {
                    given[name] = literalType(value);
                }
            }
            checkInputs(schema, "examples/yaml/Pulumi.yaml", given);
            assert.equal(given.nodeCount?.type, "integer", "droplets: nodeCount");
        });

        it("exports only outputs GluuCluster has", () => {
            const [resName] = Object.entries(program.resources as Record<string, { type: string }>).find(([, r]) => r.type === TOKEN)!;
            const outputs = Object.values(program.outputs as Record<string, string>);
            assert.ok(outputs.length > 0);
            for (const o of outputs) {
                const m = new RegExp(`^\\$\\{${resName}\\.([A-Za-z0-9_]+)\\}$`).exec(o);
                assert.ok(m, `output ${o} reads ${resName}.<property>`);
                assert.ok(schema.resources[TOKEN].properties[m[1]], `${m[1]} is not an output of ${TOKEN}`);
            }
        });
    });

    describe("examples/python (the generated SDK, pulumi_gluu)", () => {
        const dir = path.join(EXAMPLES, "python");
        const source = fs.readFileSync(path.join(dir, "__main__.py"), "utf8");
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const project: any = parse(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8"));

        it("imports the module the generator names for package gluu, with the SDK in requirements.txt", () => {
            assert.match(source, /^import pulumi_gluu as gluu$/m);
            assert.equal(project.runtime.name, "python");
            assert.equal(project.packages?.gluu, "../../provider");
            const reqs = fs.readFileSync(path.join(dir, "requirements.txt"), "utf8").split("\n").map((l) => l.trim());
            assert.ok(reqs.includes("sdks/gluu"), "requirements.txt: sdks/gluu (what pulumi package add links)");
            assert.ok(reqs.some((l) => /^pulumi[><=]/.test(l)));
        });

        it("passes GluuCluster only schema inputs (snake_case), of the schema's types, all required ones included", () => {
            const call = /gluu\.GluuCluster\(\s*"[^"]+",\n([\s\S]*?)\n\)/.exec(source);
            assert.ok(call, "gluu.GluuCluster(\"<name>\", …) call");
            const byPy = new Map(Object.keys(schema.resources[TOKEN].inputProperties).map((n) => [pyName(n), n]));
            const config = project.config as Record<string, { type: string; items?: { type: string }; secret?: boolean }>;
            const given: Record<string, Given> = {};
            for (const line of call[1].split("\n")) {
                const kw = /^\s+([a-z0-9_]+)=(.+),$/.exec(line);
                assert.ok(kw, `one keyword argument per line: ${line}`);
                const [, py, expr] = kw;
                const name = byPy.get(py);
                assert.ok(name, `${py}: no input of ${TOKEN} is ${py} in Python`);
                let g: Given;
                const cfg = /^config\.(get|require|get_int|require_int|get_bool|require_bool|get_object|require_object|get_secret|require_secret)\("([A-Za-z0-9_]+)"\)/.exec(expr);
                if (cfg) {
                    const [, fn, key] = cfg;
                    assert.ok(config[key], `${py}: config "${key}" is not declared in examples/python/Pulumi.yaml`);
                    const declared = configType(config[key]);
                    const read: Given = /int/.test(fn) ? { type: "integer" } : /bool/.test(fn) ? { type: "boolean" } : /object/.test(fn) ? declared : { type: "string" };
                    assert.equal(read.type, declared.type, `${py}: config.${fn}("${key}") reads a ${read.type}, declared ${declared.type}`);
                    g = { ...declared, secret: /secret/.test(fn) };
                    assert.equal(g.secret, declared.secret, `${py}: config "${key}" secret in Pulumi.yaml and read with *_secret`);
                } else if (/^"[^"]*"$/.test(expr)) {
                    g = literalType(JSON.parse(expr));
                } else if (/^-?\d+$/.test(expr)) {
                    g = literalType(Number(expr));
                } else if (/^(True|False)$/.test(expr)) {
                    g = literalType(expr === "True");
                } else {
                    assert.fail(`${py}: cannot tell the type of ${expr}`);
                }
                given[name] = g;
            }
            checkInputs(schema, "examples/python/__main__.py", given);
            assert.equal(given.nodeCount?.type, "integer", "droplets: nodeCount");
        });

        it("exports only outputs GluuCluster has", () => {
            const byPy = new Map(Object.keys(schema.resources[TOKEN].properties).map((n) => [pyName(n), n]));
            const reads = [...source.matchAll(/\bcluster\.([a-z0-9_]+)/g)].map((m) => m[1]);
            assert.ok(reads.length > 0);
            for (const r of reads) {
                assert.ok(byPy.has(r), `cluster.${r} is no output of ${TOKEN}`);
            }
        });
    });

    describe("examples/yaml-replication (Pulumi YAML, a service component given its hosts)", () => {
        const file = path.join(EXAMPLES, "yaml-replication", "Pulumi.yaml");
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const program: any = parse(fs.readFileSync(file, "utf8"));
        const config = program.config as Record<string, { type: string; items?: { type: string }; secret?: boolean }>;
        const resources = Object.entries(program.resources as Record<string, { type: string; properties: Record<string, unknown> }>);

        /** Problems of a YAML value against a schema property, object types and lists walked field by field. */
        function valueProblems(prop: Prop, value: unknown, where: string): string[] {
            const ref = typeof value === "string" ? /^\$\{([A-Za-z0-9_]+)\}$/.exec(value) : null;
            if (ref) {
                const decl = config[ref[1]];
                if (!decl) return [`${where}: \${${ref[1]}} is not declared under config:`];
                const g = configType(decl);
                const p = typeProblem(schema, prop, g);
                return [...(p ? [`${where}: ${p}`] : []), ...(g.secret && !prop.secret ? [`${where}: a secret where the schema has none`] : [])];
            }
            const type = prop.$ref ? schema.types[prop.$ref.replace(/^#\/types\//, "")] : undefined;
            if (type?.properties) {
                if (!value || typeof value !== "object" || Array.isArray(value)) return [`${where}: an object of ${prop.$ref}`];
                const obj = value as Record<string, unknown>;
                // eslint-disable-next-line @typescript-eslint/no-explicit-any
                const required: string[] = (type as any).required ?? [];
                return [
                    ...required.filter((r) => !(r in obj)).map((r) => `${where}.${r}: required field missing`),
                    ...Object.entries(obj).flatMap(([k, v]) => (type.properties![k] ? valueProblems(type.properties![k], v, `${where}.${k}`) : [`${where}.${k}: not a field of ${prop.$ref}`])),
                ];
            }
            if (prop.type === "array" && Array.isArray(value)) {
                return value.flatMap((v, i) => valueProblems(prop.items ?? {}, v, `${where}[${i}]`));
            }
            const p = typeProblem(schema, prop, literalType(value));
            return [...(p ? [`${where}: ${p}`] : []), ...(prop.secret ? [`${where}: a secret input given as a literal`] : [])];
        }

        it("is a YAML program that uses the local package", () => {
            assert.equal(program.runtime, "yaml");
            assert.equal(program.packages?.gluu, "../../provider");
            assert.ok(fs.existsSync(path.join(EXAMPLES, "yaml-replication", program.packages.gluu, "PulumiPlugin.yaml")));
        });

        it("gives each gluu resource only schema inputs and fields, of the schema's types, all required ones included", () => {
            const problems: string[] = [];
            for (const [name, r] of resources) {
                const res = schema.resources[r.type];
                assert.ok(res, `${name}: ${r.type} is in the schema`);
                for (const req of res.requiredInputs ?? []) if (!(req in r.properties)) problems.push(`${name}.${req}: required input missing`);
                for (const [k, v] of Object.entries(r.properties)) {
                    problems.push(...(res.inputProperties[k] ? valueProblems(res.inputProperties[k], v, `${name}.${k}`) : [`${name}.${k}: not an input of ${r.type}`]));
                }
            }
            assert.deepEqual(problems, []);
        });

        it("exports only outputs its resources have", () => {
            for (const o of Object.values(program.outputs as Record<string, string>)) {
                const m = /^\$\{([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)\}$/.exec(o);
                assert.ok(m, o);
                const r = (program.resources as Record<string, { type: string }>)[m[1]];
                assert.ok(r && schema.resources[r.type].properties[m[2]], `${o}: an output of ${r?.type}`);
            }
        });

        it("constructs through the provider with its config as Pulumi YAML sends it (secret config as secret output values)", async () => {
            const key = mockEd25519("yaml-replication login").privateKeyOpenssh;
            const values: Record<string, unknown> = {
                node1Address: "192.0.2.11", node1PrivateAddress: "10.0.0.11", node1HostKey: mockEd25519("host gluu-1").publicKeyOpenssh.trim(),
                node2Address: "192.0.2.12", node2PrivateAddress: "10.0.0.12", node2HostKey: mockEd25519("host gluu-2").publicKeyOpenssh.trim(),
                sshPrivateKey: ov(key, { secret: true }), directoryManagerPassword: ov("Dm-password-123", { secret: true }),
            };
            assert.deepEqual(Object.keys(values).sort(), Object.keys(config).sort(), "a value for every config key");
            const resolve = (v: unknown): unknown => {
                const m = typeof v === "string" ? /^\$\{([A-Za-z0-9_]+)\}$/.exec(v) : null;
                if (m) return values[m[1]];
                if (Array.isArray(v)) return v.map(resolve);
                if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, resolve(e)]));
                return v;
            };
            const [[name, r]] = resources;
            const c = await construct(r.type.split(":")[2], name, resolve(r.properties) as Record<string, unknown>);
            for (const n of ["gluu-1-opendj-prep", "gluu-2-opendj-prep", "gluu-1-repl-init", "gluu-1-repl-status", "gluu-2-opendj-keys"]) assert.ok(c.steps.has(n), n);
            for (const s of c.seen) {
                assert.deepEqual(clearText(s.obj, key.split("\n")[1]), [], `${s.name}: the SSH key never in clear`);
                assert.deepEqual(clearText(s.obj, "Dm-password-123"), [], `${s.name}: the password never in clear`);
            }
        });
    });

    it("pyName follows the Python generator for the names the examples use", () => {
        assert.equal(pyName("csync2IntervalMinutes"), "csync2_interval_minutes");
        assert.equal(pyName("adminUrl"), "admin_url");
        assert.equal(pyName("lbPrivateKeyPem"), "lb_private_key_pem");
    });
});
