// Construct through the component provider as the engine calls it (issue 11), in-process against the mock monitor
// of test/setup.ts: inputs in the wire form of a ConstructRequest, turned into the component's inputs by the
// provider server's own deserializeInputs (what the gRPC Construct handler calls), then handed to
// GluuComponentProvider.construct. Used by test/componentConstruct.spec.ts and test/examples.spec.ts.
//
// The wire form follows pulumi/pulumi@v3.248.0:
// - proto/pulumi/provider.proto ConstructRequest: `inputs` (a Struct) and `inputDependencies` (map of property name
//   to PropertyDependencies{urns}); sdk/nodejs/provider/server.ts construct passes both to deserializeInputs.
// - A program's secrets and unknowns reach the provider as output values: the engine's RegisterResource unmarshals
//   the program's request with KeepOutputValues and UpgradeToOutputValues (pkg/resource/deploy/source_eval.go,
//   RegisterResource; sdk/go/common/resource/plugin/rpc.go unmarshalSecretPropertyValue), does not downgrade them
//   for remote components, and Construct marshals them with `KeepOutputValues: protocol.acceptOutputs`
//   (sdk/go/common/resource/plugin/provider_plugin.go Construct), which the Node.js provider accepts (server.ts
//   configure setAcceptoutputs(true)). The program's own Outputs arrive as output values too
//   (sdk/python/lib/pulumi/runtime/rpc.py serialize_property, keep_output_values).
// - inputDependencies[k]: the program SDK's dependencies of property k (the resources of the Outputs inside it and
//   the resources it references: rpc.py serialize_property adds a reference's resource through its urn/id Outputs)
//   merged with the dependencies of the output values inside it (source_eval.go addOutputDependencies). depsOf()
//   below computes that union.
// Not covered: the gRPC transport and configureRuntime (the engine's monitor address, project/stack/config of the
// request); here the runtime is the one setMocks configured.
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const rpc = require("@pulumi/pulumi/runtime/rpc");
// eslint-disable-next-line @typescript-eslint/no-var-requires
const server = require("@pulumi/pulumi/provider/server");
// eslint-disable-next-line @typescript-eslint/no-var-requires
const settings = require("@pulumi/pulumi/runtime/settings");
// eslint-disable-next-line @typescript-eslint/no-var-requires
const structproto = require("google-protobuf/google/protobuf/struct_pb");

process.env.GLUU_PROVIDER_NO_SERVE = "1";
// eslint-disable-next-line @typescript-eslint/no-var-requires
export const { provider } = require("../../provider") as typeof import("../../provider");

/** Every RPC the program started has finished (registrations included). */
export const waitForRPCs = (): Promise<void> => settings.waitForRPCs();

export const SIG: string = rpc.specialSigKey;
export const COMMAND = "command:remote:Command";

export interface Seen {
    type: string;
    name: string;
    parent: string;
    deps: string[];
    propDeps: Record<string, string[]>;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    obj: Record<string, any>;
}

/** Records every RegisterResource request the mock monitor gets (parent and dependencies are not in the mocks' args). */
export function recordRegistrations(): { seen: Seen[]; stop(): void } {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const monitor: any = (pulumi.runtime as any).getMonitor();
    const orig = monitor.registerResource;
    const seen: Seen[] = [];
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    monitor.registerResource = function (req: any, cb: any) {
        const propDeps: Record<string, string[]> = {};
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        req.getPropertydependenciesMap().forEach((v: any, k: string) => (propDeps[k] = v.getUrnsList()));
        seen.push({ type: req.getType(), name: req.getName(), parent: req.getParent(), deps: req.getDependenciesList(), propDeps, obj: req.getObject()?.toJavaScript() ?? {} });
        return orig.call(this, req, cb);
    };
    return { seen, stop: () => (monitor.registerResource = orig) };
}

