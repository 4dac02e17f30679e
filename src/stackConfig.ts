// The stack's configuration as the Pulumi CLI hands it to the program, loaded offline (plan, bench, tests).
//
// The CLI does this before the program starts (pulumi/pulumi@v3.248.0):
// - project: sdk/go/common/workspace/project.go `Project.Validate` (a declaration may not have both `default`
//   and `value`; an `array` needs `items`; a `default` must have its declared type) and the project schema
//   sdk/go/common/workspace/project.json (`configTypeDeclaration`: type, items, description, secret, default,
//   value and nothing else; types string, integer, boolean, array, object).
// - stack: sdk/go/common/workspace/config.go `ValidateStackConfigAndApplyProjectConfig` → `mergeConfig`:
//   1. every declared key in the project's namespace that the stack lacks and that has no `default`/`value`
//      is missing; all of them are reported together, sorted: "Stack 'dev' is missing configuration values
//      'a', 'b' and 'c'" (`missingStackConfigurationKeysError`, `formatMissingKeys`);
//   2. the stack lacks a key with a `default`: the default is merged in (`createConfigValue`: scalars as
//      their text, lists and maps as JSON);
//   3. then, per declared key with a type, in sorted order, the FIRST problem stops it
//      (`validateStackConfigValues` → `validateStackConfigValue`): a `secret: true` key whose value is not
//      `secure:` ("… must be encrypted as it's secret"), then the type ("… must be of type 'array<string>'",
//      `ValidateConfigValue` in project.go: a scalar value reaches it as text, so `string` accepts any scalar,
//      `integer` text that strconv.Atoi accepts, `boolean` exactly "true"/"false"; lists and maps are JSON).
// - undeclared keys are not checked at all (nothing in v3.248.0 rejects them); the program's own
//   `parseStackConfig` (zod `.strict()`) refuses unknown `gluu:` keys and checks every value.
// Values reach the program as text: scalars as written (sdk/go/common/resource/config/object.go `MarshalString`),
// lists and maps as JSON, `secure:` values decrypted (here: whatever `decrypt` returns).

import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
// Types only: the program's validation (zod) is loaded when `loadStackConfig` runs, so the review tool for other
// programs (src/planTool.ts), which uses only the CLI part, does not need zod.
import type { ParseOptions, StackConfig } from "./config";

/** `items` of an array declaration. */
export interface ConfigItemsType {
    type: string;
    items?: ConfigItemsType;
}

/** One `config:` declaration of Pulumi.yaml. */
export interface ProjectConfigType {
    type?: string;
    items?: ConfigItemsType;
    description?: string;
    default?: unknown;
    value?: unknown;
    secret?: boolean;
}

export interface ProjectDeclaration {
    name: string;
    config: Record<string, ProjectConfigType>;
}

/** One stack value as the CLI holds it: its text (ciphertext for `secure:`), whether secret, whether JSON. */
export interface StackValue {
    text: string;
    secure: boolean;
    object: boolean;
}

/** The CLI refuses the project or the stack: the message is the CLI's own. */
export class CliConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "CliConfigError";
    }
}

export const REPO_ROOT = [path.resolve(__dirname, ".."), path.resolve(__dirname, "../..")].find((d) => fs.existsSync(path.join(d, "Pulumi.yaml")))!;
export const PROJECT_FILE = path.join(REPO_ROOT ?? ".", "Pulumi.yaml");

const SIMPLE_TYPES = ["string", "integer", "boolean", "array", "object"];
const DECLARATION_KEYS = ["type", "items", "description", "secret", "default", "value"];

