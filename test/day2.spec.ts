// Day-2 operations as ordinary edits of the stack: each compares the registrations of two runs of the real
// program (before and after the edit) the way `pulumi preview` would classify them (src/diff.ts).
import * as assert from "assert";
import { CREATION_ONLY_DROPLET_INPUTS } from "../components/machine";
import { ResourceDiff, diffPlans, renderDiff } from "../src/diff";
import { REMOTE_COMMAND, RecordedResource } from "../src/record";
import { byName, recordConfig, stackConfig, unwrap } from "./helpers/program";

const prod = (nodes: number, extra: Record<string, string> = {}) => ({ ...stackConfig("prod"), nodeCount: String(nodes), ...extra });
const names = (ds: ResourceDiff[], action: string) => ds.filter((d) => d.action === action).map((d) => d.name).sort();
const isStep = (d: ResourceDiff) => d.type === REMOTE_COMMAND;

describe("day 2: scale out 3 → 4", () => {
    let after: RecordedResource[];
    let diff: ResourceDiff[];
    before(async () => {
        const was = await recordConfig(prod(3));
        after = await recordConfig(prod(4));
        diff = diffPlans(was, after);
    });

    it("replaces nothing and re-runs no install; every created resource belongs to the new node", () => {
        assert.deepStrictEqual(names(diff, "replace"), []);
        assert.deepStrictEqual(names(diff, "delete"), []);
        assert.ok(!diff.some((d) => d.name.endsWith("-install") && d.action !== "same" && d.action !== "create"));
        for (const d of diff.filter((x) => x.action === "create")) {
            assert.match(d.name, /^gluu-4(-|$)/, `${d.name} is the new node's`);
        }
    });

    it("updates only the configuration fan-out: hosts, csync2 peers, replication topology, LB upstreams, LDAP servers, restarts", () => {
        const updated = diff.filter((d) => d.action === "update");
        for (const d of updated) {
            assert.ok(isStep(d), `${d.name}: only remote steps change (no droplet, key or certificate)`);
            assert.match(d.name, /-(hosts|csync2|csync2-transport|csync2-first-sync|csync2-sync|repl-prune|repl-init|repl-status|nginx|health|ldap-cache-config|gluu-restart)$/, `${d.name} is fan-out`);
        }
        for (const must of ["gluu-1-hosts", "gluu-1-csync2", "gluu-1-repl-init", "gluu-lb-nginx", "gluu-1-ldap-cache-config"]) {
            assert.ok(updated.some((d) => d.name === must), `${must} updates`);
        }
    });

    it("joins the new node with one existing member and initializes only members that need it", () => {
        const join = byName(after, "gluu-4-repl-join");
        const text = String(unwrap(join.inputs.create).value);
        assert.match(text, /--host1 "\$primary"/);
        assert.deepStrictEqual(
            join.dependsOn.map((u) => after.find((r) => r.urn === u)!.name).sort(),
            ["gluu-1-install", "gluu-1-opendj-prep", "gluu-3-repl-join", "gluu-4-opendj-prep"],
        );
        const init = String(unwrap(byName(after, "gluu-1-repl-init").inputs.create).value);
        assert.match(init, /dsreplication" initialize --baseDN/, "per-member initialize exists for a partial scale-out");
        assert.match(init, /keep='10\.110\.0\.\d+:4444 10\.110\.0\.\d+:4444 10\.110\.0\.\d+:4444'/);
    });
});

describe("day 2: scale in 3 → 2", () => {
    let diff: ResourceDiff[];
    let after: RecordedResource[];
    before(async () => {
        const was = await recordConfig(prod(3));
        after = await recordConfig(prod(2));
        diff = diffPlans(was, after);
    });

    it("removes the node from replication on the primary (an update, which runs before any delete), then the node goes", () => {
        const prune = diff.find((d) => d.name === "gluu-1-repl-prune")!;
        assert.strictEqual(prune.action, "update");
        const text = String(unwrap(byName(after, "gluu-1-repl-prune").inputs.create).value);
        assert.match(text, /^keep='10\.110\.0\.\d+:4444 10\.110\.0\.\d+:4444'$/m);
        const deleted = names(diff, "delete");
        assert.ok(deleted.includes("gluu-3-droplet") && deleted.includes("gluu-3-repl-join"));
        assert.ok(deleted.every((n) => n.startsWith("gluu-3")), deleted.join(", "));
        assert.deepStrictEqual(names(diff, "replace"), []);
    });

    it("refuses to go below two nodes, by key", async () => {
        await assert.rejects(async () => recordConfig(prod(1)), /gluu:nodeCount must be an integer ≥ 2/);
    });
});

describe("day 2: make another node the primary (before replacing the old primary's host)", () => {
    let diff: ResourceDiff[];
    let after: RecordedResource[];
    before(async () => {
        const was = await recordConfig(prod(3));
        after = await recordConfig(prod(3, { primaryNode: "gluu-2" }));
        diff = diffPlans(was, after);
    });

    it("moves the primary's steps to gluu-2 without replacing any host and without disabling anyone", () => {
        assert.deepStrictEqual(names(diff, "replace"), []);
        assert.ok(!diff.some((d) => d.type !== REMOTE_COMMAND && d.action !== "same"), "only steps change");
        assert.strictEqual(byName(after, "gluu-2-repl-init").host, "gluu-2");
        assert.strictEqual(byName(after, "gluu-1-repl-join").host, "gluu-2", "the old primary now joins the new one");
        for (const d of diff.filter((x) => x.action === "delete")) {
            // A deleted join had no delete script: nothing is disabled by the move.
            assert.ok(!d.runs || d.runs.length === 0, `${d.name} runs nothing when deleted`);
        }
    });

    it("the new primary initializes others only if its own o=gluu holds data (runtime guard in the step)", () => {
        const init = String(unwrap(byName(after, "gluu-2-repl-init").inputs.create).value);
        assert.match(init, /if \[ "\$base_dn" = o=gluu \]; then min=100; fi/);
        assert.match(init, /Refusing to initialize replication from/);
    });
});

describe("day 2: rotate the Redis password", () => {
    it("re-runs exactly the steps that use it: Redis, the health checks, the LDAP cache config and the restarts", async () => {
        const was = await recordConfig(prod(2, { redisPassword: "first-redis-password-0001" }));
        const after = await recordConfig(prod(2, { redisPassword: "second-redis-password-002" }));
        const diff = diffPlans(was, after);
        assert.deepStrictEqual(names(diff, "replace"), []);
        assert.deepStrictEqual(names(diff, "update"), [
            "gluu-1-gluu-restart",
            "gluu-1-ldap-cache-config",
            "gluu-1-redis-health",
            "gluu-2-gluu-restart",
            "gluu-2-redis-health",
            "gluu-cache-redis",
        ]);
        // The members restart only after the primary answers again: never all at once.
        const restart2 = byName(after, "gluu-2-gluu-restart");
        assert.ok(restart2.dependsOn.includes(byName(after, "gluu-1-gluu-restart").urn));
    });
});

describe("day 2: data-bearing droplets", () => {
    it("ignore a newer image, edited user data and another login key instead of rebuilding a node, also on --replace (W1)", async () => {
        const was = await recordConfig(prod(2));
        const after = await recordConfig(prod(2, { dropletImage: "ubuntu-20-04-x64" }));
        const droplet = (rs: RecordedResource[]) => rs.filter((r) => r.type === "digitalocean:index/droplet:Droplet");
        for (const r of droplet(after)) assert.deepStrictEqual(r.options?.ignoreChanges, CREATION_ONLY_DROPLET_INPUTS, `${r.name} ignores the creation-only inputs`);
        // The engine resets ignored inputs to the old values before Diff (step_generator.go processIgnoreChanges).
        const diff = diffPlans(was, after);
        // The node droplets (the cache and LB droplets use gluu:serviceDropletImage).
        const imageChanged = new Set(droplet(after).filter((r) => r.inputs.image !== was.find((w) => w.urn === r.urn)?.inputs.image).map((r) => r.urn));
        const droplets = diff.filter((d) => imageChanged.has(d.urn));
        assert.ok(droplets.length >= 2);
        for (const d of diff.filter((x) => x.type === "digitalocean:index/droplet:Droplet")) assert.strictEqual(d.action, "same", d.name);
        for (const d of droplets) {
            assert.strictEqual(d.action, "same", `${d.name}: the image change is ignored`);
            assert.deepStrictEqual(d.ignoredChanges, ["image"]);
        }
        const oldImage = was.find((w) => w.urn === droplets[0].urn)!.inputs.image;
        assert.notStrictEqual(oldImage, "ubuntu-20-04-x64");
        // `pulumi up --replace` creates the replacement from the same reset inputs: the OLD image.
        const name = droplets[0].name;
        const forced = diffPlans(was, after, { replace: [name] }).find((d) => d.name === name)!;
        assert.strictEqual(forced.action, "replace");
        assert.ok(forced.forcedReplace);
        assert.strictEqual(forced.inputs!.image, oldImage, "the replacement gets the old image");
        assert.match(renderDiff([forced]), /ignoreChanges keeps the old image \(also in the replacement\)/);
        // Dropping the list (MachineArgs.rebuild) is what rebuilds from the new image.
        const rebuilt = after.map((r) => (r.name === name ? { ...r, options: { ...r.options!, ignoreChanges: [] } } : r));
        const r = diffPlans(was, rebuilt).find((d) => d.name === name)!;
        assert.strictEqual(r.action, "replace");
        assert.strictEqual(r.inputs!.image, "ubuntu-20-04-x64");
    });

    it("prod keeps retired droplets (retainDroplets), documented; existing hosts refuse the droplet-only switches", async () => {
        assert.strictEqual(stackConfig("prod").retainDroplets, "true");
        const { parseStackConfig } = await import("../src/config");
        assert.throws(() => parseStackConfig({ ...stackConfig("byo"), protectDroplets: "true" }), /gluu:protectDroplets and gluu:retainDroplets are for droplets/);
    });
});

describe("day 2: replace a member's host (an existing server swapped for a new one)", () => {
    it("installs the new host, prunes the old address, joins the new one and initializes it from the primary", async () => {
        const byo = stackConfig("byo");
        const was = await recordConfig(byo);
        const addresses = JSON.parse(byo.existingNodeAddresses);
        const privates = JSON.parse(byo.existingNodePrivateAddresses);
        const after = await recordConfig({
            ...byo,
            existingNodeAddresses: JSON.stringify([addresses[0], "192.0.2.31", addresses[2]]),
            existingNodePrivateAddresses: JSON.stringify([privates[0], "10.10.0.31", privates[2]]),
        });
        const diff = diffPlans(was, after);
        // Only the new host's tunnel certificate is re-issued (it names the host's address); no other resource.
        assert.deepStrictEqual(names(diff, "replace"), ["gluu-2-csync2-tunnel-cert", "gluu-2-csync2-tunnel-csr"]);
        const updated = names(diff, "update");
        for (const must of ["gluu-2-install", "gluu-1-repl-prune", "gluu-2-repl-join", "gluu-1-repl-init"]) {
            assert.ok(updated.includes(must), `${must} re-runs (got ${updated.join(", ")})`);
        }
        for (const steady of ["gluu-1-install", "gluu-3-install"]) assert.ok(!updated.includes(steady), `${steady} does not re-run`);
        const prune = String(unwrap(byName(after, "gluu-1-repl-prune").inputs.create).value);
        assert.match(prune, /^keep='10\.10\.0\.11:4444 10\.10\.0\.31:4444 10\.10\.0\.13:4444'$/m, "the old 10.10.0.12 is no longer kept");
        assert.strictEqual(byName(after, "gluu-1-repl-init").host, "gluu-1", "data comes from the primary, never from the new host");
    });
});

describe("day 2: rotate the load balancer's certificate", () => {
    it("re-runs only the NGINX step", async () => {
        const { opensslPair } = await import("./helpers/pki");
        const [a, b] = [opensslPair("idp-dev.example.org"), opensslPair("idp-dev.example.org")];
        const was = await recordConfig({ ...stackConfig("dev"), lbCertificate: a.cert, lbPrivateKey: a.key });
        const after = await recordConfig({ ...stackConfig("dev"), lbCertificate: b.cert, lbPrivateKey: b.key });
        const diff = diffPlans(was, after);
        assert.deepStrictEqual(names(diff, "update"), ["gluu-lb-nginx"]);
        assert.deepStrictEqual(names(diff, "replace"), []);
    });
});

describe("day 2: rotate the cluster CA (`pulumi up --replace` of its key)", () => {
    it("re-issues every tunnel certificate and re-runs only the tunnel steps and the cache's Redis (its own TLS)", async () => {
        const { mocks } = await import("./helpers/program");
        const was = await recordConfig(prod(2));
        mocks.replaceKey("gluu-ca-key");
        const after = await recordConfig(prod(2));
        const diff = diffPlans(was, after);
        const replaced = names(diff, "replace");
        assert.ok(replaced.includes("gluu-ca-cert"), replaced.join(", "));
        for (const n of replaced) assert.match(n, /^gluu-(ca-cert|.*-tunnel-cert)$/, `${n}: only certificates are re-issued`);
        const updated = names(diff, "update");
        for (const n of updated) assert.match(n, /-(cache-redis|stunnel-client|csync2-transport)$/, `${n} is a tunnel step or the cache's Redis`);
        assert.ok(updated.includes("gluu-cache-redis") && updated.includes("gluu-1-stunnel-client") && updated.includes("gluu-1-csync2-transport"));
        assert.ok(!diff.some((d) => d.type === "digitalocean:index/droplet:Droplet" && d.action !== "same"), "no host is touched");
    });
});