// --- the wire form ---
export const secretSig = (value: unknown) => ({ [SIG]: rpc.specialSecretSig, value });
/** An output value (rpc.go MarshalPropertyValue, IsOutput with KeepOutputValues): no `value` when unknown. */
export function ov(value: unknown, o: { secret?: boolean; deps?: string[] } = {}): Record<string, unknown> {
    return {
        [SIG]: rpc.specialOutputValueSig,
        ...(value === undefined ? {} : { value }),
        ...(o.secret ? { secret: true } : {}),
        ...(o.deps && o.deps.length > 0 ? { dependencies: o.deps } : {}),
    };
}
export interface Ref {
    urn: string;
    id: string;
    res: command.remote.Command;
}
export const ref = (r: Ref) => ({ [SIG]: rpc.specialResourceSig, urn: r.urn, id: r.id, packageVersion: "1.2.1" });

/** The URNs the engine lists in inputDependencies for a property (see the top of the file). */
export function depsOf(v: unknown, acc = new Set<string>()): Set<string> {
    if (Array.isArray(v)) {
        v.forEach((e) => depsOf(e, acc));
    } else if (v && typeof v === "object") {
        const o = v as Record<string, unknown>;
        if (o[SIG] === rpc.specialOutputValueSig) {
            ((o.dependencies as string[]) ?? []).forEach((d) => acc.add(d));
            if ("value" in o) depsOf(o.value, acc);
        } else if (o[SIG] === rpc.specialResourceSig) {
            acc.add(o.urn as string);
        } else if (o[SIG] === rpc.specialSecretSig) {
            depsOf(o.value, acc);
        } else {
            Object.values(o).forEach((e) => depsOf(e, acc));
        }
    }
    return acc;
}

/** What the gRPC Construct handler does with the request's inputs and inputDependencies. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function engineInputs(wire: Record<string, unknown>): Promise<Record<string, any>> {
    const struct = structproto.Struct.fromJavaScript(wire);
    const depMap = new Map(Object.entries(wire).map(([k, v]) => [k, { getUrnsList: () => [...depsOf(v)] }]));
    return server.deserializeInputs(struct, depMap);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const promiseOf = (o: unknown): Promise<any> => (pulumi.output(o) as any).promise();

export async function settle(state: Record<string, unknown>): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(state)) {
        out[k] = pulumi.Output.isInstance(v) ? await promiseOf(v) : v;
    }
    return out;
}

/** A step of the caller's program that a host or an edge refers to (a real registration, so the reference rehydrates). */
export async function callerStep(name: string): Promise<Ref> {
    const res = new command.remote.Command(name, { connection: { host: "192.0.2.1", user: "root", privateKey: "k" }, create: "true" });
    const [urn, id] = await Promise.all([promiseOf(res.urn), promiseOf(res.id)]);
    return { urn, id, res };
}

/** Paths at which `needle` appears in clear (outside a secret) in a serialized registration. */
export function clearText(v: unknown, needle: string, path = "", out: string[] = []): string[] {
    if (typeof v === "string") {
        if (v.includes(needle)) out.push(path || "(value)");
    } else if (Array.isArray(v)) {
        v.forEach((e, i) => clearText(e, needle, `${path}[${i}]`, out));
    } else if (v && typeof v === "object") {
        const o = v as Record<string, unknown>;
        if (o[SIG] === rpc.specialSecretSig) return out;
        for (const [k, e] of Object.entries(o)) clearText(e, needle, path ? `${path}.${k}` : k, out);
    }
    return out;
}
export const isSecretValue = (v: unknown) => !!v && typeof v === "object" && (v as Record<string, unknown>)[SIG] === rpc.specialSecretSig;

export interface Constructed {
    urn: string;
    state: Record<string, unknown>;
    seen: Seen[];
    /** The component's own remote steps, by name. */
    steps: Map<string, Seen>;
}

export async function construct(type: string, name: string, wire: Record<string, unknown>): Promise<Constructed> {
    const rec = recordRegistrations();
    try {
        const inputs = await engineInputs(wire);
        const result = await provider().construct(name, `gluu:index:${type}`, inputs, {});
        const urn = await promiseOf(result.urn);
        const state = await settle(result.state);
        await settings.waitForRPCs();
        const steps = new Map(rec.seen.filter((s) => s.type === COMMAND && s.parent.includes(`gluu:index:${type}`)).map((s) => [s.name, s]));
        return { urn, state, seen: rec.seen, steps };
    } finally {
        rec.stop();
    }
}

