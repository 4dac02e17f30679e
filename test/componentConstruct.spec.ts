// Construct through the component provider (issue 11), in-process against the mock monitor of test/setup.ts: the
// inputs are built as the engine sends them in a ConstructRequest (a protobuf Struct with secrets and resource
// references in their wire form), turned into the component's inputs by the provider server's own
// deserializeInputs (what the gRPC Construct handler calls), then handed to GluuComponentProvider.construct.
// Not covered: the gRPC transport and configureRuntime (the engine's monitor address, project/stack/config of the
// request); here the runtime is the one setMocks configured.
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import "./setup";
import { mocks } from "./setup";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const rpc = require("@pulumi/pulumi/runtime/rpc");
// eslint-disable-next-line @typescript-eslint/no-var-requires
const server = require("@pulumi/pulumi/provider/server");
// eslint-disable-next-line @typescript-eslint/no-var-requires
const structproto = require("google-protobuf/google/protobuf/struct_pb");

process.env.GLUU_PROVIDER_NO_SERVE = "1";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { provider } = require("../provider") as typeof import("../provider");

interface Seen {
    type: string;
    name: string;
    parent: string;
    deps: string[];
}

/** Records every RegisterResource request the mock monitor gets (parent and dependencies are not in the mocks' args). */
function recordRegistrations(): { seen: Seen[]; stop(): void } {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const monitor: any = (pulumi.runtime as any).getMonitor();
    const orig = monitor.registerResource;
    const seen: Seen[] = [];
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    monitor.registerResource = function (req: any, cb: any) {
        seen.push({ type: req.getType(), name: req.getName(), parent: req.getParent(), deps: req.getDependenciesList() });
        return orig.call(this, req, cb);
    };
    return { seen, stop: () => (monitor.registerResource = orig) };
}

const secret = (value: string) => ({ [rpc.specialSigKey]: rpc.specialSecretSig, value });
const resourceRef = (urn: string, id: string) => ({ [rpc.specialSigKey]: rpc.specialResourceSig, urn, id, packageVersion: "1.2.1" });

