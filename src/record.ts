// Running the real program under mocks and recording what it registers: types, names, parents, explicit
// edges (seen through the `transformations` option, which children inherit) and resolved inputs.

import * as pulumi from "@pulumi/pulumi";
import { remoteStepHosts } from "../components/remoteStep";
import { EngineOptions, GluuMocks, Registration } from "./mocks";

export interface RecordedResource {
    urn: string;
    type: string;
    name: string;
    parent?: string;
    /** URNs of the explicit `dependsOn` edges. */
    dependsOn: string[];
    /** Inputs as the engine received them (secret values still wrapped). */
    inputs: Record<string, any>;
    custom: boolean;
    /** For remote steps: the host they run on. */
    host?: string;
    /**
     * The options the engine acts on (ignoreChanges, additionalSecretOutputs, replaceOnChanges, protect,
     * retainOnDelete, deleteBeforeReplace), as the SDK put them on the request, SDK-added ones included
     * (@pulumi/command adds `additionalSecretOutputs: ["connection"]` and `replaceOnChanges: ["triggers[*]"]`).
     */
    options?: EngineOptions;
    /** Declaration order. */
    index: number;
}

interface Seen {
    resource: pulumi.Resource;
    type: string;
    name: string;
    parent?: pulumi.Resource;
    dependsOn: pulumi.Resource[];
}

/** A transformation that records every resource below the component it is given to. */
export class Recorder {
    public seen: Seen[] = [];
    public readonly transformation: pulumi.ResourceTransformation = (t) => {
        const d = t.opts.dependsOn;
        const deps = d === undefined ? [] : Array.isArray(d) ? d : [d];
        this.seen.push({ resource: t.resource, type: t.type, name: t.name, parent: t.opts.parent, dependsOn: deps as pulumi.Resource[] });
        return undefined;
    };

    /** Wait until every recorded resource is registered, then join with the mocks' registrations. */
    public async collect(mocks: GluuMocks, root: pulumi.Resource): Promise<RecordedResource[]> {
        let count = -1;
        while (count !== this.seen.length) {
            count = this.seen.length;
            // A registration the emulated provider refused (src/providerRules.ts) rejects here with its text.
            await Promise.all([root, ...this.seen.map((s) => s.resource)].map((r) => urnOf(r)));
            await new Promise((r) => setImmediate(r));
        }
        if (mocks.checkErrors.length) throw mocks.checkErrors[0];
        const urns = new Map<pulumi.Resource, string>();
        // The transformation also sees the root component itself; it is listed once, first.
        for (const r of [root, ...this.seen.map((s) => s.resource)]) {
            urns.set(r, await urnOf(r));
        }
        const byKey = new Map<string, Registration>();
        for (const reg of mocks.registrations) {
            byKey.set(`${reg.type}::${reg.name}`, reg);
        }
        const rootUrn = urns.get(root)!;
        const rootReg = byKey.get(`${urnType(rootUrn)}::${urnName(rootUrn)}`);
        const out: RecordedResource[] = [
            { urn: rootUrn, type: urnType(rootUrn), name: urnName(rootUrn), dependsOn: [], inputs: rootReg?.inputs ?? {}, custom: false, index: 0 },
        ];
        this.seen.filter((s) => s.resource !== root).forEach((s, i) => {
            const reg = byKey.get(`${s.type}::${s.name}`);
            out.push({
                urn: urns.get(s.resource)!,
                type: s.type,
                name: s.name,
                parent: s.parent ? urns.get(s.parent) : undefined,
                dependsOn: s.dependsOn.map((d) => urns.get(d) ?? "<unrecorded>"),
                inputs: reg?.inputs ?? {},
                custom: reg?.custom ?? true,
                host: remoteStepHosts.get(s.resource),
                options: reg?.options,
                index: i + 1,
            });
        });
        return out;
    }
}

/** The URN; rejects when the registration failed (`apply` would never run, and the recording would hang). */
function urnOf(r: pulumi.Resource): Promise<string> {
    return (r.urn as any).promise() as Promise<string>;
}
function urnType(urn: string): string {
    const parts = urn.split("::");
    const chain = parts[2] ?? "";
    return chain.split("$").pop() ?? chain;
}
function urnName(urn: string): string {
    return urn.split("::")[3] ?? urn;
}

export const REMOTE_COMMAND = "command:remote:Command";

/** A valid order of all resources: every explicit dependency and parent before its dependant (stable). */
export function topologicalOrder(resources: RecordedResource[]): RecordedResource[] {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const done = new Set<string>();
    const visiting = new Set<string>();
    const order: RecordedResource[] = [];
    const visit = (r: RecordedResource) => {
        if (done.has(r.urn)) return;
        if (visiting.has(r.urn)) throw new Error(`dependency cycle through ${r.urn}`);
        visiting.add(r.urn);
        for (const d of r.dependsOn) {
            const dep = byUrn.get(d);
            if (dep) visit(dep);
        }
        visiting.delete(r.urn);
        done.add(r.urn);
        order.push(r);
    };
    [...resources].sort((a, b) => a.index - b.index).forEach(visit);
    return order;
}

/** The longest chain of remote steps along explicit edges (other resources count 0), first step first. */
export function criticalPath(resources: RecordedResource[]): RecordedResource[] {
    const order = topologicalOrder(resources);
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const best = new Map<string, { length: number; prev?: string }>();
    for (const r of order) {
        let length = 0;
        let prev: string | undefined;
        for (const d of r.dependsOn) {
            const b = best.get(d);
            if (b && b.length > length) {
                length = b.length;
                prev = d;
            } else if (b && !prev && b.length === length) {
                prev = d;
            }
        }
        best.set(r.urn, { length: length + (r.type === REMOTE_COMMAND ? 1 : 0), prev });
    }
    let end: string | undefined;
    let max = -1;
    for (const r of order) {
        const b = best.get(r.urn)!;
        if (b.length > max) {
            max = b.length;
            end = r.urn;
        }
    }
    const path: RecordedResource[] = [];
    for (let u = end; u; u = best.get(u)?.prev) {
        const r = byUrn.get(u)!;
        if (r.type === REMOTE_COMMAND) path.unshift(r);
    }
    return path;
}

/** Run the program under `mocks` (already installed with setMocks) and record its resources. */
export async function recordProgram(mocks: GluuMocks, program: (opts: pulumi.ComponentResourceOptions) => pulumi.Resource): Promise<RecordedResource[]> {
    mocks.reset();
    const recorder = new Recorder();
    const root = program({ transformations: [recorder.transformation] });
    return recorder.collect(mocks, root);
}
