// Running the real program (or one component) under the shared mocks and reading what it registered.
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { HostArgs } from "../../components/host";
import { StackConfigError, parseStackConfig } from "../../src/config";
import { mockEd25519 } from "../../src/mocks";
import { mocks } from "../setup";
import { gluuProgram } from "../../src/program";
import { stackFileConfig } from "../../src/plan";
import { REMOTE_COMMAND, RecordedResource, recordProgram } from "../../src/record";

export const STACKS_DIR = path.resolve(__dirname, "../../stacks");

const SIG = "4dabf18193072939515e22adb298388d";

/**
 * The raw `gluu:*` config of a stack file as `pulumi up` hands it to the program: loaded through
 * src/stackConfig.ts (Pulumi.yaml checked and its defaults merged, the CLI's semantics), secure values and the
 * README's `pulumi config set --secret` values as registered stand-ins.
 */
export function stackConfig(stack: string): Record<string, string> {
    return stackFileConfig(path.join(STACKS_DIR, `Pulumi.${stack}.yaml`), mocks);
}

/** Run the program for raw config and return every recorded resource. */
export function recordConfig(raw: Record<string, string>): Promise<RecordedResource[]> {
    return recordProgram(mocks, (o) => gluuProgram(raw, o).cluster);
}

/** Run any component-building function and return every recorded resource. */
export function recordComponent(build: (opts: pulumi.ComponentResourceOptions) => pulumi.Resource): Promise<RecordedResource[]> {
    return recordProgram(mocks, build);
}

/** A value with Pulumi's secret wrapper removed, and whether it had one. */
export function unwrap(v: any): { value: any; secret: boolean } {
    if (v && typeof v === "object" && SIG in v) {
        return { value: v.value, secret: true };
    }
    return { value: v, secret: false };
}

export function commands(resources: RecordedResource[]): RecordedResource[] {
    return resources.filter((r) => r.type === REMOTE_COMMAND);
}

export function byName(resources: RecordedResource[], name: string): RecordedResource {
    const r = resources.find((x) => x.name === name);
    if (!r) throw new Error(`no resource named ${name}; have: ${resources.map((x) => x.name).join(", ")}`);
    return r;
}

/** Every string anywhere in a value (secret wrappers opened). */
export function strings(v: any, out: string[] = []): string[] {
    const u = unwrap(v).value;
    if (typeof u === "string") out.push(u);
    else if (Array.isArray(u)) u.forEach((x) => strings(x, out));
    else if (u && typeof u === "object") Object.values(u).forEach((x) => strings(x, out));
    return out;
}

export { mocks };

/** A host for a component built alone under mocks: mock login and host keys, one address for both sides. */
export function mockHost(name: string, address: string): HostArgs {
    return {
        name,
        publicAddress: address,
        privateAddress: address,
        ssh: { host: address, privateKey: mockEd25519("login").privateKeyOpenssh, hostKey: mockEd25519(`host ${name}`).publicKeyOpenssh.trim() },
    };
}

/** The problems `parseStackConfig` reports for raw config (empty when it is accepted). */
export function configProblems(raw: Record<string, string>): string[] {
    try {
        parseStackConfig(raw);
    } catch (err) {
        if (err instanceof StackConfigError) return err.problems;
        throw err;
    }
    return [];
}
