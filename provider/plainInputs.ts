// Construct inputs reshaped for the components' TypeScript types, driven by the package schema's `plain` flags.
//
// What a component receives through Construct is not what a TypeScript program passes. The engine keeps output
// values for Construct (pulumi/pulumi@v3.248.0 sdk/go/common/resource/plugin/provider_plugin.go Construct:
// `KeepOutputValues: protocol.acceptOutputs`, and the Node.js provider accepts them, sdk/nodejs/provider/server.ts
// configure `setAcceptoutputs(true)`); a program's secrets and unknowns reach it as output values too
// (pkg/resource/deploy/source_eval.go RegisterResource unmarshals with `UpgradeToOutputValues: true` and keeps them
// for remote components). The provider server then hands each top-level input to the component as it is only when
// it is not secret and either has no dependencies, already contains Outputs, or is one resource reference; any
// other input becomes ONE Output of the whole value, carrying the input's dependencies and secretness
// (sdk/nodejs/provider/server.ts deserializeInputs; a nested plain secret is pushed up to the whole value,
// sdk/nodejs/runtime/rpc.ts deserializeProperty). So a `host` whose only dependencies are its `readyAfter`
// references, a whole host passed as one output value (a YAML `${...}`, an `apply` result, an unknown in preview),
// a host list in either form, or a list of `after` references arrive as a single Output, and a name taken from
// another resource's output arrives as an Output inside the host, where the components read `host.name`,
// `host.readyAfter`, `nodes.length` synchronously. (A secret nested in a host, e.g. a key from `requireSecret`,
// reaches the provider from this engine as an output value inside the object, which is then passed on as it is;
// a nested secret in the older secret-signature form wraps the whole host as one secret Output.)
//
// The analyzer records which properties are plain (not `pulumi.Input`) in the schema it infers
// (@pulumi/pulumi@3.248.0 provider/experimental/analyzer.js analyzeType: `plain: true` where the TypeScript type is
// not an Input). Before the component runs, every plain value is awaited (Construct is async) and rebuilt as the
// plain value its type declares; the Input fields inside it become per-field Outputs that keep every dependency of
// the enclosing value and are secret when they were secret themselves or when the enclosing value was secret and
// the schema marks the field secret (the only secrets a host has: SshConnectionArgs.privateKey). A plain value that
// is unknown (preview) is refused with the field named. Lists of resource references (`readyAfter`, `after`, ...)
// become plain lists; dependencies of the list that are not among its references are kept as DependencyResources
// in it (the components use these lists only as `dependsOn`).

import * as pulumi from "@pulumi/pulumi";
import { ArgsError } from "../components/validation";

/** A property spec of the package schema (pulumi/pulumi@v3.248.0 pkg/codegen/schema/pulumi.json). */
export interface PropertySpec {
    type?: string;
    $ref?: string;
    items?: PropertySpec;
    plain?: boolean;
    secret?: boolean;
}

export interface InputSchema {
    resources: Record<string, { inputProperties: Record<string, PropertySpec> }>;
    types: Record<string, { properties?: Record<string, PropertySpec> }>;
}

/** What an enclosing value contributes to the fields inside it. */
interface Context {
    deps: pulumi.Resource[];
    secret: boolean;
}

interface Opened {
    value: unknown;
    known: boolean;
    secret: boolean;
    deps: pulumi.Resource[];
}

/** A value not known yet: raised as the field's problem. */
class Unknown extends Error {}

/** Output internals the SDK's own Construct path uses (server.ts deserializeInputs builds Outputs the same way). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type OutputInternals = pulumi.Output<unknown> & { promise(withUnknowns?: boolean): Promise<unknown>; isKnown: Promise<boolean>; allResources(): Promise<Set<pulumi.Resource>> };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const OutputCtor = pulumi.Output as any;

async function open(v: unknown): Promise<Opened> {
    if (!pulumi.Output.isInstance(v)) {
        return { value: v, known: !pulumi.isUnknown(v), secret: false, deps: [] };
    }
    const o = v as OutputInternals;
    const [value, isKnown, secret, deps] = await Promise.all([o.promise(true), o.isKnown, pulumi.isSecret(o), o.allResources()]);
    // isKnown is false as soon as anything inside is unknown; the value itself is usable unless it is the unknown.
    const known = isKnown || (value !== undefined && !pulumi.isUnknown(value));
    return { value, known, secret, deps: [...deps] };
}

const urnOf = (r: pulumi.Resource): Promise<unknown> => (r.urn as unknown as OutputInternals).promise();

function union(a: pulumi.Resource[], b: pulumi.Resource[]): pulumi.Resource[] {
    return b.length === 0 ? a : a.length === 0 ? b : [...new Set([...a, ...b])];
}

/** An Input field: the value itself when nothing is to be added, else an Output with the enclosing deps and secret. */
function inputField(v: unknown, spec: PropertySpec, ctx: Context): unknown {
    const secret = ctx.secret && spec.secret === true;
    if (ctx.deps.length === 0 && !secret && !pulumi.isUnknown(v)) {
        return v;
    }
    // pulumi.output lifts nested Outputs and keeps the value's own secretness and dependencies.
    const inner = pulumi.output(v) as OutputInternals;
    return new OutputCtor(
        ctx.deps,
        inner.promise(true),
        inner.isKnown,
        pulumi.isSecret(inner).then((s) => s || secret),
        inner.allResources().then((r) => union([...r], ctx.deps)),
    );
}

