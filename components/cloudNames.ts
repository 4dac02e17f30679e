// Names of the DigitalOcean objects whose names are account-wide: two stacks (or two clusters) in one account
// must never share one.
//
// - VPC names must be unique in the account: "A name for the VPC. Must be unique and contain alphanumeric
//   characters, dashes, and periods only." (pulumi/pulumi-digitalocean@v4.80.1:sdk/nodejs/vpc.ts, the
//   provider's own schema text; DigitalOcean API `POST /v2/vpcs`).
// - Tags are account-global: a firewall that selects `sourceTags`/`tags` matches every droplet of the account
//   with that tag, and deleting a tag untags every droplet that carries it (API `DELETE /v2/tags/{tag}`).
// - Firewall and SSH-key names are not unique in DigitalOcean, but one stack's must still not be mistaken for
//   another's in the console.
//
// So every such name starts with a prefix made of the cluster name, the stack, and six hex digits of a hash
// of (organization, project, stack, cluster name): readable, and different for any two clusters even when
// their readable parts concatenate to the same text (`gluu` in stack `a-b` and `gluu-a` in stack `b`).

import * as crypto from "crypto";

/** Characters DigitalOcean allows in every one of these names: VPC names (letters, digits, `-`, `.`), tags
 * (letters, digits, `:`, `-`, `_`), firewall names: the intersection, lower-cased. */
const SAFE = /[^a-z0-9-]+/g;

/** Longest prefix: `<prefix>-members` stays a valid 63-character DNS-style label, which every name here also is. */
export const CLOUD_PREFIX_MAX = 63 - "-members".length;

/** Where a cluster lives: Pulumi's organization, project and stack. */
export interface StackIdentity {
    organization: string;
    project: string;
    stack: string;
}

/**
 * The prefix of the cluster's account-wide DigitalOcean names: `<cluster>-<stack>-<hash6>`, the readable part
 * cut so the whole stays within `CLOUD_PREFIX_MAX`. Pure: the same inputs always give the same prefix.
 */
export function cloudNamePrefix(clusterName: string, id: StackIdentity): string {
    const hash = crypto.createHash("sha256").update(JSON.stringify([id.organization, id.project, id.stack, clusterName])).digest("hex").slice(0, 6);
    const stack = id.stack.toLowerCase().replace(SAFE, "-").replace(/^-+|-+$/g, "") || "stack";
    const readable = `${clusterName}-${stack}`.slice(0, CLOUD_PREFIX_MAX - hash.length - 1).replace(/-+$/, "");
    return `${readable}-${hash}`;
}

/**
 * The running stack's identity. The organization is what the engine passes (a DIY backend's is `organization`);
 * an engine or mock that passes none counts as that default, so names never depend on how the program is run.
 */
export function currentStackIdentity(getOrganization: () => string, project: string, stack: string): StackIdentity {
    let organization = "organization";
    try {
        organization = getOrganization() || organization;
    } catch {
        // @pulumi/pulumi throws "Missing organization name" when the engine passed none.
    }
    return { organization, project, stack };
}

/** The account-wide names of one cluster. */
export interface CloudNames {
    vpc: string;
    loginKey: string;
    memberTag: string;
    lbTag: string;
    cacheTag: string;
    memberFirewall: string;
    cacheFirewall: string;
    lbFirewall: string;
}

export function cloudNames(prefix: string): CloudNames {
    return {
        vpc: `${prefix}-vpc`,
        loginKey: `${prefix}-login`,
        memberTag: `${prefix}-member`,
        lbTag: `${prefix}-lb`,
        cacheTag: `${prefix}-cache`,
        memberFirewall: `${prefix}-members`,
        cacheFirewall: `${prefix}-cache`,
        lbFirewall: `${prefix}-lb`,
    };
}
