// Issue 12, the load-balancer half: the choices (`gluu:loadBalancer`), their settings' checks (pure, no mocks),
// the `digitalocean` choice and the alerts under the mocks (resources, edges, firewall rules, secrets), the
// `nginx-pair` steps and edges, and the `health` output.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { validateGluuClusterArgs } from "../components/gluuCluster";
import { alertEmailProblems, defaultVirtualRouterId, inNetwork, resolveLoadBalancer, virtualIpProblems, argKey, configKey } from "../components/loadBalancing";
import { splitCertificateChain } from "../components/managedBalancer";
import { validateNginxPairArgs } from "../components/nginxPair";
import { gluuProgram } from "../src/program";
import { REMOTE_COMMAND, RecordedResource } from "../src/record";
import { byName, configProblems, mockHost, recordComponent, stackConfig, strings, unwrap } from "./helpers/program";
import { mocks } from "./setup";

const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIP6FIXqr58nUAjR0TV2k7vp4cup8ApYI1/rQ3xDoklDc";
const ha = () => stackConfig("ha");
const byoHa = () => stackConfig("byo-ha");
const byo = () => stackConfig("byo");
const dev = () => stackConfig("dev");
const expectProblem = (raw: Record<string, string>, re: RegExp) => {
    const p = configProblems(raw);
    assert.ok(p.some((x) => re.test(x)), `expected a problem matching ${re}, got:\n${p.join("\n")}`);
};

