// Change detection for steps that must re-run when something they do not read changes (e.g. a restart after
// new certificates): a short digest goes into the step's text, so Pulumi sees an update.

import { createHash } from "crypto";

/**
 * SHA-256 over the parts, length-prefixed (so `["ab","c"]` and `["a","bc"]` differ), as 16 hex characters.
 * Inputs may be secrets: the random passwords and keys they contain make the digest irreversible.
 */
export function digest(...parts: string[]): string {
    const hash = createHash("sha256");
    parts.forEach((p) => hash.update(`${p.length}:${p}`));
    return hash.digest("hex").slice(0, 16);
}