function typeOf(schema: InputSchema, ref: string): Record<string, PropertySpec> | undefined {
    const m = /^#\/types\/(.+)$/.exec(ref);
    return m ? schema.types[m[1]]?.properties : undefined;
}

const isResourceRef = (spec: PropertySpec) => spec.$ref !== undefined && spec.$ref.includes("#/resources/");

async function adapt(schema: InputSchema, v: unknown, spec: PropertySpec, path: string, ctx: Context): Promise<unknown> {
    if (v === undefined || v === null) {
        return v;
    }
    const fields = spec.$ref ? typeOf(schema, spec.$ref) : undefined;
    if (spec.plain !== true) {
        return inputField(v, spec, ctx);
    }
    const o = await open(v);
    if (!o.known) {
        throw new Unknown(path);
    }
    const inner: Context = { deps: union(ctx.deps, o.deps), secret: ctx.secret || o.secret };
    const value = o.value;
    if (value === undefined || value === null) {
        return value;
    }
    if (spec.type === "array") {
        if (!Array.isArray(value)) {
            throw new Error(`\`${path}\` must be a list`);
        }
        const items = spec.items ?? {};
        const out: unknown[] = [];
        for (let i = 0; i < value.length; i++) {
            out.push(await adapt(schema, value[i], items, `${path}[${i}]`, inner));
        }
        if (isResourceRef(items) && inner.deps.length > 0) {
            // Dependencies of the list beyond its own references stay edges of whoever waits for the list.
            const urns = new Set(await Promise.all(out.map((r) => urnOf(r as pulumi.Resource))));
            for (const d of inner.deps) {
                const urn = await urnOf(d);
                if (!urns.has(urn)) {
                    urns.add(urn);
                    out.push(d);
                }
            }
        }
        return out;
    }
    if (isResourceRef(spec)) {
        if (pulumi.Resource.isInstance(value)) {
            return value;
        }
        // A reference the SDK could not rehydrate (its module not registered) deserializes to its URN or ID
        // (sdk/nodejs/runtime/rpc.ts deserializeProperty, specialResourceSig).
        if (typeof value === "string" && value.startsWith("urn:pulumi:")) {
            return new pulumi.DependencyResource(value);
        }
        throw new Error(`\`${path}\` must be a resource reference (${spec.$ref!.replace(/^.*#\/resources\//, "")}), got ${JSON.stringify(value)}`);
    }
    if (fields) {
        if (typeof value !== "object" || Array.isArray(value)) {
            throw new Error(`\`${path}\` must be an object`);
        }
        const obj = value as Record<string, unknown>;
        // Plain fields first: their own dependencies (a name computed from another resource's output) become
        // dependencies of the Input fields beside them, the only place they can still be carried.
        const out: Record<string, unknown> = { ...obj };
        const plainKeys = Object.keys(fields).filter((k) => fields[k].plain === true && k in obj);
        const ctxHere: Context = { deps: [...inner.deps], secret: inner.secret };
        for (const k of plainKeys) {
            const field = fields[k];
            if (!field.type || field.type === "array" || field.$ref) {
                continue; // containers: adapted below with the final context
            }
            const f = await open(obj[k]);
            if (!f.known) {
                throw new Unknown(`${path}.${k}`);
            }
            ctxHere.deps = union(ctxHere.deps, f.deps);
        }
        for (const k of Object.keys(fields)) {
            if (k in obj) {
                out[k] = await adapt(schema, obj[k], fields[k], `${path}.${k}`, ctxHere);
            }
        }
        return out;
    }
    // A plain scalar (string, number, boolean, enum): a plain value cannot stay secret or carry dependencies.
    if (spec.secret === true && inner.secret) {
        throw new Error(`\`${path}\` is secret but must be a plain value (internal: the schema marks a plain field secret)`);
    }
    return value;
}

/**
 * The inputs of a Construct of `type` reshaped as its component's TypeScript Args declare them (see the top of this
 * file). A plain value that is not known yet (during preview) is an ArgsError naming the field.
 */
export async function plainInputs(schema: InputSchema, type: string, name: string, inputs: Record<string, unknown>): Promise<Record<string, unknown>> {
    const resource = schema.resources[type];
    if (!resource) {
        return inputs;
    }
    const component = type.split(":")[2];
    const out: Record<string, unknown> = { ...inputs };
    const problems: string[] = [];
    for (const [k, spec] of Object.entries(resource.inputProperties)) {
        if (!(k in inputs) || spec.plain !== true) {
            continue;
        }
        try {
            out[k] = await adapt(schema, inputs[k], spec, k, { deps: [], secret: false });
        } catch (e) {
            if (e instanceof Unknown) {
                problems.push(
                    `\`${e.message}\` is not known yet (it comes from a resource that is not created yet, as in a preview): ` +
                        `the component needs it when it is constructed (it names resources or decides which steps exist); pass a value known before the update, e.g. a plain string rather than another resource's output`,
                );
            } else {
                problems.push((e as Error).message);
            }
        }
    }
    if (problems.length > 0) {
        throw new ArgsError(`${component} \`${name}\``, problems);
    }
    return out;
}
