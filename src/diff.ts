// What `pulumi up` would do to a stack deployed from one config when its config becomes another, read the way
// a reviewer reads `pulumi preview`: resources matched by URN; a new URN is a create, a vanished one a delete;
// changed inputs are an update, unless the provider replaces the resource when one of those inputs changes.
// Both sides are resolved inputs from two runs of the real program under the mocks (no state, no provider).
//
// Limits (what a real preview knows and this does not):
// - An output of a replaced resource (a droplet's address) is unknown in a real preview, so whatever uses it
//   updates too. The mocks give a replaced resource the same outputs, so such dependants look unchanged here;
//   they are listed as "may re-run" (dependants along explicit edges of a replaced resource).
// - Resource options are not recorded: a `replaceOnChanges` set by a component (beyond the command provider's
//   own `triggers`) or `deleteBeforeReplace` is not seen. Aliases are not seen: a rename is delete + create.
// - Components have no provider: they are created, deleted or unchanged, never updated.

import { REMOTE_COMMAND, RecordedResource } from "./record";

const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";

export type DiffAction = "create" | "update" | "replace" | "delete" | "same";

export interface InputChange {
    /** Top-level input name (`create`, `image`, `triggers`). */
    input: string;
    /** Either side was a secret: its values are compared, never printed. */
    secret: boolean;
    /** This change makes the provider replace the resource. */
    replaces: boolean;
    before: unknown;
    after: unknown;
}

export interface ResourceDiff {
    urn: string;
    name: string;
    type: string;
    action: DiffAction;
    /** Names of the changed inputs (top level), in the resource's input order. */
    changedInputs: string[];
    /** The changes themselves (values kept for rendering; secret ones are never printed). */
    changes: InputChange[];
    /** For remote steps: the host. */
    host?: string;
    /** Replaced resources this one waits for (explicit edges, transitively) although its own inputs are the same. */
    afterReplaced?: string[];
    /** Scripts a remote step runs: its create (create/update/replace), its delete (delete, and the old one on replace). */
    runs?: Array<"create" | "update" | "delete">;
    /** No replace rule is known for this type: input changes are shown as updates. */
    unknownType?: boolean;
}

/**
 * Inputs whose change makes the provider replace the resource, per type token. `"*"` = every input (with
 * exceptions). Sources (checked 2026 against the provider sources; see also shared/reference/pulumi-facts.md):
 * - command: the SDK adds `replaceOnChanges: ["triggers[*]"]` to remote.Command, remote.CopyToRemote and
 *   local.Command (`@pulumi/command@1.2.1` remote/command.js, copyToRemote.js, local/command.js); every
 *   other input change is an update that runs `update`, or `create` again when there is no `update`
 *   (pulumi-facts §1, pulumi-command #855/#189).
 * - digitalocean: `ForceNew: true` in digitalocean/terraform-provider-digitalocean (HEAD 401992a):
 *   droplet/resource_droplet.go, vpc/resource_vpc.go, sshkey/resource_ssh_key.go, tag/resource_tag.go;
 *   firewall/resource_firewall.go has none (every firewall change is in place). LoadBalancer, DatabaseCluster,
 *   DatabaseFirewall and Certificate from pulumi-facts §2.
 * - tls: `RequiresReplace` plan modifiers in hashicorp/terraform-provider-tls (HEAD d72d90e,
 *   internal/provider/resource_*.go): a private key on algorithm/rsa_bits/ecdsa_curve; certificates and
 *   requests on every input but `early_renewal_hours` (PEM inputs replace when the state holds a PEM).
 * - random: `RequiresReplace` on every input (keepers when their values are not null) in
 *   hashicorp/terraform-provider-random (HEAD ad788e2, internal/provider/resource_password.go, _string,
 *   _id, _bytes, _integer, _uuid).
 * Pulumi's bridged providers turn ForceNew/RequiresReplace into a replace in the preview.
 */
