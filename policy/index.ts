// The `gluu-cluster-policies` CrossGuard pack: `pulumi preview --policy-pack policy` from the repository root.
// Constructing the pack starts its gRPC server, so nothing imports this file; tests use `policies.ts`.

import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("gluu-cluster-policies", {
    description: "Security rules for Gluu clusters built with the gluu-cluster components: key sizes, certificate lifetimes, pinned SSH host keys, secrets only on stdin, closed cluster ports, droplets with keys and a VPC.",
    enforcementLevel: "mandatory",
    policies,
});
