// Loaded once by mocha (--require) before any spec. Pulumi's mocks are process-global, so they live here
// and every spec shares this one instance (reset between programs, secrets remembered).
import * as pulumi from "@pulumi/pulumi";
import { GluuMocks } from "../src/mocks";

export const mocks = new GluuMocks();
// The organization a DIY backend passes (`pulumi login --local`); components name cloud resources with it.
void pulumi.runtime.setMocks(mocks, "gluu", "test", false, "organization");
