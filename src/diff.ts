// What `pulumi up` would do to a stack deployed from one config when its config becomes another, read the way
// a reviewer reads `pulumi preview`: resources matched by URN; a new URN is a create, a vanished one a delete;
// changed inputs are an update, unless the provider replaces the resource when one of those inputs changes.
// Both sides are resolved inputs from two runs of the real program under the mocks (no state, no provider).
//
// Limits (what a real preview knows and this does not):
// - An output of a replaced resource (a droplet's address) is unknown in a real preview, so whatever uses it
//   updates too. The mocks give a replaced resource the same outputs, so such dependants look unchanged here;
//   they are listed as "may re-run" (dependants along explicit edges of a replaced resource).
// - Resource options are recorded (src/record.ts `options`) and acted on as the engine does: `ignoreChanges`
//   resets the ignored inputs to their old values before the diff, and the replacement of a replaced resource
//   (also a forced `pulumi up --replace`, `DiffOptions.replace`) is created from those reset inputs
//   (pulumi/pulumi@v3.248.0:pkg/resource/deploy/step_generator.go:1151-1156 processIgnoreChanges before
//   Check/Diff, :2838 processIgnoreChanges; sdk/go/common/resource/properties_path.go Reset); `replaceOnChanges`
//   replaces on a change of the named inputs. Aliases are not seen: a rename is delete + create.
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
    /** Inputs that changed in the program but that `ignoreChanges` keeps at their old value (the engine's view). */
    ignoredChanges?: string[];
    /**
     * The inputs the provider gets (create, update or the replacement's create): the program's, with every
     * `ignoreChanges` path reset to the old value as the engine does. Absent for deletes.
     */
    inputs?: Record<string, any>;
    /** Replaced because `DiffOptions.replace` named it (`pulumi up --replace`), not because of an input. */
    forcedReplace?: boolean;
}

export interface DiffOptions {
    /** Names or URNs to replace whatever changed, as `pulumi up --replace <urn>` does. */
    replace?: string[];
}

/** A property path as the engine parses it (`a.b`, `a[0]`, `a["x.y"]`, `a[*]`, `*`), simplified to keys and indices. */
export function parsePropertyPath(p: string): Array<string | number> {
    const out: Array<string | number> = [];
    const re = /([^.[\]]+)|\[(\d+|\*|"(?:[^"\\]|\\.)*")\]/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(p))) {
        if (m[1] !== undefined) out.push(m[1]);
        else if (/^\d+$/.test(m[2])) out.push(Number(m[2]));
        else out.push(m[2] === "*" ? "*" : JSON.parse(m[2]));
    }
    return out;
}

function resetPath(path: Array<string | number>, oldV: any, newV: any): boolean {
    // Secrets are looked through (properties_path.go reset unwraps both sides), keeping new's wrapper.
    if (isSecret(oldV)) oldV = oldV.value;
    if (isSecret(newV)) newV = newV.value;
    const [key, ...rest] = path;
    if (key === undefined) return false;
    if (key === "*") {
        if (!rest.length) {
            if (Array.isArray(newV) && Array.isArray(oldV)) {
                oldV.forEach((v, i) => { if (i < newV.length) newV[i] = v; });
                return oldV.length === newV.length;
            }
            if (newV && typeof newV === "object" && oldV && typeof oldV === "object") {
                for (const k of Object.keys(newV)) if (!(k in oldV)) delete newV[k];
                Object.assign(newV, oldV);
                return true;
            }
            return !!newV && typeof newV === "object";
        }
        const keys = Array.isArray(oldV) ? oldV.map((_, i) => i) : oldV && typeof oldV === "object" ? Object.keys(oldV) : [];
        return keys.every((k) => newV && k in newV && resetPath(rest, oldV[k], newV[k]));
    }
    if (!rest.length) {
        const has = oldV && typeof oldV === "object" && key in oldV;
        if (!newV || typeof newV !== "object") return !has;
        if (has) newV[key] = oldV[key];
        else delete newV[key];
        return true;
    }
    if (!newV || typeof newV !== "object" || !(key in newV)) return !(oldV && typeof oldV === "object" && key in oldV);
    return resetPath(rest, oldV?.[key], newV[key]);
}

/**
 * The engine's processIgnoreChanges (pulumi/pulumi@v3.248.0:pkg/resource/deploy/step_generator.go:2838): a copy
 * of `inputs` where each ignored path holds its value from `oldInputs` (or is removed when the old inputs lack it).
 */
