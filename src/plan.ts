// `npm run plan [-- --stack <name> --out <dir> --diff <stack-or-file>]`: the real program evaluated offline under
// Pulumi's mock runtime, written out so a reviewer can read every resource, every script and what it gets on
// stdin, and the deployment graph (graph.svg). With --diff, also what changes against another config (diff.txt).
// No network, no credentials, no Pulumi CLI. Secret values are replaced in place by `[secret:<what>]`.

import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { GluuMocks } from "./mocks";
import { RecordedResource, recordProgram } from "./record";
import { LoadedStackConfig, REPO_ROOT, loadStackConfig, readStackFile, stackNameOf } from "./stackConfig";
import { PlanArgs, PlanRunner, parsePlanArgs, runPlan } from "./cli";
import { PlanResult, isDocumentationAddress, secureStandIn, stackFile, writePlanFiles } from "./planTool";

export { PlanResult, redact, redactValue } from "./planTool";

/**
 * The `gluu:*` values of a stack file as `pulumi up` hands them to the program: Pulumi.yaml's declarations
 * checked and its defaults merged with the CLI's semantics, then the program's own validation (src/stackConfig.ts).
 * `secure:` values become known stand-ins registered as secrets; so do the secrets the README leaves to
 * `pulumi config set --secret` (listed in `standIns`).
 */
export function loadPlanConfig(
    file: string,
    mocks: GluuMocks,
    stack: string = stackNameOf(file),
    /** Plaintext of a `secure:` value (tests that need known secrets); default: a stand-in per ciphertext. */
    decryptSecure?: (key: string, ciphertext: string) => string,
): LoadedStackConfig {
    const values = readStackFile(file);
    standIns.length = 0;
    const has = (name: string) => values.has(`gluu:${name}`);
    // Secrets the README leaves to `pulumi config set --secret` are not in the file: the plan uses stand-ins
    // for exactly those the program requires, and says so.
    const needed: string[] = [];
    if (has("repoUser") && !has("repoPassword")) needed.push("repoPassword");
    const loginNeeded = has("existingNodeAddresses") || has("sshKeyFingerprints");
    if (loginNeeded && !has("sshPrivateKey") && !has("sshAgentSocketPath")) needed.push("sshPrivateKey");
    for (const name of needed) {
        values.set(`gluu:${name}`, { text: "(set with pulumi config set --secret)", secure: true, object: false });
        standIns.push(`gluu:${name}`);
    }
    // A stand-in per ciphertext: a rotated secret (a new `secure:` value) is a changed value (src/planTool.ts).
    const decrypt = (key: string, ciphertext: string): string => {
        if (!decryptSecure) return secureStandIn(key, ciphertext, mocks);
        // Known plaintexts are secrets like any other: the plan blanks them wherever they land.
        const value = decryptSecure(key, ciphertext);
        mocks.addSecret(value, `config ${key}`);
        return value;
    };
    return loadStackConfig({ stack, values, decrypt });
}

/** The raw `gluu:*` values of a stack file, loaded as `loadPlanConfig` does. */
export function stackFileConfig(file: string, mocks: GluuMocks): Record<string, string> {
    return loadPlanConfig(file, mocks).raw;
}

/** Secret config keys the last stackFileConfig call replaced by stand-ins (set with `pulumi config set --secret`). */
export const standIns: string[] = [];

/** The shipped placeholders of `gluu:adminCidrs` (RFC 5737 documentation ranges), still in a stack's config. */
export function placeholderConfigWarnings(raw: Record<string, string>): string[] {
    let cidrs: unknown;
    try {
        cidrs = JSON.parse(raw.adminCidrs ?? "[]");
    } catch {
        return [];
    }
    const docs = Array.isArray(cidrs) ? cidrs.map(String).filter(isDocumentationAddress) : [];
    return docs.length
        ? [`gluu:adminCidrs still holds the shipped placeholder ${docs.join(", ")} (a documentation range): it must include the machine or CI runner that runs \`pulumi up\` (pulumi-command dials every host from there), e.g. \`pulumi config set --path 'gluu:adminCidrs[0]' <your address>/32\``]
        : [];
}

/** Evaluate the program for `stack` with `mocks` (already installed) and write the plan into `outDir`. */
export async function writePlan(opts: {
    stack: string;
    outDir: string;
    stacksDir: string;
    mocks: GluuMocks;
    decryptSecure?: (key: string, ciphertext: string) => string;
}): Promise<PlanResult> {
    const { mocks } = opts;
    const loaded = loadPlanConfig(stackFile(opts.stack, opts.stacksDir), mocks, stackNameOf(opts.stack), opts.decryptSecure);
    const resources = await recordOurProgram(loaded.raw, mocks);
    return writePlanFiles(resources, { stack: loaded.stack, outDir: opts.outDir, secrets: mocks.secrets, notes: standInNotes(), warnings: placeholderConfigWarnings(loaded.raw) });
}

function standInNotes(): string[] {
    return standIns.map((key) => `${key} is set with \`pulumi config set --secret ${key}\`; the plan used a stand-in value`);
}

async function recordOurProgram(raw: Record<string, string>, mocks: GluuMocks): Promise<RecordedResource[]> {
    const { gluuProgram } = await import("./program");
    return recordProgram(mocks, (o) => gluuProgram(raw, o).cluster);
}

/** `--diff` names a stack in `stacksDir` (`Pulumi.<name>.yaml`) or a config file. */
export function diffConfigFile(arg: string, stacksDir: string): string {
    return stackFile(arg, stacksDir, "--diff");
}

/** Record the program for the config in `file` (mocks installed; see stackFileConfig for secrets). */
export async function recordConfigFile(file: string, mocks: GluuMocks): Promise<RecordedResource[]> {
    return recordOurProgram(stackFileConfig(file, mocks), mocks);
}

/** `gluu-cluster plan` (src/cli.ts) with this repository's program and its stacks/ folder. */
export function ourRunner(stacksDir: string = path.join(REPO_ROOT, "stacks")): PlanRunner {
    let raw: Record<string, string> = {};
    return {
        stacksDir,
        async record(file, stack, mocks) {
            raw = loadPlanConfig(file, mocks, stack).raw;
            return recordOurProgram(raw, mocks);
        },
        notes: standInNotes,
        warnings: () => placeholderConfigWarnings(raw),
    };
}

async function main(): Promise<void> {
    const args: PlanArgs = parsePlanArgs(process.argv.slice(2));
    if (args.project || args.program || args.secrets.length) {
        throw new Error("npm run plan is this repository's program; for another program use `gluu-cluster plan --project …`");
    }
    const mocks = new GluuMocks();
    await pulumi.runtime.setMocks(mocks, "gluu", stackNameOf(args.stack), false);
    await runPlan(args, ourRunner(), mocks);
}

if (require.main === module) {
    main().catch((err) => {
        if ((err as any)?.help) {
            console.log(err.message);
            return;
        }
        console.error(err instanceof Error ? err.message : err);
        process.exit(1);
    });
}
