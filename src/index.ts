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
export const url = outputs.url;
export const lbAddress = outputs.lbAddress;
export const cacheAddress = outputs.cacheAddress;
export const redisPassword = outputs.redisPassword;
export const replicationStatus = outputs.replicationStatus;
export const cacheHealth = outputs.cacheHealth;
export const cacheWriteLossBound = outputs.cacheWriteLossBound;
export const lbHealth = outputs.lbHealth;
export const loadBalancer = outputs.loadBalancer;