export function applyIgnoreChanges(inputs: Record<string, any>, oldInputs: Record<string, any>, ignoreChanges: string[]): Record<string, any> {
    const out = structuredClone(inputs);
    for (const p of ignoreChanges) {
        const path = parsePropertyPath(p);
        if (path.length) resetPath(path, structuredClone(oldInputs), out);
    }
    return out;
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
    // digitalocean/terraform-provider-digitalocean@v2.99.1:digitalocean/droplet/resource_droplet.go ForceNew: image,
    // region, public_networking, ssh_keys, user_data, monitoring, droplet_agent, vpc_uuid, gpu_partition_mode; and
    // CustomizeDiff ForceNewIfChange("ipv6") when it goes true → false (not modelled: shown as an update).
    "digitalocean:index/droplet:Droplet": {
        inputs: ["image", "region", "sshKeys", "userData", "vpcUuid", "monitoring", "publicNetworking", "dropletAgent", "gpuPartitionMode"],
    },
    // @v2.99.1 vpc/resource_vpc.go (region, ip_range), sshkey/resource_ssh_key.go (public_key), tag/resource_tag.go
    // (name) ForceNew; firewall/firewalls.go has no ForceNew at all.
    "digitalocean:index/vpc:Vpc": { inputs: ["region", "ipRange"] },
    "digitalocean:index/sshKey:SshKey": { inputs: ["publicKey"] },
    "digitalocean:index/tag:Tag": { inputs: ["name"] },
    "digitalocean:index/firewall:Firewall": { inputs: [] },
    "digitalocean:index/loadBalancer:LoadBalancer": { inputs: ["region", "vpcUuid", "type", "network", "networkStack", "ip", "subnetUuid"] },
    "digitalocean:index/databaseCluster:DatabaseCluster": { inputs: ["name", "engine", "privateNetworkUuid", "projectId"] },
    "digitalocean:index/databaseFirewall:DatabaseFirewall": { inputs: ["clusterId"] },
    "digitalocean:index/certificate:Certificate": { inputs: "*" },
    // hashicorp/terraform-provider-tls@d72d90e:internal/provider/resource_private_key.go RequiresReplace on algorithm,
    // rsa_bits, ecdsa_curve; resource_self_signed_cert.go / resource_locally_signed_cert.go / resource_cert_request.go
    // on every input but early_renewal_hours (PEM inputs: requireReplaceIfStateContainsPEMString).
    "tls:index/privateKey:PrivateKey": { inputs: ["algorithm", "rsaBits", "ecdsaCurve"] },
    "tls:index/selfSignedCert:SelfSignedCert": { inputs: "*", except: ["earlyRenewalHours"] },
    "tls:index/locallySignedCert:LocallySignedCert": { inputs: "*", except: ["earlyRenewalHours"] },
    "tls:index/certRequest:CertRequest": { inputs: "*" },
    // hashicorp/terraform-provider-random@f8d869dc:internal/provider/resource_password.go, resource_id.go: every
    // input RequiresReplace (keepers: RequiresReplaceIfValuesNotNull; override_special: not for "" → null).
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

function replaces(type: string, input: string, replaceOnChanges: string[] = []): boolean {
    // The resource's own `replaceOnChanges` option (the engine matches paths; a top-level prefix is enough here).
    if (replaceOnChanges.some((p) => p === "*" || parsePropertyPath(p)[0] === input)) return true;
    const rule = REPLACE_RULES[type];
    if (!rule) return false;
    if (rule.inputs === "*") return !(rule.except ?? []).includes(input);
    return rule.inputs.includes(input);
}

/** Compare two recorded runs of the program: one entry per URN, in the order of `after`, deletions last. */
export function diffPlans(before: RecordedResource[], after: RecordedResource[], opts: DiffOptions = {}): ResourceDiff[] {
    const old = new Map(before.map((r) => [r.urn, r]));
    const now = new Set(after.map((r) => r.urn));
    const forced = new Set(opts.replace ?? []);
    const out: ResourceDiff[] = [];
    for (const r of after) {
        const o = old.get(r.urn);
        const base = { urn: r.urn, name: r.name, type: r.type, host: r.host };
        if (!o) {
            out.push({ ...base, action: "create", changedInputs: [], changes: [], inputs: r.inputs });
            continue;
        }
        const changes: InputChange[] = [];
        const ignoredChanges: string[] = [];
        // What the engine diffs: the program's inputs with the ignored paths reset to the old ones.
        const inputs = r.custom ? applyIgnoreChanges(r.inputs, o.inputs, r.options?.ignoreChanges ?? []) : r.inputs;
        if (r.custom) {
            const keys = [...new Set([...Object.keys(inputs), ...Object.keys(o.inputs), ...Object.keys(r.inputs)])];
            for (const k of keys) {
                const a = o.inputs[k];
                const b = inputs[k];
                if (canonical(plain(a)) === canonical(plain(b))) {
                    if (canonical(plain(a)) !== canonical(plain(r.inputs[k]))) ignoredChanges.push(k);
                    continue;
                }
                changes.push({ input: k, secret: containsSecret(a) || containsSecret(b), replaces: replaces(r.type, k, r.options?.replaceOnChanges), before: plain(a), after: plain(b) });
            }
        }
        const force = r.custom && (forced.has(r.urn) || forced.has(r.name));
        const action: DiffAction = force || changes.some((c) => c.replaces) ? "replace" : changes.length === 0 ? "same" : "update";
        const d: ResourceDiff = { ...base, action, changedInputs: changes.map((c) => c.input), changes, inputs };
        if (force && !changes.some((c) => c.replaces)) d.forcedReplace = true;
        if (ignoredChanges.length) d.ignoredChanges = ignoredChanges;
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
        if (d.forcedReplace) lines.push(`        (replaced on request: --replace)`);
        if (d.ignoredChanges?.length) lines.push(`        ignoreChanges keeps the old ${d.ignoredChanges.join(", ")}${d.action === "replace" ? " (also in the replacement)" : ""}`);
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
