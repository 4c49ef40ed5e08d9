// The policy pack's entry point: Pulumi runs it beside `pulumi preview --policy-pack policy`.
// Constructing a PolicyPack starts its gRPC server, so tests import consistencyPolicy.ts instead.
import { PolicyPack } from "@pulumi/policy";
import { consistencyPolicy } from "./consistencyPolicy";

new PolicyPack("multi-model-inference", { policies: [consistencyPolicy] });