export const REPLACE_RULES: Record<string, { inputs: string[] | "*"; except?: string[] }> = {
    "command:remote:Command": { inputs: ["triggers"] },
    "command:remote:CopyToRemote": { inputs: ["triggers"] },
    "command:local:Command": { inputs: ["triggers"] },
    "digitalocean:index/droplet:Droplet": {
        inputs: ["image", "region", "sshKeys", "userData", "vpcUuid", "monitoring", "publicNetworking", "dropletAgent", "gpuPartitionMode"],
    },
    "digitalocean:index/vpc:Vpc": { inputs: ["region", "ipRange"] },
    "digitalocean:index/sshKey:SshKey": { inputs: ["publicKey"] },
    "digitalocean:index/tag:Tag": { inputs: ["name"] },
    "digitalocean:index/firewall:Firewall": { inputs: [] },
    "digitalocean:index/loadBalancer:LoadBalancer": { inputs: ["region", "vpcUuid", "type", "network", "networkStack", "ip", "subnetUuid"] },
    "digitalocean:index/databaseCluster:DatabaseCluster": { inputs: ["name", "engine", "privateNetworkUuid", "projectId"] },
    "digitalocean:index/databaseFirewall:DatabaseFirewall": { inputs: ["clusterId"] },
    "digitalocean:index/certificate:Certificate": { inputs: "*" },
    "tls:index/privateKey:PrivateKey": { inputs: ["algorithm", "rsaBits", "ecdsaCurve"] },
    "tls:index/selfSignedCert:SelfSignedCert": { inputs: "*", except: ["earlyRenewalHours"] },
    "tls:index/locallySignedCert:LocallySignedCert": { inputs: "*", except: ["earlyRenewalHours"] },
    "tls:index/certRequest:CertRequest": { inputs: "*" },
    "random:index/randomPassword:RandomPassword": { inputs: "*" },
    "random:index/randomString:RandomString": { inputs: "*" },
    "random:index/randomId:RandomId": { inputs: "*" },
    "random:index/randomBytes:RandomBytes": { inputs: "*" },
    "random:index/randomInteger:RandomInteger": { inputs: "*" },
    "random:index/randomUuid:RandomUuid": { inputs: "*" },
};

function isSecret(v: any): boolean {
    return !!v && typeof v === "object" && SECRET_SIG_KEY in v;
}

/** Whether a secret wrapper sits anywhere in a value. */
function containsSecret(v: any): boolean {
    if (isSecret(v)) return true;
    if (Array.isArray(v)) return v.some(containsSecret);
    if (v && typeof v === "object") return Object.values(v).some(containsSecret);
    return false;
}

/** The value with every secret wrapper opened. */
function plain(v: any): any {
    if (isSecret(v)) return plain(v.value);
    if (Array.isArray(v)) return v.map(plain);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
    return v;
}