/** What the gRPC Construct handler does with the request's inputs. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function engineInputs(wire: Record<string, unknown>, deps: Record<string, string[]> = {}): Promise<Record<string, any>> {
    const struct = structproto.Struct.fromJavaScript(wire);
    const depMap = new Map(Object.entries(deps).map(([k, urns]) => [k, { getUrnsList: () => urns }]));
    return server.deserializeInputs(struct, depMap);
}

async function settle(state: Record<string, unknown>): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(state)) {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        out[k] = pulumi.Output.isInstance(v) ? await (v as any).promise() : v;
    }
    return out;
}

describe("component package: Construct through the provider (mock monitor)", function () {
    this.timeout(120_000);
    beforeEach(() => mocks.reset());

    it("GluuCluster on droplets: plain and secret inputs as the engine sends them; children under the component", async () => {
        const rec = recordRegistrations();
        try {
            const inputs = await engineInputs({
                hostname: "idp.example.org",
                version: "4.5",
                orgName: "Example Inc.",
                city: "Austin",
                state: "TX",
                countryCode: "US",
                adminEmail: "admin@example.org",
                nodeCount: 2,
                region: "fra1",
                dropletImage: "ubuntu-22-04-x64",
                adminCidrs: ["203.0.113.0/24"],
                repoUser: "me",
                repoPassword: secret("repo-password-123"),
            });
            assert.equal(inputs.nodeCount, 2, "a plain input without dependencies arrives as a plain value");
            assert.ok(pulumi.Output.isInstance(inputs.repoPassword), "a secret input arrives as a secret Output");
            const result = await provider().construct("gluu", "gluu:index:GluuCluster", inputs, {});
            const urn = await (pulumi.output(result.urn) as any).promise();
            assert.match(urn, /::gluu:index:GluuCluster::gluu$/);
            const state = await settle(result.state);
            assert.equal(state.adminUrl, "https://idp.example.org/identity");
            assert.deepEqual(state.nodeAddresses, ["203.0.113.10", "203.0.113.11"].slice(0, (state.nodeAddresses as string[]).length));
            assert.equal((state.nodeAddresses as string[]).length, 2);
            assert.ok(!("nodes" in state) && !("balancer" in state), "TypeScript-only getters are not outputs");

            const droplets = rec.seen.filter((s) => s.type === "digitalocean:index/droplet:Droplet");
            assert.ok(droplets.length >= 3, "two nodes and the cache (and the LB)");
            const cluster = rec.seen.find((s) => s.type === "gluu:index:GluuCluster")!;
            assert.ok(cluster);
            // Every resource the construct registered descends from the cluster (its URN's type chain starts with it).
            for (const s of rec.seen.filter((x) => x !== cluster)) {
                assert.ok(s.parent, `${s.type} ${s.name} has a parent`);
                assert.match(s.parent, /gluu:index:GluuCluster/, `${s.type} ${s.name} is under the cluster`);
            }
            // The edges between the children are resolved to URNs of registered resources.
            const commands = rec.seen.filter((s) => s.type === "command:remote:Command");
            assert.ok(commands.length > 0);
            assert.ok(commands.some((c) => c.deps.some((d) => /command:remote:Command::/.test(d))), "commands wait for commands");
        } finally {
            rec.stop();
        }
    });

    it("LdapCacheConfig inputs: `after` arrives as resource references rehydrated as command:remote:Command", async () => {
        const rec = recordRegistrations();
        try {
            const before = new command.remote.Command("step-before", {
                connection: { host: "203.0.113.10", user: "root", privateKey: "k" },
                create: "true",
            });
            const [beforeUrn, beforeId] = await Promise.all([(before.urn as any).promise(), (before.id as any).promise()]);
            const host = { connection: { host: "203.0.113.10", user: "root", privateKey: secret("ssh-private-key-pem") }, name: "gluu-1" };
            const inputs = await engineInputs(
                {
                    host,
                    version: "4.5",
                    directoryManagerPassword: secret("ldap-password-123"),
                    redisPassword: secret("redis-password-123"),
                    encodeSalt: secret("0123456789abcdefghijklmn"),
                    idpServers: ["203.0.113.10:1636", "203.0.113.11:1636"],
                    after: [resourceRef(beforeUrn, beforeId)],
                },
                { after: [beforeUrn] },
            );
            // An array of references with inputDependencies is wrapped in an Output by deserializeInputs
            // (isResourceReference only recognises a single reference); the component must take it as such.
            assert.ok(pulumi.Output.isInstance(inputs.after), "after arrives as an Output of the references");
            const after = await (inputs.after as any).promise();
            assert.ok(Array.isArray(after) && after.length === 1);
            assert.ok(after[0] instanceof command.remote.Command, "the reference is rehydrated as a command.remote.Command");
            assert.equal(await (after[0].urn as any).promise(), beforeUrn);

            // The construct itself fails today (see the pending test below): a secret anywhere inside `host`
            // (its connection's privateKey, which the schema marks secret, so every SDK sends it as a secret) makes
            // deserializeInputs hand the component `host` as an Output, and remoteStep (components/remoteStep.ts)
            // reads `args.host.readyAfter` synchronously: "(args.host.readyAfter ?? []) is not iterable".
            assert.ok(pulumi.Output.isInstance(inputs.host), "host (with a secret inside) arrives as an Output");
        } finally {
            rec.stop();
        }
    });

    // Pending until the host-taking components accept `host` as an Output (the service components and GluuNode/
    // ServiceHost read host fields synchronously): construct LdapCacheConfig from the inputs above and check that a
    // child command's RegisterResource dependencies include the `after` command's URN.
    it.skip("LdapCacheConfig: constructed from engine inputs, its commands depend on the `after` reference");
});
