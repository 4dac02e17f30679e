// The component library: what an organisation imports into its own Pulumi program.
export * from "./host";
export * from "./profiles";
export * from "./remoteStep";
export * from "./validation";
export * from "./gluuNode";
export * from "./gluuCluster";
export { GluuSetupSettings, HostsEntry } from "./render/node";
export * from "./clusterCa";
export * from "./secureRedis";