/** Key-order independent JSON; `undefined` members are absent (as for the engine). */
function canonical(v: any): string {
    if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? "null" : canonical(x))).join(",")}]`;
    if (v && typeof v === "object") {
        return `{${Object.keys(v)
            .filter((k) => v[k] !== undefined)
            .sort()
            .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
            .join(",")}}`;
    }
    return JSON.stringify(v) ?? "null";
}

function replaces(type: string, input: string): boolean {
    const rule = REPLACE_RULES[type];
    if (!rule) return false;
    if (rule.inputs === "*") return !(rule.except ?? []).includes(input);
    return rule.inputs.includes(input);
}

/** Compare two recorded runs of the program: one entry per URN, in the order of `after`, deletions last. */
export function diffPlans(before: RecordedResource[], after: RecordedResource[]): ResourceDiff[] {
    const old = new Map(before.map((r) => [r.urn, r]));
    const now = new Set(after.map((r) => r.urn));
    const out: ResourceDiff[] = [];
    for (const r of after) {
        const o = old.get(r.urn);
        const base = { urn: r.urn, name: r.name, type: r.type, host: r.host };
        if (!o) {
            out.push({ ...base, action: "create", changedInputs: [], changes: [] });
            continue;
        }
        const changes: InputChange[] = [];
        if (r.custom) {
            const keys = [...new Set([...Object.keys(r.inputs), ...Object.keys(o.inputs)])];
            for (const k of keys) {
                const a = o.inputs[k];
                const b = r.inputs[k];
                if (canonical(plain(a)) === canonical(plain(b))) continue;
                changes.push({ input: k, secret: containsSecret(a) || containsSecret(b), replaces: replaces(r.type, k), before: plain(a), after: plain(b) });
            }
        }
        const action: DiffAction = changes.length === 0 ? "same" : changes.some((c) => c.replaces) ? "replace" : "update";
        const d: ResourceDiff = { ...base, action, changedInputs: changes.map((c) => c.input), changes };
        if (changes.length && !REPLACE_RULES[r.type]) d.unknownType = true;
        out.push(d);
    }
    for (const o of before) {
        if (!now.has(o.urn)) {
            out.push({ urn: o.urn, name: o.name, type: o.type, host: o.host, action: "delete", changedInputs: [], changes: [] });
        }
    }

    // Remote steps: what runs on the host.
    const beforeByUrn = old;
    const afterByUrn = new Map(after.map((r) => [r.urn, r]));
    for (const d of out) {
        if (d.type !== REMOTE_COMMAND) continue;
        const a = afterByUrn.get(d.urn);
        const b = beforeByUrn.get(d.urn);
        const hasDelete = (r?: RecordedResource) => !!r && !!plain(r.inputs.delete);
        const hasUpdate = !!a && !!plain(a.inputs.update);
        if (d.action === "create") d.runs = ["create"];
        else if (d.action === "update") d.runs = [hasUpdate ? "update" : "create"];
        else if (d.action === "replace") d.runs = hasDelete(b) ? ["create", "delete"] : ["create"];
        else if (d.action === "delete") d.runs = hasDelete(b) ? ["delete"] : [];
    }

    // Dependants of a replaced resource: unknown inputs in a real preview.
    const replaced = new Set(out.filter((d) => d.action === "replace").map((d) => d.urn));
    if (replaced.size) {
        const memo = new Map<string, Set<string>>();
        const upstream = (urn: string, seen = new Set<string>()): Set<string> => {
            if (memo.has(urn)) return memo.get(urn)!;
            const acc = new Set<string>();
            if (seen.has(urn)) return acc;
            seen.add(urn);
            for (const dep of afterByUrn.get(urn)?.dependsOn ?? []) {
                if (replaced.has(dep)) acc.add(dep);
                for (const x of upstream(dep, seen)) acc.add(x);
            }
            memo.set(urn, acc);
            return acc;
        };
        for (const d of out) {
            if (d.action !== "same") continue;
            const ups = [...upstream(d.urn)];
            if (ups.length) d.afterReplaced = ups.map((u) => afterByUrn.get(u)!.name);
        }
    }
    return out;
}

const SYMBOL: Record<DiffAction, string> = { create: "+ ", update: "~ ", replace: "+-", delete: "- ", same: "  " };

export interface RenderOptions {
    /** Known secret values (value → label): replaced by `[secret:<label>]` in anything printed. */
    secrets?: Map<string, string>;
    /** What is compared, for the heading: e.g. `stacks/Pulumi.dev.yaml` → `stack dev`. */
    before?: string;
    after?: string;
    /** Lines of changed text shown per input (default 12). */
    maxLines?: number;
}

function redactText(text: string, secrets?: Map<string, string>): string {
    if (!secrets) return text;
    let out = text;
    for (const v of [...secrets.keys()].sort((a, b) => b.length - a.length)) {
        if (out.includes(v)) out = out.split(v).join(`[secret:${secrets.get(v)}]`);
    }
    return out;
}

/** The lines of a line diff (`- old`, `+ new`) by longest common subsequence; a multiset difference when large. */
function lineDiff(a: string, b: string): string[] {
    const al = a.split("\n");
    const bl = b.split("\n");
    // Common head and tail first: scripts mostly differ in a few lines.
    let head = 0;
    while (head < al.length && head < bl.length && al[head] === bl[head]) head++;
    let tail = 0;
    while (tail < al.length - head && tail < bl.length - head && al[al.length - 1 - tail] === bl[bl.length - 1 - tail]) tail++;
    const x = al.slice(head, al.length - tail);
    const y = bl.slice(head, bl.length - tail);
    if (x.length * y.length > 4_000_000) {
        const { removed, added } = lineChanges(x.join("\n"), y.join("\n"));
        return [...removed.map((l) => `- ${l}`), ...added.map((l) => `+ ${l}`)];
    }
    const n = x.length;
    const m = y.length;
    const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
    for (let i = n - 1; i >= 0; i--) {
        for (let j = m - 1; j >= 0; j--) lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
    const out: string[] = [];
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && x[i] === y[j]) {
            i++;
            j++;
        } else if (j >= m || (i < n && lcs[i + 1][j] >= lcs[i][j + 1])) {
            out.push(`- ${x[i++]}`);
        } else {
            out.push(`+ ${y[j++]}`);
        }
    }
    return out;
}

/** Lines only in `a` and lines only in `b` (multiset difference, in their order). */
function lineChanges(a: string, b: string): { removed: string[]; added: string[] } {
    const count = (lines: string[]) => {
        const m = new Map<string, number>();
        for (const l of lines) m.set(l, (m.get(l) ?? 0) + 1);
        return m;
    };
    const al = a.split("\n");
    const bl = b.split("\n");
    const ac = count(al);
    const bc = count(bl);
    const only = (lines: string[], mine: Map<string, number>, other: Map<string, number>) => {
        const left = new Map([...mine].map(([l, n]) => [l, n - (other.get(l) ?? 0)]));
        return lines.filter((l) => {
            const n = left.get(l) ?? 0;
            if (n <= 0) return false;
            left.set(l, n - 1);
            return true;
        });
    };
    return { removed: only(al, ac, bc), added: only(bl, bc, ac) };
}

function show(v: unknown): string {
    return v === undefined ? "(unset)" : typeof v === "string" ? JSON.stringify(v) : canonical(v);
}

function describeChange(c: InputChange, indent: string, opts: RenderOptions): string[] {
    const tag = c.replaces ? " (forces replacement)" : "";
    if (c.secret) return [`${indent}${c.input}: [secret changed]${tag}`];
    const max = opts.maxLines ?? 12;
    const a = c.before;
    const b = c.after;
    const long = (v: unknown) => typeof v === "string" && (v.includes("\n") || v.length > 60);
    const structured = (v: unknown) => v === undefined || (!!v && typeof v === "object");
    let texts: [string, string] | undefined;
    let what = "text";
    if (typeof a === "string" && typeof b === "string" && (long(a) || long(b))) {
        texts = [a, b];
    } else if (structured(a) && structured(b) && show(a).length + show(b).length > 120) {
        // One line per list element or object member, so a reviewer sees which rule or field changed.
        const asLines = (v: unknown) =>
            v === undefined ? "" : Array.isArray(v) ? v.map(canonical).join("\n") : Object.entries(v as object).map(([k, x]) => `${k}: ${canonical(x)}`).join("\n");
        texts = [asLines(a), asLines(b)];
        what = Array.isArray(a) || Array.isArray(b) ? "list" : "object";
    }
    if (texts) {
        const body = lineDiff(texts[0], texts[1]);
        const out = body.filter((l) => l.startsWith("-")).length;
        const lines = [`${indent}${c.input}: ${what} changed, ${out} line(s) out, ${body.length - out} in${tag}`];
        for (const l of body.slice(0, max)) lines.push(`${indent}    ${redactText(l, opts.secrets)}`);
        if (body.length > max) lines.push(`${indent}    … ${body.length - max} more`);
        return lines;
    }
    let text = `${show(a)} → ${show(b)}`;
    if (text.length > 200) text = `${text.slice(0, 200)}…`;
    return [`${indent}${c.input}: ${redactText(text, opts.secrets)}${tag}`];
}

function runsText(d: ResourceDiff): string {
    const runs = d.runs ?? [];
    if (d.action === "update") return runs[0] === "update" ? "update: runs its update script" : "update: runs create again";
    if (d.action === "replace") return runs.includes("delete") ? "replace: runs the old delete and the new create (order: deleteBeforeReplace)" : "replace: runs create";
    return `${d.action}: runs ${runs.join(", ")}`;
}

/** The diff as `pulumi preview` shows it: changed resources, counts, and the remote steps that will run. */
export function renderDiff(diff: ResourceDiff[], opts: RenderOptions = {}): string {
    const lines: string[] = [];
    if (opts.before || opts.after) lines.push(`Changes from ${opts.before ?? "before"} to ${opts.after ?? "after"} (two runs of the program under mocks):`, "");
    const width = Math.max(0, ...diff.filter((d) => d.action !== "same").map((d) => d.type.length));
    for (const d of diff) {
        if (d.action === "same") continue;
        const inputs = d.changedInputs.length ? `  [${d.changedInputs.join(", ")}]` : "";
        lines.push(`  ${SYMBOL[d.action]} ${d.action.padEnd(7)} ${d.type.padEnd(width)}  ${d.name}${inputs}`);
        for (const c of d.changes) lines.push(...describeChange(c, "        ", opts));
        if (d.unknownType) lines.push(`        (no replace rule known for ${d.type}: shown as an update)`);
    }
    const count = (a: DiffAction) => diff.filter((d) => d.action === a).length;
    const changes = diff.length - count("same");
    lines.push("", "Resources:");
    if (count("create")) lines.push(`    + ${count("create")} to create`);
    if (count("update")) lines.push(`    ~ ${count("update")} to update`);
    if (count("replace")) lines.push(`    +-${count("replace")} to replace`);
    if (count("delete")) lines.push(`    - ${count("delete")} to delete`);
    lines.push(`    ${changes} change${changes === 1 ? "" : "s"}. ${count("same")} unchanged`);

    const steps = diff.filter((d) => d.runs && d.runs.length);
    lines.push("", "Remote steps that will run:");
    if (!steps.length) lines.push("    none");
    const hosts = [...new Set(steps.map((d) => d.host ?? "?"))];
    for (const h of hosts) {
        lines.push(`    on ${h}:`);
        for (const d of steps.filter((x) => (x.host ?? "?") === h)) lines.push(`      ${SYMBOL[d.action]} ${d.name}  (${runsText(d)})`);
    }
    const maybe = diff.filter((d) => d.afterReplaced?.length);
    if (maybe.length) {
        lines.push("", "Likely to re-run as well (they wait for a replaced resource, whose new outputs a real preview shows as unknown):");
        const mh = [...new Set(maybe.map((d) => d.host ?? "-"))];
        for (const h of mh) {
            lines.push(`    ${h === "-" ? "not remote steps" : `on ${h}`}:`);
            for (const d of maybe.filter((x) => (x.host ?? "-") === h)) lines.push(`         ${d.name}  (after ${d.afterReplaced!.join(", ")})`);
        }
    }
    return lines.join("\n") + "\n";
}