/** Read and check Pulumi.yaml's `config:` as the CLI does when it loads the project. */
export function readProject(file: string = PROJECT_FILE): ProjectDeclaration {
    const doc = YAML.parse(fs.readFileSync(file, "utf8")) ?? {};
    const name = String(doc.name ?? "");
    if (!name) throw new CliConfigError("project is missing a 'name' attribute");
    const config: Record<string, ProjectConfigType> = {};
    for (const [key, given] of Object.entries<any>(doc.config ?? {})) {
        const namespaced = !key.includes(":") || key.startsWith(`${name}:`);
        // The short form: a plain value or a list is a `default` for the project's own keys and a `value` for other
        // namespaces (pulumi/pulumi@v3.248.0:sdk/go/common/workspace/project.go RewriteShorthandConfigValues).
        const shorthand = given === null || typeof given !== "object" || Array.isArray(given);
        const decl: any = shorthand ? (namespaced ? { default: given } : { value: given }) : given;
        const extra = Object.keys(decl).filter((k) => !DECLARATION_KEYS.includes(k));
        if (extra.length > 0) throw new CliConfigError(`${file}: config '${key}': additional properties ${extra.join(", ")} are not allowed (project.json configTypeDeclaration)`);
        if (decl.type !== undefined && !SIMPLE_TYPES.includes(decl.type)) throw new CliConfigError(`${file}: config '${key}': type must be one of ${SIMPLE_TYPES.join(", ")}`);
        if (decl.default !== undefined && decl.value !== undefined) throw new CliConfigError(`project config '${key}' cannot have both a 'default' and 'value' attribute`);
        if (namespaced) {
            if (decl.type === "array" && decl.items === undefined) {
                throw new CliConfigError(`The configuration key '${key}' declares an array but does not specify the underlying type via the 'items' attribute`);
            }
            if (decl.type !== undefined && decl.default !== undefined && !validateConfigValue(decl.type, decl.items, decl.default)) {
                throw new CliConfigError(`The default value specified for configuration key '${key}' is not of the expected type '${fullTypeName(decl.type, decl.items)}'`);
            }
        } else if (decl.type !== undefined) {
            throw new CliConfigError(`Configuration key '${key}' is not namespaced by the project and should not define a type`);
        } else if (decl.default !== undefined) {
            // project.go Project.Validate: defaults belong to a type schema, which only the project's own keys have.
            throw new CliConfigError(
                `Configuration key '${key}' is not namespaced by the project and should not define a default value. Did you mean to use the 'value' attribute instead of 'default'?`,
            );
        } else if (decl.value === undefined) {
            throw new CliConfigError(`Configuration key '${key}' is namespaced and must provide an attribute 'value'`);
        }
        config[key] = decl;
    }
    return { name, config };
}

/** `type` with its items, as the CLI names it: `array<string>`. */
export function fullTypeName(type: string, items?: ConfigItemsType): string {
    return items ? `array<${fullTypeName(items.type, items.items)}>` : type;
}

/** The CLI's `ValidateConfigValue`: `value` is text for scalars, decoded JSON for lists and maps. */
export function validateConfigValue(type: string, items: ConfigItemsType | undefined, value: unknown): boolean {
    switch (type) {
        case "string":
            return typeof value === "string";
        case "integer":
            if (typeof value === "number") return Number.isInteger(value);
            // strconv.Atoi: an optional sign and decimal digits, nothing else.
            return typeof value === "string" && /^[+-]?\d+$/.test(value) && Math.abs(Number(value)) <= Number.MAX_SAFE_INTEGER;
        case "boolean":
            return value === true || value === false || value === "true" || value === "false";
        case "object":
            return value !== null && typeof value === "object" && !Array.isArray(value);
        default:
            return Array.isArray(value) && items !== undefined && value.every((v) => validateConfigValue(items.type, items.items, v));
    }
}

function isSecureMap(v: unknown): v is { secure: string } {
    return v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as any).secure === "string";
}
function containsSecure(v: unknown): boolean {
    if (isSecureMap(v)) return true;
    if (Array.isArray(v)) return v.some(containsSecure);
    return v !== null && typeof v === "object" && Object.values(v).some(containsSecure);
}

/** A YAML value as the CLI stores it (config/object.go MarshalString). */
export function stackValue(v: unknown): StackValue {
    if (typeof v === "string") return { text: v, secure: false, object: false };
    if (typeof v === "number" || typeof v === "boolean") return { text: JSON.stringify(v), secure: false, object: false };
    if (isSecureMap(v)) return { text: v.secure, secure: true, object: false };
    return { text: JSON.stringify(v), secure: containsSecure(v), object: true };
}

/** Every `config:` value of a stack file, by full key (`gluu:hostname`, `digitalocean:token`). */
export function readStackFile(file: string): Map<string, StackValue> {
    if (!fs.existsSync(file)) {
        throw new Error(`no stack file ${file}: stacks live in stacks/Pulumi.<stack>.yaml`);
    }
    const doc = YAML.parse(fs.readFileSync(file, "utf8")) ?? {};
    const values = new Map<string, StackValue>();
    for (const [key, value] of Object.entries<any>(doc.config ?? {})) {
        // config.ParseKey (sdk/go/common/resource/config/key.go): `<namespace>:<name>`.
        if (key.split(":").length !== 2) {
            throw new CliConfigError(`could not parse ${key} as a configuration key (configuration keys should be of the form \`<namespace>:<name>\`)`);
        }
        values.set(key, stackValue(value));
    }
    return values;
}

/** The stack name of `stacks/Pulumi.<name>.yaml`. */
export function stackNameOf(file: string): string {
    return /^Pulumi\.(.+)\.ya?ml$/.exec(path.basename(file))?.[1] ?? path.basename(file).replace(/\.ya?ml$/, "");
}

