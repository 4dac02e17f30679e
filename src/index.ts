// Entry point of `pulumi up` / `pulumi preview` (Pulumi.yaml `main`): every export is a stack output.
import { gluuProgram } from "./program";

const { outputs } = gluuProgram();

export const version = outputs.version;
export const hostname = outputs.hostname;
export const adminUrl = outputs.adminUrl;
export const nodeAddresses = outputs.nodeAddresses;
export const nodePrivateAddresses = outputs.nodePrivateAddresses;
export const ldapPassword = outputs.ldapPassword;
export const adminPassword = outputs.adminPassword;
export const sshPrivateKey = outputs.sshPrivateKey;