describe("load-balancer choices: pure checks (no mocks)", () => {
    it("resolves the choice: default nginx, the old boolean still means external, a contradiction names both keys", () => {
        assert.deepStrictEqual(resolveLoadBalancer(undefined, undefined, configKey), { kind: "nginx", problems: [] });
        assert.deepStrictEqual(resolveLoadBalancer(undefined, true, configKey), { kind: "external", problems: [] });
        assert.deepStrictEqual(resolveLoadBalancer("external", true, configKey), { kind: "external", problems: [] });
        assert.deepStrictEqual(resolveLoadBalancer("digitalocean", false, configKey).problems, []);
        const c = resolveLoadBalancer("nginx-pair", true, configKey).problems;
        assert.strictEqual(c.length, 1);
        assert.match(c[0], /^gluu:externalLoadBalancer is true but gluu:loadBalancer is `nginx-pair`: they contradict each other/);
        assert.match(resolveLoadBalancer("haproxy", undefined, argKey).problems[0], /^`loadBalancer` must be one of `nginx`, `nginx-pair`, `digitalocean`, `external`/);
    });

    it("the virtual IP: inside both LB hosts' network, not the network or broadcast address, not any host's address", () => {
        const lbs = [{ key: "gluu:existingLbPrivateAddresses[0]", address: "10.10.0.22" }, { key: "gluu:existingLbPrivateAddresses[1]", address: "10.10.0.23" }];
        const others = [{ key: "gluu:existingNodePrivateAddresses[0]", address: "10.10.0.11" }];
        assert.deepStrictEqual(virtualIpProblems("gluu:lbVirtualIp", "10.10.0.30/24", lbs, others), []);
        assert.match(virtualIpProblems("gluu:lbVirtualIp", "10.10.0.30", lbs, others)[0], /^gluu:lbVirtualIp must be a free IPv4 address .* with that network's prefix length/);
        assert.match(virtualIpProblems("gluu:lbVirtualIp", "10.20.0.30/24", lbs, others).join("\n"), /gluu:lbVirtualIp 10\.20\.0\.30\/24 is not in the network of gluu:existingLbPrivateAddresses\[0\] 10\.10\.0\.22/);
        assert.match(virtualIpProblems("gluu:lbVirtualIp", "10.10.0.11/24", lbs, others).join("\n"), /gluu:lbVirtualIp 10\.10\.0\.11 is gluu:existingNodePrivateAddresses\[0\]: the virtual IP must be an address no host has/);
        assert.match(virtualIpProblems("gluu:lbVirtualIp", "10.10.0.23/24", lbs, others).join("\n"), /is gluu:existingLbPrivateAddresses\[1\]/);
        assert.match(virtualIpProblems("gluu:lbVirtualIp", "10.10.0.255/24", lbs, others).join("\n"), /network's or broadcast address/);
        assert.match(virtualIpProblems("gluu:lbVirtualIp", "10.10.0.0/24", lbs, others).join("\n"), /network's or broadcast address/);
        assert.ok(inNetwork("10.10.1.5", "10.10.0.30", 23) && !inNetwork("10.10.2.5", "10.10.0.30", 23));
    });

    it("alert e-mails: a non-empty list of addresses, none twice", () => {
        assert.deepStrictEqual(alertEmailProblems("gluu:alertEmails", ["ops@example.org", "a.b+c@x.example.com"]), []);
        assert.match(alertEmailProblems("gluu:alertEmails", [])[0], /^gluu:alertEmails must be a list of one or more e-mail addresses/);
        assert.deepStrictEqual(alertEmailProblems("gluu:alertEmails", ["ops@example.org", "not-an-address", "ops@example.org"]), [
            'gluu:alertEmails[1] must be an e-mail address, got "not-an-address"',
            "gluu:alertEmails[2] ops@example.org is listed twice",
        ]);
    });

    it("the default VRRP router id is 1–255 and stable per hostname", () => {
        const id = defaultVirtualRouterId("idp.example.org");
        assert.ok(id >= 1 && id <= 255);
        assert.strictEqual(defaultVirtualRouterId("idp.example.org"), id);
    });

    it("the certificate chain splits into the leaf and the rest (none when self-signed)", () => {
        const a = "-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----";
        const b = "-----BEGIN CERTIFICATE-----\nBBB\n-----END CERTIFICATE-----";
        assert.deepStrictEqual(splitCertificateChain(`${a}\n${b}\n`), { leaf: `${a}\n`, chain: `${b}\n` });
        assert.deepStrictEqual(splitCertificateChain(a), { leaf: `${a}\n`, chain: undefined });
        assert.throws(() => splitCertificateChain("x"), /no PEM certificate/);
    });

    it("accepts the shipped ha and byo-ha stacks", () => {
        assert.deepStrictEqual(configProblems(ha()), []);
        assert.deepStrictEqual(configProblems(byoHa()), []);
    });

    const cases: Array<[string, () => Record<string, string>, RegExp]> = [
        ["nginx-pair on droplets (points at digitalocean)", () => ({ ...dev(), loadBalancer: "nginx-pair" }), /^gluu:loadBalancer: `nginx-pair` is for existing hosts: .* use gluu:loadBalancer: `digitalocean`/],
        ["digitalocean with existing hosts", () => ({ ...byo(), loadBalancer: "digitalocean" }), /^gluu:loadBalancer: `digitalocean` .* needs droplets/],
        ["digitalocean with an NGINX host key", () => ({ ...byo(), loadBalancer: "digitalocean" }), /^gluu:existingLbAddress has no effect with gluu:loadBalancer: `digitalocean`/],
        ["nginx-pair with one host", () => ({ ...byoHa(), existingLbAddresses: '["192.0.2.22"]' }), /^gluu:existingLbAddresses must list exactly 2 hosts for gluu:loadBalancer: `nginx-pair` \(one VRRP pair\), got 1/],
        ["nginx-pair with three hosts", () => ({ ...byoHa(), existingLbAddresses: '["192.0.2.22","192.0.2.23","192.0.2.24"]' }), /must list exactly 2 hosts .* got 3/],
        ["nginx-pair without its hosts", () => { const c = byoHa(); delete c.existingLbAddresses; delete c.existingLbPrivateAddresses; delete c.existingLbHostKeys; return c; }, /^gluu:existingLbAddresses is required with gluu:loadBalancer: `nginx-pair`/],
        ["nginx-pair without a VIP", () => { const c = byoHa(); delete c.lbVirtualIp; return c; }, /^gluu:lbVirtualIp is required with gluu:loadBalancer: `nginx-pair`/],
        ["a VIP outside the LB hosts' network", () => ({ ...byoHa(), lbVirtualIp: "10.99.0.30/24" }), /^gluu:lbVirtualIp 10\.99\.0\.30\/24 is not in the network of gluu:existingLbPrivateAddresses\[0\]/],
        ["a VIP that is a node's address", () => ({ ...byoHa(), lbVirtualIp: "10.10.0.12/24" }), /^gluu:lbVirtualIp 10\.10\.0\.12 is gluu:existingNodePrivateAddresses\[1\]/],
        ["a VIP that is an LB host's address", () => ({ ...byoHa(), lbVirtualIp: "10.10.0.23/24" }), /^gluu:lbVirtualIp 10\.10\.0\.23 is gluu:existingLbPrivateAddresses\[1\]/],
        ["a VIP without prefix length", () => ({ ...byoHa(), lbVirtualIp: "10.10.0.30" }), /^gluu:lbVirtualIp must be a free IPv4 address/],
        ["pair host keys missing", () => { const c = byoHa(); delete c.existingLbHostKeys; return c; }, /^gluu:existingLbHostKeys is required with gluu:existingLbAddresses/],
        ["an LB host that is a node", () => ({ ...byoHa(), existingLbAddresses: '["192.0.2.11","192.0.2.23"]' }), /^gluu:existingLbAddresses\[0\] 192\.0\.2\.11 is also gluu:existingNodeAddresses\[0\]/],
        ["the single LB host with nginx-pair", () => ({ ...byoHa(), existingLbAddress: "192.0.2.40", existingLbHostKey: HOST_KEY }), /^gluu:existingLbAddress is for gluu:loadBalancer: `nginx` \(one host\)/],
        ["pair keys with plain nginx", () => ({ ...byo(), lbVirtualIp: "10.10.0.30/24" }), /^gluu:lbVirtualIp is only for gluu:loadBalancer: `nginx-pair`/],
        ["a VRRP router id out of range", () => ({ ...byoHa(), lbVirtualRouterId: "256" }), /^gluu:lbVirtualRouterId must be an integer 1–255/],
        ["externalLoadBalancer contradicting loadBalancer", () => ({ ...dev(), externalLoadBalancer: "true", externalLbSourceCidrs: '["10.110.0.0/20"]', loadBalancer: "digitalocean" }), /^gluu:externalLoadBalancer is true but gluu:loadBalancer is `digitalocean`/],
        ["an unknown choice", () => ({ ...dev(), loadBalancer: "haproxy" }), /^gluu:loadBalancer must be one of `nginx`, `nginx-pair`, `digitalocean`, `external`, got "haproxy"/],
        ["a bad alert address", () => ({ ...ha(), alertEmails: '["ops@example.org","ops"]' }), /^gluu:alertEmails\[1\] must be an e-mail address, got "ops"/],
        ["an empty alert list", () => ({ ...ha(), alertEmails: "[]" }), /^gluu:alertEmails must be a list of one or more e-mail addresses/],
        ["alerts with existing hosts", () => ({ ...byo(), alertEmails: '["ops@example.org"]' }), /^gluu:alertEmails is for droplets/],
        ["alerts without the monitoring agent", () => ({ ...ha(), monitoring: "false" }), /^gluu:alertEmails needs gluu:monitoring: true/],
    ];
    for (const [what, make, re] of cases) {
        it(`refuses ${what}, naming the key`, () => expectProblem(make(), re));
    }

    it("the same checks on GluuCluster's Args name the Args fields", () => {
        const base = { hostname: "idp.example.org", orgName: "o", city: "c", state: "s", countryCode: "US", adminEmail: "a@example.org" };
        const droplets = { ...base, nodeCount: 2, region: "fra1", dropletImage: "ubuntu-22-04-x64", adminCidrs: ["203.0.113.0/24"] };
        const node = (i: number) => ({ address: `192.0.2.1${i}`, privateAddress: `10.10.0.1${i}`, hostKey: HOST_KEY });
        const existing = { ...base, existingNodes: [node(1), node(2)], sshPrivateKey: "k", cacheHost: { address: "192.0.2.21", privateAddress: "10.10.0.21", hostKey: HOST_KEY } };
        const pair = [{ address: "192.0.2.22", privateAddress: "10.10.0.22", hostKey: HOST_KEY }, { address: "192.0.2.23", privateAddress: "10.10.0.23", hostKey: HOST_KEY }];
        assert.deepStrictEqual(validateGluuClusterArgs("gluu", { ...existing, loadBalancer: "nginx-pair", lbHosts: pair, lbVirtualIp: "10.10.0.30/24" }), []);
        assert.deepStrictEqual(validateGluuClusterArgs("gluu", { ...droplets, loadBalancer: "digitalocean", alertEmails: ["ops@example.org"] }), []);
        const p = (a: any) => validateGluuClusterArgs("gluu", a).join("\n");
        assert.match(p({ ...droplets, loadBalancer: "nginx-pair" }), /`loadBalancer`: `nginx-pair` is for existing hosts/);
        assert.match(p({ ...existing, loadBalancer: "digitalocean" }), /`loadBalancer`: `digitalocean` .* needs droplets/);
        assert.match(p({ ...existing, loadBalancer: "nginx-pair", lbHosts: [pair[0]], lbVirtualIp: "10.10.0.30/24" }), /`lbHosts` must list exactly 2 hosts/);
        assert.match(p({ ...existing, loadBalancer: "nginx-pair", lbHosts: pair, lbVirtualIp: "10.10.0.11/24" }), /`lbVirtualIp` 10\.10\.0\.11 is `existingNodes\[0\]\.privateAddress`/);
        assert.match(p({ ...existing, loadBalancer: "nginx-pair", lbHosts: pair }), /`lbVirtualIp` is required with `loadBalancer`: `nginx-pair`/);
        assert.match(p({ ...droplets, loadBalancer: "nginx", externalLoadBalancer: true, externalLbSourceCidrs: ["10.0.0.0/16"] }), /`externalLoadBalancer` is true but `loadBalancer` is `nginx`/);
        assert.match(p({ ...droplets, alertEmails: ["x"] }), /`alertEmails`\[0\] must be an e-mail address/);
        assert.match(p({ ...droplets, alertEmails: ["ops@example.org"], monitoring: false }), /`alertEmails` needs `monitoring`: true/);
        assert.match(p({ ...existing, lbHost: pair[0], alertEmails: ["ops@example.org"] }), /`alertEmails` is for droplets/);
        assert.match(validateNginxPairArgs({ hostname: "idp.example.org", backends: [], lbHosts: [mockHost("a", "10.0.0.1")], virtualIp: "10.0.0.9/24", vrrpPassword: "toolongpassword", certificatePem: "", privateKeyPem: "", backendCaPem: "" }).join("\n"), /`lbHosts` must list exactly 2 hosts[\s\S]*`vrrpPassword` must be 1–8 letters or digits/);
    });
});

/** Run the program for raw config; returns the resources and the `health` output. */
async function recordWithHealth(raw: Record<string, string>): Promise<{ rs: RecordedResource[]; health: Record<string, Record<string, string>> }> {
    let health: Record<string, Record<string, string>> = {};
    const rs = await recordComponent((o) => {
        const { cluster, outputs } = gluuProgram(raw, o);
        (outputs.health as pulumi.Output<any>).apply((h) => (health = h));
        return cluster;
    });
    return { rs, health };
}

describe("the `digitalocean` load balancer and the alerts under the mocks (shipped ha stack)", () => {
    let rs: RecordedResource[];
    let health: Record<string, Record<string, string>>;
    before(async () => {
        ({ rs, health } = await recordWithHealth(ha()));
    });
    const ofType = (t: string) => rs.filter((r) => r.type === `digitalocean:index/${t}`);

    it("one managed load balancer: HTTPS 443 → nodes' 443 with the custom certificate, HTTP redirected, sticky cookie, oxAuth health check, members by tag, in the VPC", () => {
        const [lb] = ofType("loadBalancer:LoadBalancer");
        assert.ok(lb, "a LoadBalancer");
        const i = lb.inputs;
        const cert = ofType("certificate:Certificate")[0];
        assert.deepStrictEqual(i.forwardingRules, [
            { entryProtocol: "https", entryPort: 443, targetProtocol: "https", targetPort: 443, certificateName: cert.inputs.name },
            { entryProtocol: "http", entryPort: 80, targetProtocol: "https", targetPort: 443 },
        ]);
        assert.strictEqual(i.redirectHttpToHttps, true);
        assert.deepStrictEqual(i.stickySessions, { type: "cookies", cookieName: "gluu-lb", cookieTtlSeconds: 3600 });
        assert.deepStrictEqual({ protocol: i.healthcheck.protocol, port: i.healthcheck.port, path: i.healthcheck.path }, { protocol: "https", port: 443, path: "/oxauth/.well-known/openid-configuration" });
        assert.strictEqual(i.dropletTag, byName(rs, "gluu-member").inputs.name);
        assert.ok(i.vpcUuid && i.region === "fra1");
        assert.strictEqual(i.enableBackendKeepalive, true);
    });

    it("the certificate is custom, its private key a secret (input and output), the leaf public", () => {
        const [cert] = ofType("certificate:Certificate");
        assert.strictEqual(cert.inputs.type, "custom");
        assert.strictEqual(unwrap(cert.inputs.privateKey).secret, true, "privateKey input is secret");
        assert.match(String(unwrap(cert.inputs.privateKey).value), /BEGIN (RSA )?PRIVATE KEY/);
        assert.ok(cert.options!.additionalSecretOutputs.includes("privateKey"), "the SDK marks the output secret too");
        assert.match(String(unwrap(cert.inputs.leafCertificate).value), /^-----BEGIN CERTIFICATE-----/);
        assert.match(String(cert.inputs.name), /^gluu-test-[0-9a-f]{6}-lb-[0-9a-f]{10}$/, "named from the leaf: a new certificate gets a new name");
    });

    it("the members' 443 answers that load balancer only; no NGINX droplet, no LB firewall", () => {
        const https = byName(rs, "gluu-members").inputs.inboundRules.filter((r: any) => r.portRange === "443");
        assert.deepStrictEqual(https, [{ protocol: "tcp", portRange: "443", sourceLoadBalancerUids: [`gluu-managed-lb-lb-id`] }]);
        assert.ok(!rs.some((r) => r.type === "digitalocean:index/droplet:Droplet" && /-lb/.test(r.name)), "no LB droplet");
        assert.deepStrictEqual(ofType("firewall:Firewall").map((r) => r.name).sort(), ["gluu-cache", "gluu-members"]);
    });

    it("alerts: an uptime check of the public URL, down and certificate-expiry alerts on it, CPU/memory/disk on members and service hosts, to the configured e-mail", () => {
        const [check] = ofType("uptimeCheck:UptimeCheck");
        assert.strictEqual(check.inputs.target, "https://idp.example.org/oxauth/.well-known/openid-configuration");
        assert.strictEqual(check.inputs.type, "https");
        const alerts = ofType("uptimeAlert:UptimeAlert");
        assert.deepStrictEqual(alerts.map((a) => a.inputs.type).sort(), ["down", "ssl_expiry"]);
        for (const a of alerts) {
            assert.strictEqual(a.inputs.checkId, `${check.name}-id`);
            assert.deepStrictEqual(a.inputs.notifications, [{ emails: ["ops@example.org"] }]);
        }
        const monitors = ofType("monitorAlert:MonitorAlert");
        assert.deepStrictEqual(monitors.map((m) => m.inputs.type).sort(), ["v1/insights/droplet/cpu", "v1/insights/droplet/disk_utilization_percent", "v1/insights/droplet/memory_utilization_percent"]);
        const tags = ["gluu-member", "gluu-cache", "gluu-lb"].map((n) => byName(rs, n).inputs.name);
        for (const m of monitors) {
            assert.deepStrictEqual(m.inputs.tags, tags);
            assert.deepStrictEqual(m.inputs.alerts, { emails: ["ops@example.org"] });
            assert.strictEqual(m.inputs.compare, "GreaterThan");
            assert.strictEqual(m.inputs.window, "5m");
        }
    });

    it("health: a step per node after every restart, and one through the managed load balancer; the output has each", () => {
        const restarts = rs.filter((r) => r.type === REMOTE_COMMAND && /-gluu-restart$/.test(r.name)).map((r) => r.urn);
        assert.ok(restarts.length >= 3);
        for (const n of ["gluu-1", "gluu-2", "gluu-3"]) {
            const step = byName(rs, `${n}-health`);
            for (const u of restarts) assert.ok(step.dependsOn.includes(u), `${n}-health waits for every restart`);
        }
        const through = byName(rs, "gluu-managed-lb-health");
        assert.ok(through.dependsOn.includes(ofType("loadBalancer:LoadBalancer")[0].urn));
        assert.deepStrictEqual(Object.keys(health).sort(), ["gluu-1", "gluu-2", "gluu-3", "managed-lb"]);
    });

    it("no secret in clear in any input (the key only inside the certificate's secret input)", () => {
        const [cert] = ofType("certificate:Certificate");
        const key = String(unwrap(cert.inputs.privateKey).value).trim();
        for (const r of rs) {
            if (r === cert) continue;
            for (const [k, v] of Object.entries(r.inputs)) {
                if (unwrap(v).secret) continue;
                assert.ok(!strings(v).some((s) => s.includes(key)), `${r.name}.${k} holds the key in clear`);
            }
        }
    });
});

describe("`nginx-pair` under the mocks (shipped byo-ha stack)", () => {
    let rs: RecordedResource[];
    let health: Record<string, Record<string, string>>;
    before(async () => {
        ({ rs, health } = await recordWithHealth(byoHa()));
    });

    it("two LB hosts, each with the same nginx step text (apart from nothing), then keepalived; host 2 after host 1 served", () => {
        const s = (n: string) => byName(rs, n);
        assert.deepStrictEqual(unwrap(s("gluu-lb-1-nginx").inputs.create).value, unwrap(s("gluu-lb-2-nginx").inputs.create).value, "same config, certificate and checker on both");
        const dep = (a: string, b: string) => assert.ok(s(a).dependsOn.includes(s(b).urn), `${a} depends on ${b}`);
        dep("gluu-lb-1-keepalived", "gluu-lb-1-nginx");
        dep("gluu-lb-2-peer-serves", "gluu-lb-1-nginx");
        dep("gluu-lb-2-peer-serves", "gluu-lb-1-keepalived");
        dep("gluu-lb-2-nginx", "gluu-lb-2-peer-serves");
        dep("gluu-lb-2-keepalived", "gluu-lb-2-nginx");
        dep("gluu-lb-2-keepalived", "gluu-lb-1-keepalived");
        assert.match(String(unwrap(s("gluu-lb-2-peer-serves").inputs.create).value), /--resolve idp\.example\.org:443:10\.10\.0\.22/);
    });

    it("keepalived: the generated 8-character VRRP password on stdin (secret, logging off), each host peering with the other, the VIP from config", () => {
        const k1 = byName(rs, "gluu-lb-1-keepalived");
        const k2 = byName(rs, "gluu-lb-2-keepalived");
        for (const k of [k1, k2]) {
            assert.strictEqual(unwrap(k.inputs.stdin).secret, true);
            assert.match(String(unwrap(k.inputs.stdin).value), /^[A-Za-z0-9]{8}$/);
            assert.strictEqual(k.inputs.logging, "none");
            assert.ok(k.options!.additionalSecretOutputs.includes("stdout"));
            assert.match(String(unwrap(k.inputs.create).value), /10\.10\.0\.30\/24 dev @GLUU_VRRP_INTERFACE@/);
        }
        assert.match(String(unwrap(k1.inputs.create).value), /priority 150[\s\S]*unicast_src_ip 10\.10\.0\.22[\s\S]*unicast_peer \{\n\s+10\.10\.0\.23/);
        assert.match(String(unwrap(k2.inputs.create).value), /priority 100[\s\S]*unicast_src_ip 10\.10\.0\.23[\s\S]*unicast_peer \{\n\s+10\.10\.0\.22/);
        const pw = String(unwrap(k1.inputs.stdin).value);
        assert.ok(!rs.some((r) => r.type === REMOTE_COMMAND && String(unwrap(r.inputs.create).value).includes(pw)), "the password is in no script");
    });

    it("no NGINX single host, and the health output lists every node and both LB hosts", () => {
        assert.ok(!rs.some((r) => r.name === "gluu-lb-nginx"));
        assert.deepStrictEqual(Object.keys(health).sort(), ["gluu-1", "gluu-2", "gluu-3", "gluu-lb-1", "gluu-lb-2"]);
    });
});