function formatMissingKeys(keys: string[]): string {
    if (keys.length === 1) return `'${keys[0]}'`;
    const sorted = [...keys].sort();
    return sorted.map((k, i) => (i === sorted.length - 1 ? `and '${k}'` : i === sorted.length - 2 ? `'${k}' ` : `'${k}', `)).join("");
}

/**
 * `mergeConfig` of the CLI: returns the stack's values with the project's defaults merged in, or throws the CLI's
 * error. `decrypt` turns a `secure:` value's ciphertext into its plaintext.
 */
export function applyProjectConfig(
    stack: string,
    project: ProjectDeclaration,
    values: Map<string, StackValue>,
    decrypt: (key: string, ciphertext: string) => string,
): Map<string, StackValue> {
    const merged = new Map(values);
    const keys = Object.keys(project.config).sort();
    const full = (k: string) => (k.includes(":") ? k : `${project.name}:${k}`);
    const missing: string[] = [];
    for (const k of keys) {
        const decl = project.config[k];
        const key = full(k);
        const found = merged.has(key);
        const hasDefault = decl.default !== undefined && decl.default !== null;
        const hasValue = decl.value !== undefined && decl.value !== null;
        if (!found && !hasValue && !hasDefault && key.startsWith(`${project.name}:`)) {
            missing.push(k);
            continue;
        }
        if (!found && (hasValue || hasDefault)) {
            const v = hasDefault ? decl.default : decl.value;
            const scalar = v === null || ["string", "number", "boolean"].includes(typeof v);
            merged.set(key, scalar ? { text: String(v), secure: false, object: false } : { text: JSON.stringify(v), secure: false, object: true });
        }
    }
    if (missing.length > 0) {
        throw new CliConfigError(`Stack '${stack}' is missing configuration ${missing.length > 1 ? "values" : "value"} ${formatMissingKeys(missing)}`);
    }
    for (const k of keys) {
        const decl = project.config[k];
        const v = merged.get(full(k));
        if (decl.type === undefined || v === undefined) continue;
        if (decl.secret && !v.secure) {
            throw new CliConfigError(`Stack '${stack}' with configuration key '${k}' must be encrypted as it's secret`);
        }
        // Checked as decrypted (config.go: `stackValue.Value(dec)`), lists and maps with secrets inside too.
        const text = !v.secure ? v.text : v.object ? decryptNested(full(k), v.text, decrypt) : decrypt(full(k), v.text);
        const content = v.object ? JSON.parse(text) : text;
        if (!validateConfigValue(decl.type, decl.items, content)) {
            throw new CliConfigError(`Stack '${stack}' with configuration key '${k}' must be of type '${fullTypeName(decl.type, decl.items)}'`);
        }
    }
    return merged;
}

/**
 * What the program sees of a stack: the raw `gluu:*` text, which of them are secrets, and the parsed config.
 * @internal this repository's program only (tsconfig.lib.json strips it, so the package's types need no zod)
 */
export interface LoadedStackConfig {
    stack: string;
    raw: Record<string, string>;
    secretKeys: string[];
    config: StackConfig;
}

/** Decrypt nested `secure:` values inside a list or map (JSON text). */
function decryptNested(key: string, json: string, decrypt: (key: string, ciphertext: string) => string): string {
    const walk = (v: any): any => (isSecureMap(v) ? decrypt(key, v.secure) : Array.isArray(v) ? v.map(walk) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)])) : v);
    return JSON.stringify(walk(JSON.parse(json)));
}

/**
 * Load a stack's config the way `pulumi preview`/`up` would hand it to the program, then run the program's own
 * validation (`parseStackConfig`, secrets required to be `secure:`). Throws CliConfigError for what the CLI
 * refuses and StackConfigError for what the program refuses.
 * @internal this repository's program only (tsconfig.lib.json strips it)
 */
export function loadStackConfig(opts: {
    stack: string;
    values: Map<string, StackValue>;
    decrypt: (key: string, ciphertext: string) => string;
    project?: ProjectDeclaration;
}): LoadedStackConfig {
    const project = opts.project ?? readProject();
    const merged = applyProjectConfig(opts.stack, project, opts.values, opts.decrypt);
    const prefix = `${project.name}:`;
    const raw: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, v] of merged) {
        if (!key.startsWith(prefix)) continue;
        const name = key.slice(prefix.length);
        raw[name] = v.secure ? (v.object ? decryptNested(key, v.text, opts.decrypt) : opts.decrypt(key, v.text)) : v.text;
        if (v.secure) secretKeys.push(name);
    }
    const parse: ParseOptions = { isSecret: (name) => secretKeys.includes(name) };
    const { parseStackConfig } = require("./config") as typeof import("./config");
    const config = parseStackConfig(raw, parse);
    return { stack: opts.stack, raw, secretKeys, config };
}
