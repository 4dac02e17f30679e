// `gluu-cluster/testing`: the mocks and the review tool for an organisation's own tests and programs.
//
//   import * as pulumi from "@pulumi/pulumi";
//   import { GluuMocks, recordProgram } from "gluu-cluster/testing";
//   const mocks = new GluuMocks();
//   await pulumi.runtime.setMocks(mocks, "idp", "dev", false);
//   const resources = await recordProgram(mocks, (opts) => new GluuCluster("gluu", args, opts));
//
// GluuMocks emulate the providers' outputs the components read (tls keys and certificates, droplet addresses,
// what export steps print); Pulumi's bare mocks (inputs echoed back) make the components fail. Droplet addresses
// are invented (MOCK_ADDRESS_NOTE).
export { GluuMocks, Registration, EngineOptions, mockPassword, mockEd25519 } from "./mocks";
export { RecordedResource, Recorder, recordProgram, topologicalOrder, criticalPath, REMOTE_COMMAND } from "./record";
export { diffPlans, renderDiff, applyIgnoreChanges, DiffOptions, ResourceDiff, RenderOptions, REPLACE_RULES } from "./diff";
export { graphDot, renderSvg } from "./graph";
export {
    MOCK_ADDRESS_NOTE,
    PLAN_MARKER,
    PlanResult,
    diffText,
    findProject,
    firewallsMarkdown,
    loadProgramConfig,
    placeholderWarnings,
    prepareOutDir,
    recordModule,
    redact,
    redactValue,
    runWithConfig,
    secureStandIn,
    stackFile,
    writePlanFiles,
} from "./planTool";
export { PlanArgs, PlanRunner, parsePlanArgs, programRunner, runPlan } from "./cli";
export { applyProjectConfig, readProject, readStackFile } from "./stackConfig";
